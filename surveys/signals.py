"""Role groups after every migrate; cached ballot sheets dropped on change; units of pending ballots kept."""
from django.db.models import ProtectedError
from django.db.models.signals import post_migrate, pre_delete
from django.dispatch import receiver
from django.utils.translation import gettext as _


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


@receiver(pre_delete, sender="surveys.Unit", dispatch_uid="unit-rated-by-pending-ballots")
def protect_units_of_pending_ballots(sender, instance, **kwargs):
    """A unit that ballots waiting to be settled may rate cannot go: their packed answers name it by
    id, with no foreign key to refuse the delete (settled answers protect their unit themselves)."""
    from .selectors import pending_ballots_rating

    pending = pending_ballots_rating(instance)
    if pending.exists():
        raise ProtectedError(_("Unit “%(unit)s” is rated by ballots that are not yet written out "
                               "(manage.py settle_ballots).") % {"unit": instance.code}, set(pending[:10]))
