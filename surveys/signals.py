"""Role groups after every migrate; cached ballot sheets dropped on change."""
from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def create_roles(sender, app_config=None, **kwargs):
    if app_config is not None and app_config.label == "surveys":
        from .roles import ensure_roles

        ensure_roles()


def _clear_sheets_on_change() -> None:
    """A change to what a ballot sheet is made of drops the cached sheets of this process."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from .ballots import clear_sheet_cache
    from .models import Campaign, EvaluatorGroup, Option, Question, Unit

    for model in (Campaign, EvaluatorGroup, Question, Option, Unit):
        post_save.connect(clear_sheet_cache, sender=model, dispatch_uid=f"sheet-cache-save-{model.__name__}")
        post_delete.connect(clear_sheet_cache, sender=model, dispatch_uid=f"sheet-cache-delete-{model.__name__}")
    m2m_changed.connect(clear_sheet_cache, sender=EvaluatorGroup.units.through, dispatch_uid="sheet-cache-units")
