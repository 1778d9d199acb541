"""The audit trail: one call, inside the transaction of the change it records."""
from django.db import transaction

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
