"""The 整改情况通报 through the one notice chain (verify_notices passes on it, and sees it altered), and
return visits: by objection number once, by the public link rate limited."""
import datetime as dt
import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from publicity.models import Notice
from publicity.services import PublishRefused, notice_publish, objection_answer, objection_file
from rectification.models import RectificationCase, RectificationPolicy, ReturnVisit
from rectification.notice import rectification_notice_publish
from rectification.services import (
    CaseRefused,
    case_open_by_staff,
    case_open_from_objection,
    case_report,
    case_review,
    visit_by_objection,
)
from tests.publicity.factories import PUBLISHED_AT, scored_campaign

pytestmark = pytest.mark.django_db
Status = RectificationCase.Status


@pytest.fixture
def publicized(db):
    campaign = scored_campaign()
    notice = notice_publish(campaign=campaign, kind="publicity", actor="tests", now=PUBLISHED_AT)
    campaign.refresh_from_db()
    return campaign, notice


def _done(case, staff, *, verified: bool):
    case_report(case=case, kind="plan", text="方案", actor=staff)
    case_report(case=case, kind="measures", text="措施", actor=staff)
    case_report(case=case, kind="report", text="已完成", actor=staff, today=case.opened_on + dt.timedelta(days=3))
    if verified:
        case_review(case=case, to=Status.VERIFIED, text="核实", actor=staff)


def _upheld_objection(notice, staff, unit):
    objection = objection_file(notice=notice, unit=unit, text="窗口办事要跑三次",
                               now=PUBLISHED_AT + dt.timedelta(hours=1))
    objection_answer(objection=objection, reply="经核实，情况属实，责成整改。", actor=staff)
    objection.refresh_from_db()
    return objection


def test_the_rectification_report_joins_the_chain_and_verifies(publicized, staff):
    campaign, results_notice = publicized
    from_run = campaign.rectification_cases.count()   # opened when the results were published
    unit = campaign.groups.get(key="delegates").units.order_by("code").first()
    case = case_open_by_staff(campaign=campaign, unit=unit, problem="评议意见：窗口午休停办", actor=staff)
    _done(case, staff, verified=True)
    notice = rectification_notice_publish(campaign=campaign, actor=staff)
    assert (notice.kind, notice.sequence, notice.previous_sha256) == ("rectification", 2, results_notice.sha256)
    out = io.StringIO()
    call_command("verify_notices", stdout=out)
    assert "2 notice(s) verified" in out.getvalue()

    reader = PdfReader(default_storage.open(notice.file.name))
    text = "".join(page.extract_text() for page in reader.pages)
    flat = text.replace("\n", "")   # table cells wrap
    assert "整改情况的通报" in flat and unit.name in flat and "窗口午休停办" in flat
    total = from_run + 1
    assert f"整改完成率 {100 / total:.1f}%（1/{total}）" in flat
    assert "评议办（来自评议意见）" in flat and "已核实" in flat   # official Chinese, whatever the reader's language
    cases = json.loads(reader.attachments["cases.json"][0])
    assert [(c["id"], c["unit"], c["status"]) for c in cases if c["id"] == case.pk] == [(case.pk, unit.code, "verified")]


def test_control_verify_notices_sees_the_rectification_report_altered(publicized, staff):
    campaign, _results = publicized
    unit = campaign.groups.get(key="delegates").units.order_by("code").first()
    case_open_by_staff(campaign=campaign, unit=unit, problem="问题", actor=staff)
    notice = rectification_notice_publish(campaign=campaign, actor=staff)
    default_storage.delete(notice.file.name)
    default_storage.save(notice.file.name, ContentFile(b"%PDF-1.7 forged"))
    with pytest.raises(CommandError, match="SHA-256"):
        call_command("verify_notices", stdout=io.StringIO())


def test_the_rectification_report_is_published_once_and_only_after_the_results(staff, db):
    campaign = scored_campaign()
    with pytest.raises(PublishRefused, match="no published results"):
        rectification_notice_publish(campaign=campaign, actor=staff)
    notice_publish(campaign=campaign, kind="publicity", actor="tests", now=PUBLISHED_AT)
    campaign.refresh_from_db()
    if not campaign.rectification_cases.exists():
        with pytest.raises(PublishRefused, match="no rectification cases"):
            rectification_notice_publish(campaign=campaign, actor=staff)
        unit = campaign.groups.get(key="delegates").units.order_by("code").first()
        case_open_by_staff(campaign=campaign, unit=unit, problem="问题", actor=staff)
    rectification_notice_publish(campaign=campaign, actor=staff)
    with pytest.raises(PublishRefused, match="already been published"):
        rectification_notice_publish(campaign=campaign, actor=staff)
    assert Notice.objects.filter(kind="rectification").count() == 1


def test_the_objector_rates_the_fix_once_with_the_confirmation_number(publicized, staff):
    campaign, notice = publicized
    unit = campaign.groups.get(key="delegates").units.order_by("code").first()
    objection = _upheld_objection(notice, staff, unit)
    case = case_open_from_objection(objection=objection, problem="", actor=staff)
    assert (case.source, case.unit, case.problem) == ("objection", unit, "窗口办事要跑三次")
    with pytest.raises(CaseRefused, match="not finished"):
        visit_by_objection(number=objection.number, grade="4")
    _done(case, staff, verified=False)
    visit = visit_by_objection(number=objection.number.lower().replace("-", " "), grade="4")
    assert (visit.grade, visit.score, visit.satisfied) == ("满意", 80.0, True)
    with pytest.raises(CaseRefused, match="already been used"):
        visit_by_objection(number=objection.number, grade="1")
    assert ReturnVisit.objects.count() == 1


def test_a_dismissed_objection_cannot_be_upheld(publicized, staff):
    campaign, notice = publicized
    unit = campaign.groups.get(key="delegates").units.order_by("code").first()
    objection = objection_file(notice=notice, unit=unit, text="不服", now=PUBLISHED_AT + dt.timedelta(hours=1))
    objection_answer(objection=objection, reply="不属于评议范围", status="dismissed", actor=staff)
    objection.refresh_from_db()
    with pytest.raises(CaseRefused, match="Only an answered objection"):
        case_open_from_objection(objection=objection, problem="", actor=staff)


def test_an_unknown_number_is_refused(publicized):
    with pytest.raises(CaseRefused, match="No rectification case"):
        visit_by_objection(number="AAAA-BBBB-CCCC", grade="4")


def test_public_ratings_are_rate_limited_per_client(publicized, staff, client, settings):
    settings.MINPING_RETURN_VISITS_LIMIT = 2
    campaign, _notice = publicized
    unit = campaign.groups.get(key="delegates").units.order_by("code").first()
    case = case_open_by_staff(campaign=campaign, unit=unit, problem="问题", actor=staff)
    RectificationCase.objects.filter(pk=case.pk).update(source="score")   # as if opened from the run
    case.refresh_from_db()
    _done(case, staff, verified=True)
    url = f"/rectification/{case.pk}/rate/"
    assert [client.post(url, {"grade": "5"}).status_code for _ in range(3)] == [200, 200, 429]
    assert ReturnVisit.objects.filter(case=case).count() == 2


def test_a_publication_in_a_year_the_calendar_does_not_know_still_publishes_and_cases_follow_by_command(staff):
    """Deadlines cannot be counted in 2027 (chinese-calendar 1.11): the notice is published with its
    explicit period, no case is opened, and `open_cases` says why — then opens them on a day it can count."""
    campaign = scored_campaign()
    RectificationPolicy.objects.create(campaign=campaign, dissatisfied_share=0.0)   # every unit calls for one
    in_2027 = dt.datetime(2027, 1, 5, 10, 0, tzinfo=PUBLISHED_AT.tzinfo)
    notice = notice_publish(campaign=campaign, kind="publicity", actor="tests", now=in_2027,
                            deadline=dt.date(2027, 1, 12))
    assert notice.pk and not RectificationCase.objects.filter(campaign=campaign).exists()
    with pytest.raises(CommandError, match="does not know the holidays of 2027"):
        call_command("open_cases", campaign.slug, "--today", "2027-01-06", stdout=io.StringIO())
    call_command("open_cases", campaign.slug, "--today", "2026-12-01", stdout=io.StringIO())
    called_for = [u for u in notice.run.result["units"] if not u["suppressed"] and u["satisfied"]["value"] < 1]
    assert RectificationCase.objects.filter(campaign=campaign, source="score").count() == len(called_for) > 0


def test_open_cases_opens_what_the_published_run_calls_for_once(publicized):
    campaign, notice = publicized
    opened = RectificationCase.objects.filter(campaign=campaign, source="score").count()
    out = io.StringIO()
    call_command("open_cases", campaign.slug, stdout=out)
    assert "0 case(s) opened" in out.getvalue()
    assert RectificationCase.objects.filter(campaign=campaign, source="score").count() == opened


def test_the_objector_looking_up_the_number_learns_of_the_case_and_where_to_rate_the_fix(client, publicized, staff):
    campaign, notice = publicized
    unit = campaign.groups.get(key="delegates").units.order_by("code").first()
    objection = _upheld_objection(notice, staff, unit)
    status_url = reverse("publicity:objection-status")

    def follow_up() -> str:
        page = client.get(status_url, {"number": objection.number}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        return page[page.index("<table"):page.index("</table>")]

    before = follow_up()   # answered, no case: nothing about a rectification
    assert "<th>整改</th>" not in before and reverse("rectification:visit") not in before
    case = case_open_from_objection(objection=objection, problem="", actor=staff)
    opened = follow_up()
    with translation.override("zh-hans"):
        assert unit.name in opened and case.get_status_display() in opened
    assert reverse("rectification:visit") not in opened   # nothing to rate before the unit reports it done
    _done(case, staff, verified=False)
    assert reverse("rectification:visit") in follow_up()
    visit_by_objection(number=objection.number, grade="4")
    rated = follow_up()
    assert reverse("rectification:visit") not in rated and "已评价" in rated
