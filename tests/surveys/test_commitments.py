"""Commitments (一事一诺): who enters and approves them, that they freeze when the campaign opens,
that every change is audited, and that the ballot asks and stores 兑现情况 on every channel."""
import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils import translation

from surveys.ballots import AnswerIn, BallotBatch, BallotInvalid, ballot_sheet, ballots_settle, validate_answers
from surveys.commitments import (
    CommitmentRefused,
    commitment_approve,
    commitment_create,
    commitment_delete,
    commitment_reject,
    commitment_submit,
    commitment_update,
    commitments_public,
)
from surveys.models import Answer, AuditEvent, BallotUnitScore, Campaign, Commitment, Option, UnitContact
from surveys.roles import EVALUATION_STAFF
from surveys.services import campaign_set_status

from ..factories import CampaignFactory, UnitFactory, UserFactory


@pytest.fixture(autouse=True)
def english():
    """The messages matched below are the English ones (the services answer in the active language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def campaign(db):
    return CampaignFactory.ready(slug="promises-2026")


@pytest.fixture
def office(campaign):
    return campaign.groups.get(key="residents").units.order_by("code").first()


@pytest.fixture
def contact(office):
    user = UserFactory(username="contact")
    UnitContact.objects.create(user=user, unit=office)
    return user


@pytest.fixture
def other_contact(campaign, office):
    user = UserFactory(username="other-contact")
    other = campaign.groups.get(key="residents").units.exclude(pk=office.pk).first()
    UnitContact.objects.create(user=user, unit=other)
    return user


@pytest.fixture
def staff(db):
    user = UserFactory(username="staff")
    user.groups.add(Group.objects.get_or_create(name=EVALUATION_STAFF)[0])
    return user


def approved(campaign, unit, text="营业执照办理时限压缩至3个工作日", staff_actor="tests"):
    commitment = commitment_create(campaign=campaign, unit=unit, text=text, target="3个工作日", actor="tests")
    commitment_submit(commitment=commitment, actor="tests")
    return commitment_approve(commitment=commitment, actor=staff_actor)


# --- Entry, approval, audit ----------------------------------------------------------------------

def test_a_contact_enters_and_submits_and_staff_approve_each_step_audited(campaign, office, contact, staff):
    commitment = commitment_create(campaign=campaign, unit=office, text=" 窗口等候不超过15分钟 ", actor=contact)
    assert commitment.text == "窗口等候不超过15分钟" and commitment.status == Commitment.Status.DRAFT
    assert commitment.created_by == contact
    commitment_submit(commitment=commitment, actor=contact)
    done = commitment_approve(commitment=commitment, actor=staff)
    assert done.status == Commitment.Status.APPROVED and done.reviewed_by == staff and done.reviewed_at
    actions = list(AuditEvent.objects.filter(object_type="surveys.commitment", object_id=str(commitment.pk))
                   .order_by("id").values_list("action", "actor_label"))
    assert actions == [("commitment.create", "contact"), ("commitment.submit", "contact"),
                       ("commitment.approve", "staff")]


def test_a_rejection_needs_a_reason_and_the_unit_can_change_and_resubmit(campaign, office, contact, staff):
    commitment = commitment_create(campaign=campaign, unit=office, text="承诺", actor=contact)
    commitment_submit(commitment=commitment, actor=contact)
    with pytest.raises(CommitmentRefused, match="why"):
        commitment_reject(commitment=commitment, reason="  ", actor=staff)
    rejected = commitment_reject(commitment=commitment, reason="目标不可衡量", actor=staff)
    assert rejected.status == Commitment.Status.REJECTED and rejected.review_note == "目标不可衡量"
    assert AuditEvent.objects.get(action="commitment.reject").data["reason"] == "目标不可衡量"
    changed = commitment_update(commitment=commitment, text="办结时限5个工作日", target="5日", actor=contact)
    assert changed.status == Commitment.Status.DRAFT
    commitment_submit(commitment=commitment, actor=contact)


def test_contacts_of_other_units_and_the_public_may_not_enter_and_only_staff_approve(
        campaign, office, contact, other_contact, staff):
    with pytest.raises(PermissionDenied):
        commitment_create(campaign=campaign, unit=office, text="承诺", actor=other_contact)
    commitment = commitment_create(campaign=campaign, unit=office, text="承诺", actor=contact)
    commitment_submit(commitment=commitment, actor=contact)
    for actor in (contact, other_contact):
        with pytest.raises(PermissionDenied):
            commitment_approve(commitment=commitment, actor=actor)
    assert Commitment.objects.get(pk=commitment.pk).status == Commitment.Status.SUBMITTED
    assert commitment_create(campaign=campaign, unit=office, text="第二项", actor=staff).status == "draft"


def test_at_most_three_commitments_per_unit_and_the_text_is_at_most_500_characters(campaign, office, contact):
    with pytest.raises(CommitmentRefused, match="500"):
        commitment_create(campaign=campaign, unit=office, text="长" * 501, actor=contact)
    for i in range(3):
        commitment_create(campaign=campaign, unit=office, text=f"承诺{i}", actor=contact)
    with pytest.raises(CommitmentRefused, match="3"):
        commitment_create(campaign=campaign, unit=office, text="第四项", actor=contact)
    assert Commitment.objects.filter(unit=office).count() == 3


def test_a_unit_the_campaign_does_not_rate_gets_no_commitment(campaign):
    with pytest.raises(CommitmentRefused):
        commitment_create(campaign=campaign, unit=UnitFactory(), text="承诺", actor="tests")


def test_commitments_are_frozen_once_the_campaign_opens(campaign, office, contact, staff):
    kept = approved(campaign, office)
    draft = commitment_create(campaign=campaign, unit=office, text="草稿", actor=contact)
    submitted = commitment_create(campaign=campaign, unit=office, text="待审", actor=contact)
    commitment_submit(commitment=submitted, actor=contact)
    campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="tests")
    events = AuditEvent.objects.count()
    attempts = [
        lambda: commitment_create(campaign=campaign, unit=office, text="新", actor=contact),
        lambda: commitment_update(commitment=draft, text="改", actor=contact),
        lambda: commitment_submit(commitment=draft, actor=contact),
        lambda: commitment_delete(commitment=draft, actor=contact),
        lambda: commitment_approve(commitment=submitted, actor=staff),
        lambda: commitment_reject(commitment=submitted, reason="晚了", actor=staff),
    ]
    for attempt in attempts:
        with pytest.raises(CommitmentRefused, match="frozen"):
            attempt()
    assert AuditEvent.objects.count() == events
    assert list(Commitment.objects.order_by("id").values_list("text", "status")) == [
        (kept.text, "approved"), ("草稿", "draft"), ("待审", "submitted")]


def test_the_public_sees_approved_commitments_only_once_the_campaign_is_open(campaign, office, contact):
    kept = approved(campaign, office)
    commitment_create(campaign=campaign, unit=office, text="未审", actor=contact)
    assert list(commitments_public(campaign)) == []
    campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="tests")
    assert list(commitments_public(campaign)) == [kept]


# --- On the ballot -----------------------------------------------------------------------------------

@pytest.fixture
def open_with_commitment(campaign, office):
    commitment = approved(campaign, office)
    campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="tests")
    return commitment


PROFILE = [AnswerIn("district", None, "D1"), AnswerIn("age", None, "60+"), AnswerIn("sex", None, "F")]


def test_a_fulfilment_answer_is_stored_with_its_commitment_and_is_not_part_of_the_unit_score(
        campaign, office, open_with_commitment):
    sheet = ballot_sheet(campaign.groups.get(key="residents"))
    key = f"commitment:{open_with_commitment.pk}"
    clean = validate_answers(sheet, [*PROFILE, AnswerIn("overall", office.code, "5"), AnswerIn(key, None, "1")])
    batch = BallotBatch(sheet)
    batch.add(clean, channel="online", received_on=campaign.created_at.date())
    batch.write()
    stored = Answer.objects.get(commitment=open_with_commitment)
    assert (stored.unit, stored.question.key, stored.option.value) == (office, "overall", "1")
    assert Answer.objects.get(unit=office, commitment__isnull=True).option.value == "5"
    assert BallotUnitScore.objects.get(unit=office).score == 100   # the 0 of the commitment is not in it


@pytest.mark.parametrize(("answer", "message"), [
    (lambda c: AnswerIn(f"commitment:{c.pk}", None, "9"), "is not one of the options"),
    (lambda c: AnswerIn(f"commitment:{c.pk}", "ELSEWHERE", "4"), "belongs to another unit"),
    (lambda c: AnswerIn(f"commitment:{c.pk + 1000}", None, "4"), "is not on this ballot"),
])
def test_a_wrong_fulfilment_answer_is_refused_naming_the_commitment(campaign, office, open_with_commitment, answer,
                                                                     message):
    sheet = ballot_sheet(campaign.groups.get(key="residents"))
    bad = answer(open_with_commitment)
    with pytest.raises(BallotInvalid) as refused:
        validate_answers(sheet, [*PROFILE, AnswerIn("overall", office.code, "5"), bad])
    (error,) = refused.value.errors
    assert error.question == bad.question and message in error.message


def test_a_draft_or_submitted_commitment_is_not_on_the_ballot(campaign, office, contact):
    pending = commitment_create(campaign=campaign, unit=office, text="未审", actor=contact)
    campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="tests")
    sheet = ballot_sheet(campaign.groups.get(key="residents"))
    with pytest.raises(BallotInvalid, match="not on this ballot"):
        validate_answers(sheet, [*PROFILE, AnswerIn("overall", office.code, "5"),
                                 AnswerIn(f"commitment:{pending.pk}", None, "4")])


def test_an_api_ballot_shows_the_commitments_and_a_bad_answer_gets_a_400_naming_it(
        client, campaign, office, open_with_commitment):
    from surveys.services import invitations_issue

    code, = invitations_issue(group=campaign.groups.get(key="residents"), count=1, actor="tests")
    shown = client.get(f"/api/v1/ballots/{code}/").json()
    assert shown["commitments"] == [{"key": f"commitment:{open_with_commitment.pk}", "id": open_with_commitment.pk,
                                     "unit": office.code, "text": open_with_commitment.text, "target": "3个工作日",
                                     "due_on": None, "scale": "overall"}]
    answers = [{"question": "overall", "unit": office.code, "value": "4"},
               {"question": "district", "unit": None, "value": "D1"}, {"question": "age", "unit": None, "value": "60+"},
               {"question": "sex", "unit": None, "value": "F"}]
    bad = [*answers, {"question": f"commitment:{open_with_commitment.pk}", "unit": office.code, "value": "nope"}]
    refused = client.post(f"/api/v1/ballots/{code}/", {"answers": bad}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["question"] == f"commitment:{open_with_commitment.pk}"
    good = [*answers, {"question": f"commitment:{open_with_commitment.pk}", "unit": office.code, "value": "dk"}]
    assert client.post(f"/api/v1/ballots/{code}/", {"answers": good}, content_type="application/json").status_code == 201
    ballots_settle(min_batch=1)
    assert Answer.objects.get(commitment=open_with_commitment).option.score is None   # 不了解: stored, not a vote


def test_the_ballot_page_asks_about_each_commitment_and_stores_the_answer_without_javascript(
        client, campaign, office, open_with_commitment):
    from surveys.models import PendingBallot
    from surveys.services import invitations_issue

    code, = invitations_issue(group=campaign.groups.get(key="residents"), count=1, actor="tests")
    page = client.get(f"/b/{code}/").content.decode()
    field = f'name="c:{open_with_commitment.pk}"'
    assert open_with_commitment.text in page and page.count(field) == 6   # five grades and 不了解
    form = {f"u:{office.code}:overall": "4", "q:district": "D1", "q:age": "60+", "q:sex": "F",
            f"c:{open_with_commitment.pk}": "9"}
    refused = client.post(f"/b/{code}/", {**form, "step": "review"})
    assert refused.status_code == 400 and "营业执照" in refused.content.decode() and not PendingBallot.objects.exists()
    form[f"c:{open_with_commitment.pk}"] = "2"
    form[f"u:{office.code}:unit_comment"] = "窗口人员态度好"
    review = client.post(f"/b/{code}/", {**form, "step": "review"})
    # The review lists everything the ballot will hold: the 兑现情况 answer and the comment too.
    label = Option.objects.get(question__questionnaire=campaign.questionnaire, question__key="overall", value="2").label
    shown = review.content.decode()
    assert f"{open_with_commitment.text}：{label}" in shown and "：窗口人员态度好" in shown
    token = review.context["token"]
    assert client.post(f"/b/{code}/", {"token": token, "step": "confirm"}).status_code in (302, 303)
    ballots_settle(min_batch=1)
    assert Answer.objects.get(commitment=open_with_commitment).option.value == "2"


def test_a_refusal_answers_in_chinese_by_default(campaign, office):
    campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="tests")
    with translation.override("zh-hans"), pytest.raises(CommitmentRefused, match="已冻结"):
        commitment_create(campaign=campaign, unit=office, text="承诺", actor="tests")


def test_paper_ballots_carry_a_column_per_commitment_imported_checked_and_exported(tmp_path, campaign, office,
                                                                                  open_with_commitment):
    import csv
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError
    from openpyxl import load_workbook

    key = f"commitment:{open_with_commitment.pk}"
    template = tmp_path / "template.xlsx"
    call_command("ballot_template", campaign.slug, "--group", "residents", "--out", str(template), stdout=io.StringIO())
    workbook = load_workbook(template)
    keys = [c.value for c in workbook.worksheets[0][1]]
    assert keys[keys.index(f"{office.code}:unit_comment") + 1] == key   # after the unit's own columns
    assert open_with_commitment.text in workbook.worksheets[0].cell(row=2, column=keys.index(key) + 1).value

    def filled(value, name):
        book = load_workbook(template)
        row = {"district": "D1", "age": "60+", "sex": "F", f"{office.code}:overall": "满意", key: value}
        book.worksheets[0].append([row.get(k) for k in keys])
        book.save(tmp_path / name)
        return str(tmp_path / name)

    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_ballots", campaign.slug, "--group", "residents", filled("好极了", "bad.xlsx"),
                     stdout=io.StringIO(), stderr=err)
    assert key in err.getvalue() and not Answer.objects.exists()
    call_command("import_ballots", campaign.slug, "--group", "residents", filled("不满意", "good.xlsx"),
                 stdout=io.StringIO())
    assert Answer.objects.get(commitment=open_with_commitment).option.value == "2"
    out = tmp_path / "export.csv"
    call_command("export_ballots", campaign.slug, "--group", "residents", "--out", str(out), stdout=io.StringIO())
    exported, = csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")))
    assert float(exported[key]) == 40.0 and float(exported[f"{office.code}:overall"]) == 80.0
