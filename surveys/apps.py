from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Evaluation campaigns")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks, signals, signin  # noqa: F401  (checks registers itself; signals: role set-up after migrate;
        # signin: sign-ins audited)

        signals._clear_sheets_on_change()
