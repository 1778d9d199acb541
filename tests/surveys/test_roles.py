"""Roles by permission, not by `is_staff`: who reaches reference-data imports and exports, and the record
an import leaves. `staff_flagged_contact` is a unit contact who was given `is_staff` by mistake."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from surveys import services
from surveys.models import AuditEvent, Campaign, CensusMargin, Region, RosterEntry, Unit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REFERENCE_MODELS = ("region", "unit", "censusmargin", "rosterentry")
UNITS_CSV = "编码,名称,类型\nW-1,窗口甲,window\nW-2,窗口乙,window\n"


@pytest.fixture
def bare_staff_user(db):
    """`is_staff`, no role: what the probe used to reach the import screens."""
    return UserFactory(username="bare", is_staff=True)


def _admin(model: str, view: str, *args) -> str:
    return reverse(f"admin:surveys_{model}_{view}", args=args)


@pytest.mark.parametrize("actor", ["staff_flagged_contact", "bare_staff_user"])
@pytest.mark.parametrize("model", REFERENCE_MODELS)
def test_no_import_or_export_screen_without_the_permission(client, request, actor, model):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(_admin(model, "import")).status_code == 403
    assert client.post(_admin(model, "process_import"), {}).status_code == 403
    assert client.get(_admin(model, "export")).status_code == 403
    assert client.post(_admin(model, "export"), {"format": "0"}).status_code == 403


@pytest.mark.parametrize("model", REFERENCE_MODELS)
def test_evaluation_staff_reach_import_and_export(client, staff, model):
    client.force_login(staff)
    assert client.get(_admin(model, "import")).status_code == 200
    assert client.get(_admin(model, "export")).status_code == 200


def test_control_without_the_permission_codes_any_staff_user_imports(client, staff_flagged_contact, settings):
    # What the probe found: django-import-export's default lets every admin user in.
    settings.IMPORT_EXPORT_IMPORT_PERMISSION_CODE = None
    settings.IMPORT_EXPORT_EXPORT_PERMISSION_CODE = None
    client.force_login(staff_flagged_contact)
    assert client.get(_admin("unit", "import")).status_code == 200
    assert client.get(_admin("rosterentry", "export")).status_code == 200


def test_a_contact_with_staff_status_cannot_change_units_campaigns_margins_or_rosters(client, staff_flagged_contact, campaign):
    unit = Unit.objects.first()
    margin = CensusMargin.objects.filter(campaign=campaign).first()
    entry = RosterEntry.objects.create(campaign=campaign, group=campaign.groups.first(), name="张三", contact="139")
    client.force_login(staff_flagged_contact)
    for model, obj in (("unit", unit), ("campaign", campaign), ("censusmargin", margin), ("rosterentry", entry)):
        assert client.get(_admin(model, "changelist")).status_code == 403, model
        assert client.get(_admin(model, "add")).status_code == 403, model
        assert client.post(_admin(model, "change", obj.pk), {}).status_code == 403, model
        assert client.post(_admin(model, "delete", obj.pk), {"post": "yes"}).status_code == 403, model
    unit.refresh_from_db()
    assert unit.active and Campaign.objects.filter(pk=campaign.pk).exists()
    assert RosterEntry.objects.filter(pk=entry.pk).exists()


def test_a_contact_sees_nothing_in_the_admin(client, staff_flagged_contact):
    client.force_login(staff_flagged_contact)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200 and response.context["available_apps"] == []


def _csv_form(client, model: str, view: str):
    """The admin's import or export form, and the value that picks CSV in it."""
    form = client.get(_admin(model, view)).context["form"]
    return form, next(index for index, label in form.fields["format"].choices if str(label).lower() == "csv")


def _admin_preview(client, model: str, text: str, name: str = "units.csv"):
    """The admin's first step: upload and preview."""
    _form, csv = _csv_form(client, model, "import")
    return client.post(_admin(model, "import"), {
        "format": csv, "resource": "0",
        "import_file": SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")})


def _admin_import(client, model: str, text: str):
    """Both steps: preview, then confirm."""
    preview = _admin_preview(client, model, text)
    assert preview.status_code == 200
    return client.post(_admin(model, "process_import"), preview.context["confirm_form"].initial, follow=True)


def test_an_admin_import_is_an_audited_service_call(client, staff):
    client.force_login(staff)
    response = _admin_import(client, "unit", UNITS_CSV)
    assert response.status_code == 200
    assert set(Unit.objects.values_list("code", flat=True)) == {"W-1", "W-2"}
    event = AuditEvent.objects.get(action="import.unit")
    assert event.actor == staff and event.actor_label == "staff"
    assert event.object_type == "surveys.unit"
    assert event.data["rows"] == 2 and event.data["totals"] == {"new": 2}
    assert event.data["file"] == "units.csv" and event.data["resource"] == "UnitResource"


def test_the_audit_event_is_written_in_the_imports_transaction(client, staff, monkeypatch):
    def broken_audit(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    client.raise_request_exception = False
    client.force_login(staff)
    response = _admin_import(client, "unit", UNITS_CSV)
    assert response.status_code == 500
    assert not Unit.objects.exists()  # no record, no import


def test_an_import_that_fails_at_confirmation_changes_nothing_and_says_why(client, staff):
    region = Region.objects.create(code="D1", name="甲区", level="district")
    client.force_login(staff)
    preview = _admin_preview(client, "unit", "编码,名称,类型,所属区域\nW-1,窗口甲,window,D1\n")
    region.delete()  # the data changes between the checked preview and the confirmation
    response = client.post(_admin("unit", "process_import"), preview.context["confirm_form"].initial, follow=True)
    assert "D1" in response.content.decode() and "第 2 行" in response.content.decode()
    assert not Unit.objects.exists() and not AuditEvent.objects.filter(action="import.unit").exists()


def test_the_import_command_is_audited_as_the_command(tmp_path):
    path = tmp_path / "regions.csv"
    path.write_text("编码,名称,层级\nD1,甲区,区\nD2,乙区,区\n", encoding="utf-8")
    call_command("import_data", "regions", str(path), stdout=io.StringIO())
    event = AuditEvent.objects.get(action="import.region")
    assert event.actor is None and event.actor_label == "manage.py import_data"
    assert event.data["rows"] == 2 and event.data["file"] == "regions.csv"


def test_a_dry_run_leaves_no_audit_event(tmp_path):
    path = tmp_path / "regions.csv"
    path.write_text("编码,名称,层级\nD1,甲区,区\n", encoding="utf-8")
    call_command("import_data", "regions", str(path), "--dry-run", stdout=io.StringIO())
    assert not AuditEvent.objects.filter(action__startswith="import.").exists()


def test_an_admin_export_of_the_roster_is_recorded(client, staff, campaign):
    RosterEntry.objects.create(campaign=campaign, group=campaign.groups.first(), name="张三", contact="13900000000")
    client.force_login(staff)
    form, csv = _csv_form(client, "rosterentry", "export")
    fields = {name: "on" for name in form.fields if name.startswith("rosterresource_")}
    response = client.post(_admin("rosterentry", "export"), {"format": csv, "resource": "0", **fields})
    assert response.status_code == 200 and "张三" in response.content.decode("utf-8-sig")
    event = AuditEvent.objects.get(action="export.rosterentry")
    assert event.actor == staff and event.data == {"rows": 1, "to": "admin"}


def test_the_export_command_is_recorded(tmp_path, db):
    Region.objects.create(code="D1", name="甲区", level="district")
    out = tmp_path / "regions.xlsx"
    call_command("export_data", "regions", "--out", str(out), stdout=io.StringIO())
    event = AuditEvent.objects.get(action="export.region")
    assert event.actor_label == "manage.py export_data" and event.data == {"rows": 1, "to": str(out)}
