"""Publishing: the refusals of the issue, what a publication stores, and the final report."""
import datetime as dt
import hashlib

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from publicity import document
from publicity.models import GENESIS_SHA256, Notice
from publicity.services import PublishRefused, notice_publish, notice_render, objection_answer, objection_file
from scoring.models import ScoreRun
from scoring.services import score_run_create
from surveys.models import AuditEvent, Campaign
from surveys.services import campaign_set_status
from tests.scoring.factories import scored_campaign_data

from .factories import AFTER_PERIOD, DEADLINE, PUBLISHED_AT


def _publish_cmd(slug, kind):
    from io import StringIO

    out = StringIO()
    call_command("publish", slug, "--kind", kind, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_publicity_refused_while_open_and_for_a_provisional_run(db):
    campaign = scored_campaign_data()
    score_run_create(campaign=campaign, actor="tests")  # provisional: the campaign is open
    with pytest.raises(CommandError, match="发布前须先结束并评分"):
        _publish_cmd(campaign.slug, "publicity")
    campaign_set_status(campaign=campaign, status=Campaign.Status.CLOSED, actor="tests")
    with pytest.raises(CommandError, match="尚未评分"):
        _publish_cmd(campaign.slug, "publicity")
    assert not Notice.objects.exists()
    assert not ScoreRun.objects.filter(frozen=True).exists()


def test_publicity_refused_when_latest_run_is_provisional(scored):
    # A scored campaign whose latest run is provisional cannot arise through the services; forge one.
    ScoreRun.objects.create(campaign=scored, number=99, input_digest="x", provisional=True, created_by_label="t",
                            result=scored.score_runs.get(number=1).result)
    with pytest.raises(PublishRefused, match="临时结果"):
        notice_publish(campaign=scored, kind="publicity", actor="tests", now=PUBLISHED_AT)


def test_publish_stores_the_file_with_its_hash_freezes_the_run_and_moves_the_campaign(scored, capsys):
    out = _publish_cmd(scored.slug, "publicity")
    notice = Notice.objects.get()
    assert notice.sha256 in out.splitlines()[-1]
    with default_storage.open(notice.file.name, "rb") as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == notice.sha256 and notice.size == len(data)
    assert notice.previous_sha256 == GENESIS_SHA256 and notice.sequence == 1
    assert notice.run.frozen
    scored.refresh_from_db()
    assert scored.status == Campaign.Status.PUBLICIZED
    assert AuditEvent.objects.filter(action="notice.publish.publicity", object_id=str(notice.pk)).exists()
    assert AuditEvent.objects.filter(action="campaign.status", data__to="publicized").exists()
    with pytest.raises(CommandError, match="公示已发布"):
        _publish_cmd(scored.slug, "publicity")


def test_the_preview_is_the_file_that_gets_published_but_for_its_watermark(scored):
    preview = notice_render(campaign=scored, kind="publicity", issued_on=PUBLISHED_AT.date())
    notice = notice_publish(campaign=scored, kind="publicity", actor="tests", now=PUBLISHED_AT)
    assert hashlib.sha256(preview.pdf).hexdigest() != notice.sha256   # marked "预览 — 未发布"
    assert hashlib.sha256(document.notice_pdf(preview.data)).hexdigest() == notice.sha256
    assert notice.objection_deadline == DEADLINE and notice.working_days == 5


def test_notice_command_writes_a_preview_and_publishes_nothing(scored, tmp_path):
    out = tmp_path / "preview.pdf"
    call_command("notice", scored.slug, "--kind", "publicity", "--out", str(out), "--date", "2026-09-29")
    assert out.read_bytes().startswith(b"%PDF")
    assert not Notice.objects.exists()
    scored.refresh_from_db()
    assert scored.status == Campaign.Status.SCORED


def test_final_refused_before_publicity_then_before_period_end_then_with_unanswered_objection(scored, staff):
    with pytest.raises(PublishRefused, match="尚未发布公示"):
        notice_publish(campaign=scored, kind="final", actor="tests", now=AFTER_PERIOD)
    publicity = notice_publish(campaign=scored, kind="publicity", actor="tests", now=PUBLISHED_AT)
    objection = objection_file(notice=publicity, text="得分有误", now=PUBLISHED_AT + dt.timedelta(days=1))
    last_day = dt.datetime.combine(DEADLINE, dt.time(16, 0), tzinfo=PUBLISHED_AT.tzinfo)
    with pytest.raises(PublishRefused) as refused:
        notice_publish(campaign=scored, kind="final", actor="tests", now=last_day)
    assert "2026-10-10" in str(refused.value) and objection.number in str(refused.value)
    with pytest.raises(PublishRefused, match=objection.number):
        notice_publish(campaign=scored, kind="final", actor="tests", now=AFTER_PERIOD)
    objection_answer(objection=objection, reply="经复核，得分无误。", actor=staff)
    final = notice_publish(campaign=scored, kind="final", actor=staff, now=AFTER_PERIOD)
    assert final.previous_sha256 == publicity.sha256 and final.sequence == 2 and final.run_id == publicity.run_id
    assert final.title.endswith("结果的通报") and final.objection_deadline is None
    scored.refresh_from_db()
    assert scored.status == Campaign.Status.FINAL


def test_final_refusal_from_the_command_is_a_clear_message(scored):
    _publish_cmd(scored.slug, "publicity")  # today: the period has just begun
    with pytest.raises(CommandError, match="公示期至 .* 止"):
        _publish_cmd(scored.slug, "final")


def test_scoring_is_refused_once_published(published):
    from scoring.services import ScoringRefused

    with pytest.raises(ScoringRefused):
        score_run_create(campaign=published.campaign, actor="tests")
