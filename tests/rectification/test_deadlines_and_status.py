"""Working-day deadlines (国庆 2026: 1–7 October off, Saturday 10 October worked), the status map,
overdue marking, and the audit trail of every change."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from rectification.models import CaseEntry, RectificationCase
from rectification.services import (
    CaseRefused,
    case_deadlines,
    case_open_by_staff,
    case_report,
    case_review,
    cases_mark_overdue,
)
from surveys.models import AuditEvent, UnitContact

from .conftest import organs

pytestmark = pytest.mark.django_db
Status = RectificationCase.Status


def test_fifteen_working_days_skip_the_national_day_holiday_and_count_the_worked_saturday():
    # Counted from 30 September: 30/9, 8/10, 9/10, Sat 10/10, 12–16/10, 19–23/10, 26/10 (the 15th).
    verify, due = case_deadlines(opened_on=dt.date(2026, 9, 29), verification_days=1, rectification_days=15)
    assert (verify, due) == (dt.date(2026, 9, 30), dt.date(2026, 10, 26))


def test_one_working_day_after_a_friday_before_the_adjusted_saturday_is_that_saturday():
    verify, _due = case_deadlines(opened_on=dt.date(2026, 10, 9), verification_days=1, rectification_days=1)
    assert verify == dt.date(2026, 10, 10)


def test_a_deadline_in_a_year_the_calendar_does_not_know_is_refused_clearly(closed, staff):
    unit = organs(closed, 1)[0]
    with pytest.raises(CaseRefused, match="does not know the holidays of 2027"):
        case_open_by_staff(campaign=closed, unit=unit, problem="窗口排队久", actor=staff, today=dt.date(2026, 12, 24))
    assert not RectificationCase.objects.exists()


@pytest.fixture
def case(closed, staff):
    return case_open_by_staff(campaign=closed, unit=organs(closed, 1)[0], problem="评议意见：窗口排队时间长",
                              actor=staff, today=dt.date(2026, 9, 29))


def test_mark_overdue_counts_working_days_not_weekdays(case):
    # Monday–Friday counting would have ended on 21 October; the real deadline is 26 October.
    assert cases_mark_overdue(today=dt.date(2026, 10, 26), actor="tests") == []
    call_command("mark_overdue", "--today", "2026-10-27")
    case.refresh_from_db()
    assert case.status == Status.OVERDUE
    assert AuditEvent.objects.filter(action="rectification.overdue", object_id=str(case.pk)).count() == 1
    assert cases_mark_overdue(today=dt.date(2026, 10, 28), actor="tests") == []  # marked once


def test_the_unit_moves_its_case_through_plan_measures_and_report_and_staff_verify(case, contact, staff):
    UnitContact.objects.create(user=contact, unit=case.unit)
    pdf = SimpleUploadedFile("方案.pdf", b"%PDF-1.7 plan", content_type="application/pdf")
    case_report(case=case, kind="plan", text="增设两个窗口", actor=contact, file=pdf)
    case_report(case=case, kind="measures", text="10月12日起增设窗口", actor=contact)
    case_report(case=case, kind="report", text="排队时间降至15分钟", actor=contact, today=dt.date(2026, 10, 20))
    case_review(case=case, to=Status.VERIFIED, text="现场核实属实", actor=staff, today=dt.date(2026, 10, 21))
    case.refresh_from_db()
    assert (case.status, case.completed_on, case.closed_on) == (Status.VERIFIED, dt.date(2026, 10, 20),
                                                                dt.date(2026, 10, 21))
    kinds = list(case.entries.values_list("kind", flat=True))
    assert kinds == ["opened", "plan", "measures", "report", "verified"]
    plan = case.entries.get(kind=CaseEntry.Kind.PLAN)
    assert plan.file.read() == b"%PDF-1.7 plan"
    actions = list(AuditEvent.objects.filter(object_type="rectification.rectificationcase", object_id=str(case.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["rectification.open.staff", "rectification.plan", "rectification.measures",
                       "rectification.report", "rectification.verified"]


def test_steps_out_of_order_are_refused_and_change_nothing(case, staff):
    with pytest.raises(CaseRefused, match="cannot become"):
        case_report(case=case, kind="report", text="完成", actor=staff)
    with pytest.raises(CaseRefused, match="cannot become"):
        case_review(case=case, to=Status.VERIFIED, text="核实", actor=staff)
    case.refresh_from_db()
    assert case.status == Status.OPEN and case.entries.count() == 1


def test_a_rejection_needs_its_reason_and_closes_the_case(case, staff):
    with pytest.raises(CaseRefused):
        case_review(case=case, to=Status.REJECTED, text="  ", actor=staff)
    case_review(case=case, to=Status.REJECTED, text="经核实系误解", actor=staff, today=dt.date(2026, 9, 30))
    case.refresh_from_db()
    assert (case.status, case.reason, case.closed_on) == (Status.REJECTED, "经核实系误解", dt.date(2026, 9, 30))
    with pytest.raises(CaseRefused):
        case_report(case=case, kind="plan", text="方案", actor=staff)


def test_only_the_units_contact_or_staff_report_and_only_staff_verify(case, contact, staff):
    with pytest.raises(PermissionDenied):
        case_report(case=case, kind="plan", text="方案", actor=contact)   # a contact of no unit
    UnitContact.objects.create(user=contact, unit=case.unit)
    case_report(case=case, kind="plan", text="方案", actor=contact)
    with pytest.raises(PermissionDenied):
        case_review(case=case, to=Status.REJECTED, text="不予立项", actor=contact)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("计划.exe", b"MZ\x90\x00", "must be PDF, PNG, JPEG, DOCX or XLSX"),
    ("计划.pdf", b"<html>not a pdf", "is not a PDF file"),
])
def test_attachments_of_another_type_are_refused(case, staff, name, content, message):
    with pytest.raises(CaseRefused, match=message):
        case_report(case=case, kind="plan", text="方案", actor=staff, file=SimpleUploadedFile(name, content))
    case.refresh_from_db()
    assert case.status == Status.OPEN and case.entries.count() == 1


def test_attachments_above_the_limit_are_refused(case, staff, settings):
    settings.MINPING_RECTIFICATION_FILE_MAX_BYTES = 100
    with pytest.raises(CaseRefused, match="at most 100"):
        case_report(case=case, kind="plan", text="方案", actor=staff,
                    file=SimpleUploadedFile("a.pdf", b"%PDF" + b"0" * 200))
