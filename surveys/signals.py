"""Role groups are (re)created after every migrate, once their permissions exist."""
from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def create_roles(sender, app_config=None, **kwargs):
    if app_config is not None and app_config.label == "surveys":
        from .roles import ensure_roles

        ensure_roles()
