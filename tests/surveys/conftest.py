"""Ballot fixtures: an open campaign whose questionnaire has every question kind."""
import pytest

from surveys.ballots import clear_sheet_cache
from surveys.models import Ballot, Campaign, EvaluatorGroup, Option, PendingBallot, Question, Region, Unit
from surveys.services import campaign_set_status, invitations_issue

from ..factories import CampaignFactory, RegionFactory, UnitFactory


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
def by_residence(residents) -> EvaluatorGroup:
    """The residents group rating where they live. 甲区 (D1) has 和平街道 (S1) with 东社区 (C1) and
    西社区 (C2); 乙区 (D2) has 人民街道 (S2) with 南社区 (C3). Units: each street's office and each
    community, and one unit with no region, which everybody rates."""
    street = Region.Level.STREET
    s1 = RegionFactory(code="S1", name="和平街道", level=street, parent=Region.objects.get(code="D1"))
    s2 = RegionFactory(code="S2", name="人民街道", level=street, parent=Region.objects.get(code="D2"))
    community = Region.Level.COMMUNITY
    c1, c2 = (RegionFactory(code=f"C{i}", name=f"{n}社区", level=community, parent=s1) for i, n in ((1, "东"), (2, "西")))
    c3 = RegionFactory(code="C3", name="南社区", level=community, parent=s2)
    units = [UnitFactory(code="SO-1", name="和平街道办事处", region=s1), UnitFactory(code="SO-2", name="人民街道办事处", region=s2),
             *(UnitFactory(code=f"CM-{i}", name=r.name, kind=Unit.Kind.COMMUNITY, region=r)
               for i, r in enumerate((c1, c2, c3), start=1)),
             UnitFactory(code="W-1", name="市民服务热线", kind=Unit.Kind.WINDOW)]
    residents.units.set(units)
    residents.unit_scope = EvaluatorGroup.UnitScope.RESIDENCE
    residents.save()
    clear_sheet_cache()
    return residents


def resident_answers(units=("SO-1", "CM-1", "W-1"), value="4") -> list[dict]:
    """A valid ballot of someone living in C1 (东社区), in the API's shape; the district left to the residence."""
    return ([{"question": "overall", "unit": code, "value": value} for code in units]
            + [{"question": "age", "unit": None, "value": "60+"}, {"question": "sex", "unit": None, "value": "F"}])


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
