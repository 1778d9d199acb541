"""Invariants the database itself holds, and the append-only audit trail."""
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from minping.lib.immutable import ImmutableRecordError
from surveys.audit import audit_record
from surveys.models import (
    Answer,
    AuditEvent,
    Ballot,
    BallotUnitScore,
    Campaign,
    CensusMargin,
    EvaluatorGroup,
    Invitation,
    Option,
    Question,
    Unit,
    WeightingCell,
)

from ..factories import CampaignFactory, EvaluatorGroupFactory, OptionFactory, QuestionFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _refused(model, **fields):
    """Assert that the database refuses the row (outside any model validation)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(**fields)


@pytest.fixture
def ballot(campaign):
    group = campaign.groups.get(key="residents")
    return Ballot.objects.create(campaign=campaign, group=group, channel=Ballot.Channel.ONLINE, received_on="2026-11-27")


def test_unit_codes_are_unique(db):
    UnitFactory(code="SO-01")
    _refused(Unit, code="SO-01", name="另一个", kind=Unit.Kind.WINDOW)


def test_group_keys_are_unique_per_campaign_but_not_across(campaign):
    _refused(EvaluatorGroup, campaign=campaign, key="residents", name="重复", weight=Decimal("0.1"))
    EvaluatorGroupFactory(campaign=CampaignFactory(), key="residents")


@pytest.mark.parametrize("weight", [Decimal("-0.1"), Decimal("1.5")])
def test_group_weight_must_lie_in_0_1(campaign, weight):
    _refused(EvaluatorGroup, campaign=campaign, key="g", name="g", weight=weight)


@pytest.mark.parametrize("weight", [Decimal("-0.01"), Decimal("1.01")])
def test_question_weight_must_lie_in_0_1(campaign, weight):
    _refused(Question, questionnaire=campaign.questionnaire, key="w", text="t", kind="grade", weight=weight)


def test_question_keys_are_unique_in_a_questionnaire(campaign):
    _refused(Question, questionnaire=campaign.questionnaire, key="overall", text="t", kind="grade")


def test_scale_minimum_below_maximum(campaign):
    _refused(Question, questionnaire=campaign.questionnaire, key="s", text="t", kind="scale",
                               min_value=10, max_value=0)


@pytest.mark.parametrize("score", [Decimal("-1"), Decimal("100.5")])
def test_option_score_within_0_100(db, score):
    question = QuestionFactory()
    _refused(Option, question=question, value="x", label="x", score=score)


def test_option_values_unique_per_question(db):
    option = OptionFactory(value="5")
    _refused(Option, question=option.question, value="5", label="重复")


def test_campaign_confidence_level_range(db):
    questionnaire = QuestionFactory().questionnaire
    _refused(Campaign, slug="c", title="t", year=2026, questionnaire=questionnaire, confidence_level=1)


def test_campaign_opens_before_it_closes(db):
    questionnaire = QuestionFactory().questionnaire
    _refused(Campaign, slug="c", title="t", year=2026, questionnaire=questionnaire,
                               opens_at="2026-12-01T00:00Z", closes_at="2026-11-01T00:00Z")


def test_census_margin_levels_unique_and_positive(campaign):
    _refused(CensusMargin, campaign=campaign, variable="age", level="60+", population=5)
    _refused(CensusMargin, campaign=campaign, variable="age", level="99+", population=0)


def test_invitation_hash_unique(campaign):
    group = campaign.groups.first()
    Invitation.objects.create(campaign=campaign, group=group, code_hash="a" * 64)
    _refused(Invitation, campaign=campaign, group=group, code_hash="a" * 64)


def test_one_answer_per_ballot_unit_and_question(campaign, ballot):
    question = campaign.questionnaire.questions.get(key="overall")
    unit = ballot.group.units.first()
    Answer.objects.create(ballot=ballot, question=question, unit=unit)
    _refused(Answer, ballot=ballot, question=question, unit=unit)
    # The same question for another unit is a different answer.
    Answer.objects.create(ballot=ballot, question=question, unit=ballot.group.units.last())


def test_one_answer_per_ballot_for_profile_questions(campaign, ballot):
    question = campaign.questionnaire.questions.get(key="age")
    Answer.objects.create(ballot=ballot, question=question)
    _refused(Answer, ballot=ballot, question=question)


def test_ballot_unit_score_range_and_uniqueness(campaign, ballot):
    unit = ballot.group.units.first()
    cell = WeightingCell.objects.create(group=ballot.group, key="")
    _refused(BallotUnitScore, ballot=ballot, group=ballot.group, unit=unit, score=100.5, cell=cell)
    BallotUnitScore.objects.create(ballot=ballot, group=ballot.group, unit=unit, score=80, cell=cell)
    _refused(BallotUnitScore, ballot=ballot, group=ballot.group, unit=unit, score=60, cell=cell)


def test_a_weighting_cell_is_unique_per_group_and_key(campaign, ballot):
    WeightingCell.objects.create(group=ballot.group, key="D1")
    _refused(WeightingCell, group=ballot.group, key="D1")


def test_ballot_ids_are_random_uuid4(campaign, ballot):
    assert isinstance(ballot.pk, uuid.UUID) and ballot.pk.version == 4


def test_ballot_carries_nothing_that_identifies_the_voter():
    names = {f.name for f in Ballot._meta.get_fields()}
    assert not any("invitation" in n or "ip" == n or "agent" in n or "user" in n for n in names)
    time_fields = [f for f in Ballot._meta.concrete_fields if f.get_internal_type() in ("DateTimeField", "TimeField")]
    assert time_fields == []


class TestAuditTrailIsAppendOnly:
    @pytest.fixture
    def event(self, campaign, staff):
        with transaction.atomic():
            return audit_record(actor=staff, action="test.action", obj=campaign, data={"k": 1})

    def test_records_actor_object_and_details(self, event, campaign, staff):
        assert (event.actor, event.actor_label, event.object_type, event.object_id) == (
            staff, "staff", "surveys.campaign", str(campaign.pk))
        assert event.data == {"k": 1}

    def test_saving_again_is_refused(self, event):
        event.action = "forged"
        with pytest.raises(ImmutableRecordError):
            event.save()
        assert AuditEvent.objects.get(pk=event.pk).action == "test.action"

    def test_deleting_is_refused(self, event):
        with pytest.raises(ImmutableRecordError):
            event.delete()
        with pytest.raises(ImmutableRecordError):
            AuditEvent.objects.all().delete()
        with pytest.raises(ImmutableRecordError):
            AuditEvent.objects.update(action="forged")
        assert AuditEvent.objects.filter(pk=event.pk, action="test.action").exists()

    @pytest.mark.django_db(transaction=True)
    def test_recording_outside_a_transaction_is_a_programming_error(self, campaign, staff):
        with pytest.raises(RuntimeError):
            audit_record(actor=staff, action="x", obj=campaign)

    def test_a_command_is_named_as_the_actor(self, campaign):
        with transaction.atomic():
            event = audit_record(actor="manage.py seed_demo", action="x", obj=campaign)
        assert event.actor is None and event.actor_label == "manage.py seed_demo"


class TestModelValidation:
    def test_a_grade_question_has_at_most_one_option_without_a_score(self, db):
        question = QuestionFactory(kind=Question.Kind.GRADE)
        Option(question=question, value="dk", label="不了解", score=None).full_clean()   # "don't know": allowed
        Option.objects.create(question=question, value="dk", label="不了解", score=None)
        with pytest.raises(ValidationError):
            Option(question=question, value="x", label="x", score=None).full_clean()

    def test_frozen_questionnaire_refuses_new_questions(self, campaign, staff):
        from surveys.services import campaign_set_status

        campaign_set_status(campaign=campaign, status="open", actor=staff)
        with pytest.raises(ValidationError):
            Question(questionnaire=campaign.questionnaire, key="new", text="t", kind="text").full_clean()

    def test_weight_only_on_per_unit_scored_questions(self, campaign):
        question = Question(questionnaire=campaign.questionnaire, key="c", text="t", kind="text", weight=Decimal("0.2"))
        with pytest.raises(ValidationError):
            question.full_clean()

    @pytest.mark.parametrize("bands", [
        [], [[90, "满意"]], [[60, "基本满意"], [80, "比较满意"], [0, "不满意"]], [[101, "x"], [0, "y"]],
        [[90, ""], [0, "y"]], "满意",
    ])
    def test_invalid_grade_bands_are_refused(self, campaign, bands):
        campaign.grade_bands = bands
        with pytest.raises(ValidationError):
            campaign.full_clean()

    def test_grade_for_uses_the_first_band_reached(self):
        from surveys.grades import grade_for

        bands = [[90, "满意"], [80, "比较满意"], [60, "基本满意"], [0, "不满意"]]
        assert [grade_for(s, bands) for s in (95, 90, 89.99, 80, 60, 59.9, 0)] == [
            "满意", "满意", "比较满意", "比较满意", "基本满意", "不满意", "不满意"]
