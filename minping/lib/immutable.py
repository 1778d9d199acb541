"""One guard for records written once: ballots and their answers and scores, audit events, score
runs, notices and objections.

Changing or deleting such a row through the ORM raises `ImmutableRecordError`, whether through
the instance (`save()`, `delete()`) or in bulk (`QuerySet.update()`, `.delete()`), so that no code
path goes around it by accident. A model that allows one change overrides a hook (a score run may
be frozen, an objection answered once). PostgreSQL triggers stay the guard in the database itself,
for whoever goes around the ORM (surveys/migrations/0011_append_only_triggers.py).
"""
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _


class ImmutableRecordError(Exception):
    """Code tried to change or delete a record that is written once."""


def _records(model) -> str:
    return capfirst(str(model._meta.verbose_name_plural))


class ImmutableQuerySet(models.QuerySet):
    """Bulk writes would bypass the instance's guard, so they ask the model too."""

    def update(self, **kwargs):
        self.model.check_bulk_update(self, kwargs)
        return super().update(**kwargs)

    def delete(self):
        self.model.check_bulk_delete(self)
        return super().delete()

    def purge(self):
        """Delete these rows on purpose — the one door past the guard, named so that a reader sees it
        (the demo city's reset). On PostgreSQL the triggers still refuse unless the transaction has
        their permission (`surveys.record.campaign_purge_allow`)."""
        return super().delete()


class Immutable(models.Model):
    """Abstract base of the records written once (see the module's docstring)."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # `_state.adding`, not `pk is None`: ballots get their random id before they are saved.
        if not self._state.adding:
            self.check_change(kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.check_delete()
        return super().delete(*args, **kwargs)

    # Hooks: everything is refused unless a model allows it.

    def check_change(self, update_fields) -> None:
        raise ImmutableRecordError(_("%(records)s cannot be changed once written.") % {"records": _records(self)})

    def check_delete(self) -> None:
        raise ImmutableRecordError(_("%(records)s cannot be deleted.") % {"records": _records(self)})

    @classmethod
    def check_bulk_update(cls, queryset, values: dict) -> None:
        raise ImmutableRecordError(_("%(records)s cannot be changed once written.") % {"records": _records(cls)})

    @classmethod
    def check_bulk_delete(cls, queryset) -> None:
        raise ImmutableRecordError(_("%(records)s cannot be deleted.") % {"records": _records(cls)})
