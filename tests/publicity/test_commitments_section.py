"""The notice's section on commitments (承诺事项兑现情况), read back from the PDF: each commitment with
its unit, fulfilment score and interval as in the run, or 样本不足 below the minimum."""
import io

from pypdf import PdfReader

from publicity.services import notice_render
from scoring.services import score_run_create
from surveys.models import Campaign
from tests.scoring.fulfilment_data import campaign_with_commitments


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "").replace("\n", "")


def test_the_notice_lists_each_commitment_with_its_fulfilment_as_in_the_run(db):
    campaign, _commitments, run = campaign_with_commitments()
    rendered = notice_render(campaign=campaign, kind="publicity")
    text = _text(rendered.pdf)
    assert "承诺事项兑现情况" in text
    for entry in rendered.run.result["commitments"]:
        assert not entry["suppressed"]
        row = f"{entry['text']}{entry['score']:.1f}{entry['ci'][0]:.1f}–{entry['ci'][1]:.1f}{entry['n']}"
        assert row in text, row


def test_a_commitment_below_the_minimum_is_printed_as_insufficient_sample(db):
    campaign, commitments, _run = campaign_with_commitments()
    Campaign.objects.filter(pk=campaign.pk).update(min_ballots=1000)
    campaign.refresh_from_db()
    score_run_create(campaign=campaign, actor="tests")   # a scored campaign's new run: all below the minimum
    text = _text(notice_render(campaign=campaign, kind="publicity").pdf)
    for commitment in commitments.values():
        assert f"{commitment.text}样本不足" in text


def test_a_campaign_without_commitments_gets_no_such_section(db):
    from tests.publicity.factories import scored_campaign

    text = _text(notice_render(campaign=scored_campaign(), kind="publicity").pdf)
    assert "承诺事项兑现情况" not in text
