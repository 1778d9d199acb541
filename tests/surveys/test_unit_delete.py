"""Units are deleted through one service (`surveys.services.unit_delete`), the admin's delete page
and bulk action included: refused while ballots waiting to be settled may rate the unit (their
packed answers name it with no foreign key), audited otherwise."""
import pytest
from django.db.models import ProtectedError
from django.utils import translation

from surveys.ballots import ballots_settle
from surveys.models import AuditEvent, Unit
from surveys.services import UnitDeleteRefused, unit_delete

from .test_settling import cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(staff):
    staff.is_superuser = True   # may delete units in general
    staff.save()
    return staff


def _bulk_delete(client, *units):
    return client.post("/admin/surveys/unit/", {"action": "delete_selected", "_selected_action": [u.pk for u in units],
                                                "post": "yes"})


def test_a_unit_pending_ballots_may_rate_is_refused_in_the_users_language(client, residents):
    cast(client, residents)
    unit = residents.units.order_by("code").first()
    with translation.override("zh-hans"), pytest.raises(UnitDeleteRefused, match="尚未写出"):
        unit_delete(unit=unit, actor="tests")
    with translation.override("en"), pytest.raises(UnitDeleteRefused, match="not yet written out"):
        unit_delete(unit=unit, actor="tests")
    assert Unit.objects.filter(pk=unit.pk).exists() and not AuditEvent.objects.filter(action="unit.delete").exists()


def test_control_the_orm_alone_would_delete_it_the_guard_is_the_service(client, residents):
    """Pending ballots hold no foreign key: without the service's check the unit would go."""
    cast(client, residents)
    unit = residents.units.order_by("code").first()
    unit.delete()
    assert not Unit.objects.filter(pk=unit.pk).exists()


def test_the_admin_says_why_and_deletes_nothing_while_pending_ballots_may_rate_the_unit(client, residents, superuser):
    cast(client, residents)
    unit = residents.units.order_by("code").first()
    client.force_login(superuser)
    for page in (client.post(f"/admin/surveys/unit/{unit.pk}/delete/", {"post": "yes"}), _bulk_delete(client, unit)):
        assert page.status_code == 200   # the confirmation page again, listing what protects the unit
        assert f"“{unit.code}”" in page.content.decode() and "尚未写出" in page.content.decode()
    assert Unit.objects.filter(pk=unit.pk).exists() and not AuditEvent.objects.filter(action="unit.delete").exists()
    ballots_settle(min_batch=1)   # now its answers protect it the usual way (PROTECT)
    with pytest.raises(ProtectedError):
        unit_delete(unit=unit, actor="tests")
    assert Unit.objects.filter(pk=unit.pk).exists()


def test_the_admin_deletes_a_free_unit_through_the_service_audited(client, residents, superuser):
    spare = Unit.objects.create(code="SPARE-1", name="备用单位", kind=Unit.Kind.WINDOW)
    other = Unit.objects.create(code="SPARE-2", name="备用单位二", kind=Unit.Kind.WINDOW)
    client.force_login(superuser)
    assert client.post(f"/admin/surveys/unit/{spare.pk}/delete/", {"post": "yes"}).status_code == 302
    assert _bulk_delete(client, other).status_code == 302
    assert not Unit.objects.filter(code__startswith="SPARE-").exists()
    events = AuditEvent.objects.filter(action="unit.delete").order_by("id")
    assert [(e.actor, e.data["code"]) for e in events] == [(superuser, "SPARE-1"), (superuser, "SPARE-2")]
