from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "rectification"
    verbose_name = _("Rectification")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # API tokens (for the hotline POST) are issued by `manage.py drf_create_token USER`, not in the
        # admin: DRF's token screens would be one more admin area outside the roles' permissions.
        from django.contrib import admin
        from rest_framework.authtoken.models import TokenProxy

        from . import receivers  # noqa: F401  (connects to publicity's notice_published)

        if admin.site.is_registered(TokenProxy):
            admin.site.unregister(TokenProxy)
