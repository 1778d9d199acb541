"""Ballot fixtures: an open campaign whose questionnaire has every question kind."""
import pytest

from surveys.models import Ballot, Campaign, EvaluatorGroup, Option, PendingBallot, Question
from surveys.services import campaign_set_status, invitations_issue

from ..factories import CampaignFactory


@pytest.fixture
def open_campaign(db):
    campaign = CampaignFactory.ready(slug="open-2026", title="测试评议")
    questionnaire = campaign.questionnaire
    Question.objects.create(questionnaire=questionnaire, key="recommend", text="推荐程度", kind="scale",
                            min_value=0, max_value=10, required=False, order=95)
    channels = Question.objects.create(questionnaire=questionnaire, key="channels", text="了解渠道", kind="multi",
                                       required=False, order=96)
    for i, label in enumerate(("电视", "网络", "亲身办事")):
        Option.objects.create(question=channels, value=f"c{i}", label=label, order=i)
    campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="tests")
    return campaign


@pytest.fixture
def residents(open_campaign) -> EvaluatorGroup:
    return open_campaign.groups.get(key="residents")


@pytest.fixture
def codes(residents):
    """Five fresh invitation codes of the residents group."""
    return invitations_issue(group=residents, count=5, actor="tests")


def stored_ballots() -> int:
    """Ballots in the database: written out, or cast and waiting to be settled."""
    return Ballot.objects.count() + PendingBallot.objects.count()


def valid_answers(group: EvaluatorGroup) -> list[dict]:
    """A complete, valid ballot in the API's shape: every unit rated, the profile answered."""
    units = list(group.units.order_by("code").values_list("code", flat=True))
    answers = [{"question": "overall", "unit": code, "value": "4"} for code in units]
    answers.append({"question": "attitude", "unit": units[0], "value": "5"})
    answers += [{"question": "district", "unit": None, "value": "D1"},
                {"question": "age", "unit": None, "value": "60+"},
                {"question": "sex", "unit": None, "value": "F"},
                {"question": "recommend", "unit": None, "value": 8},
                {"question": "channels", "unit": None, "value": ["c0", "c2"]},
                {"question": "comments", "unit": None, "value": "很好"}]
    return answers


# Each validation rule: how it breaks a valid ballot (given the group's first unit code) and
# which (question, unit) the error must name. Used by both the API tests and the page tests.
def _drop(answers, question, unit=None):
    return [a for a in answers if (a["question"], a["unit"]) != (question, unit)]


def _set(answers, question, unit, value):
    return [dict(a, value=value) if (a["question"], a["unit"]) == (question, unit) else a for a in answers]


VALIDATION_RULES = {
    "required profile question missing": (lambda a, u: _drop(a, "age"), lambda u: ("age", None)),
    "required per-unit question missing for a rated unit": (
        lambda a, u: _drop(a, "overall", u), lambda u: ("overall", u)),
    "option not in the list": (lambda a, u: _set(a, "district", None, "D9"), lambda u: ("district", None)),
    "scale above its maximum": (lambda a, u: _set(a, "recommend", None, "11"), lambda u: ("recommend", None)),
    "scale not a number": (lambda a, u: _set(a, "recommend", None, "很多"), lambda u: ("recommend", None)),
    "multi with an unknown option": (lambda a, u: _set(a, "channels", None, ["c0", "c9"]), lambda u: ("channels", None)),
    "unit the group does not rate": (
        lambda a, u: a + [{"question": "overall", "unit": "NOT-OURS", "value": "4"}], lambda u: ("overall", "NOT-OURS")),
    "per-unit question without a unit": (
        lambda a, u: a + [{"question": "attitude", "unit": None, "value": "4"}], lambda u: ("attitude", None)),
    "duplicate answer": (lambda a, u: a + [{"question": "overall", "unit": u, "value": "3"}], lambda u: ("overall", u)),
    "text over the length limit": (lambda a, u: _set(a, "comments", None, "长" * 1001), lambda u: ("comments", None)),
    "unknown question key": (
        lambda a, u: a + [{"question": "bogus", "unit": None, "value": "1"}], lambda u: ("bogus", None)),
}


def break_ballot(rule: str, group: EvaluatorGroup) -> tuple[list[dict], tuple]:
    """A ballot broken by `rule`, and the (question, unit) its error must name."""
    unit0 = group.units.order_by("code").first().code
    mutate, where = VALIDATION_RULES[rule]
    return mutate(valid_answers(group), unit0), where(unit0)
