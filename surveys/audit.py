"""The audit trail: one call, inside the transaction of the change it records."""
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent


def actor_parts(actor) -> tuple:
    """(the user, or None for a command; the label kept with the record: user name or command name)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    label = actor.get_username() if user is not None else str(actor or "system")
    return user, label[:150]


def audit_record(*, actor, action: str, obj, data: dict | None = None) -> AuditEvent:
    """Record that `actor` (a user, or a label such as "manage.py score") did `action` to `obj`
    (a model instance, or a model class for a change to many of its rows).

    Must run inside the transaction that makes the change, so that the change and its
    record are committed, or rolled back, together.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must be called inside the transaction of the change it records")
    user, label = actor_parts(actor)
    whole_table = isinstance(obj, type)  # a model class: the change concerns many rows (an import)
    return AuditEvent.objects.create(
        actor=user,
        actor_label=label,
        action=action,
        object_type=obj._meta.label_lower,
        object_id="" if whole_table else str(obj.pk),
        object_repr=str(obj._meta.verbose_name_plural if whole_table else obj)[:200],
        data=data or {},
    )


# What people read instead of the stored action keys (admin lists, pages). Keys made with a suffix
# (`import.<model>`, `notice.publish.<kind>`, `objection.<status>`) are labelled by their prefix.
ACTION_LABELS = {
    "auth.signed_in": _("Signed in"),
    "auth.sign_in_failed": _("Sign-in failed"),
    "auth.locked_out": _("Sign-in locked out"),
    "auth.password_changed": _("Changed their password"),
    "auth.password_reset": _("Reset a unit contact's password"),
    "auth.totp_enrolled": _("Set up an authenticator app"),
    "auth.totp_failed": _("Wrong authenticator code"),
    "campaign.status": _("Changed a campaign's status"),
    "questionnaire.create_standard": _("Created the standard questionnaire"),
    "invitation.issue": _("Issued invitations"),
    "ballots.import_paper": _("Imported paper ballots"),
    "ballots.export": _("Exported ballots"),
    "score_run.create": _("Scored a campaign"),
    "score_run.freeze": _("Froze a score run"),
    "document_series.save": _("Changed a document number prefix"),
    "objection.file": _("Objection filed"),
}
ACTION_PREFIX_LABELS = {
    "import.": _("Imported %(what)s"),
    "export.": _("Exported %(what)s"),
    "notice.publish.": _("Published a notice (%(what)s)"),
    "objection.": _("Answered an objection (%(what)s)"),
}


def action_label(action: str) -> str:
    """The action in words: its label, else its prefix's label with the rest, else the key itself."""
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    for prefix, label in ACTION_PREFIX_LABELS.items():
        if action.startswith(prefix):
            return str(label) % {"what": _suffix_words(prefix, action.removeprefix(prefix))}
    return action


def _suffix_words(prefix: str, suffix: str) -> str:
    """A model's plural name (imports, exports), a notice kind or an objection status in words."""
    from django.apps import apps

    from publicity.models import Notice, Objection

    if prefix == "notice.publish.":
        return str(dict(Notice.Kind.choices).get(suffix, suffix))
    if prefix == "objection.":
        return str(dict(Objection.Status.choices).get(suffix, suffix))
    for model in apps.get_models():
        if model._meta.model_name == suffix:
            return str(model._meta.verbose_name_plural)
    return suffix
