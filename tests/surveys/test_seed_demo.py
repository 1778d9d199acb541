"""The demo city: deterministic for a seed, and shaped so that weighting matters."""
import hashlib
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count

from surveys.models import Answer, Ballot, BallotUnitScore, Campaign, CensusMargin, Question, Region, Unit

pytestmark = pytest.mark.django_db

BALLOTS = 20_000  # the default: "a few units below the minimum" is a claim about this size


def _digest() -> str:
    """A digest of the simulated content (ids, answers, scores), independent of database ids."""
    h = hashlib.sha256()
    for row in Ballot.objects.order_by("id").values_list("id", "group__key", "channel", "received_on", "profile"):
        h.update(repr(row).encode())
    answers = Answer.objects.order_by("ballot_id", "question__key", "unit__code", "commitment__text").values_list(
        "ballot_id", "question__key", "unit__code", "option__value", "text", "commitment__text")
    for row in answers:
        h.update(repr(row).encode())
    for row in BallotUnitScore.objects.order_by("ballot_id", "unit__code").values_list("ballot_id", "unit__code", "score"):
        h.update(repr(row).encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One seeded demo shared by the read-only tests of this module, rolled back afterwards.

    The outer transaction keeps everything the seeder wrote (audit events and users included)
    away from the other test modules.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", seed=7, stdout=open("/dev/null", "w"))
            # Check the deferred foreign keys now, once: otherwise PostgreSQL queues them and
            # every test's teardown checks (and rolls back) all 400,000 of them again.
            connection.check_constraints()
            if connection.vendor == "postgresql":
                # Autovacuum cannot see uncommitted rows: without statistics the planner picks
                # nested loops for the joins below and a query takes minutes instead of ms.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            yield Campaign.objects.get(slug="demo-2026")
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_same_seed_same_content_other_seed_other_content(db):
    call_command("seed_demo", ballots=300, seed=11, stdout=open("/dev/null", "w"))
    first = _digest()
    call_command("seed_demo", ballots=300, seed=11, reset=True, stdout=open("/dev/null", "w"))
    assert _digest() == first
    call_command("seed_demo", ballots=300, seed=12, reset=True, stdout=open("/dev/null", "w"))
    assert _digest() != first


def test_seeding_twice_without_reset_is_refused(db):
    from django.core.management.base import CommandError

    call_command("seed_demo", ballots=10, stdout=open("/dev/null", "w"))
    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_demo", ballots=10, stdout=open("/dev/null", "w"))
    assert Ballot.objects.count() == 10


def test_if_empty_keeps_the_data_and_prints_a_fresh_link(db, capsys):
    call_command("seed_demo", ballots=10)
    first = capsys.readouterr().out
    call_command("seed_demo", "--if-empty")
    second = capsys.readouterr().out
    assert Ballot.objects.count() == 10
    link = lambda out: next(line for line in out.splitlines() if "/b/" in line)  # noqa: E731
    assert link(first) != link(second)
    assert "staff / minping-demo" in second


class TestDemoCity:
    def test_regions_and_units(self, seeded):
        assert Region.objects.filter(level="district", parent__code="DEMO").count() == 6
        kinds = Counter(Unit.objects.filter(code__startswith="DEMO-").values_list("kind", flat=True))
        assert kinds == {"street_office": 40, "community": 60, "window": 20, "city_organ": 40}

    def test_campaign_is_open_with_the_four_groups(self, seeded):
        assert seeded.status == Campaign.Status.OPEN
        assert set(seeded.groups.values_list("key", flat=True)) == {"residents", "service_users", "delegates", "grassroots"}
        assert seeded.ballots.count() == BALLOTS

    def test_some_units_are_rated_by_two_groups(self, seeded):
        shared = Unit.objects.annotate(n=Count("evaluator_groups")).filter(n=2)
        assert shared.filter(kind="city_organ").count() == 40 and shared.filter(kind="window").count() == 20

    def test_no_group_gets_more_ballots_than_its_population(self, seeded):
        for group in seeded.groups.all():
            assert group.population_size is None or group.ballots.count() <= group.population_size

    def test_census_margins_share_one_grand_total(self, seeded):
        totals = {variable: sum(CensusMargin.objects.filter(campaign=seeded, variable=variable)
                                .values_list("population", flat=True)) for variable in ("district", "age", "sex")}
        assert len(set(totals.values())) == 1
        assert seeded.groups.get(key="residents").population_size == totals["district"]

    def test_residents_rate_only_units_of_their_own_district(self, seeded):
        rows = BallotUnitScore.objects.filter(group__key="residents").values_list(
            "ballot__profile__district", "unit__region__parent__code", "unit__region__parent__parent__code", "unit__kind")
        for district, parent, grandparent, kind in rows:
            assert district == (parent if kind == "street_office" else grandparent)

    def test_elderly_and_small_districts_are_over_sampled(self, seeded):
        residents = seeded.ballots.filter(group__key="residents")
        n = residents.count()
        elderly = residents.filter(profile__age="60+").count() / n
        margin = {m.level: m.population for m in CensusMargin.objects.filter(campaign=seeded, variable__in=["age", "district"])}
        total = sum(m.population for m in CensusMargin.objects.filter(campaign=seeded, variable="age"))
        assert elderly > 1.3 * margin["60+"] / total
        smallest = residents.filter(profile__district="D6").count() / n
        assert smallest > 1.5 * margin["D6"] / total

    def test_a_few_units_have_too_few_ballots_to_publish(self, seeded):
        counts = (BallotUnitScore.objects.filter(ballot__campaign=seeded).values("group_id", "unit_id")
                  .annotate(n=Count("id")).values_list("n", flat=True))
        rated_units = Unit.objects.filter(code__startswith="DEMO-").exclude(kind="city_organ")
        below = [n for n in counts if n < seeded.min_ballots]
        assert 1 <= len(below) < rated_units.count() // 4

    def test_stored_unit_scores_follow_the_answers(self, seeded):
        """Each stored score is the weighted mean of that ballot's graded answers for the unit."""
        from surveys.scores import weighted_unit_score

        sample = BallotUnitScore.objects.select_related("ballot", "unit")[:200]
        for row in sample:
            answers = (Answer.objects.filter(ballot=row.ballot, unit=row.unit, question__kind__in=Question.SCORED_KINDS,
                                              commitment__isnull=True)   # 兑现情况 is not in the unit score
                       .select_related("question", "option"))
            expected = weighted_unit_score((float(a.question.weight), float(a.option.score)) for a in answers)
            assert row.score == pytest.approx(expected, abs=1e-9)

    def test_units_really_differ(self, seeded):
        from django.db.models import Avg

        means = list(BallotUnitScore.objects.filter(group__key="delegates").values("unit").annotate(m=Avg("score"))
                     .values_list("m", flat=True))
        assert max(means) - min(means) > 10


def test_every_unit_has_one_or_two_approved_commitments_that_the_ballots_grade(seeded):
    from surveys.models import AuditEvent, Commitment

    per_unit = Counter(Commitment.objects.filter(campaign=seeded, status="approved").values_list("unit_id", flat=True))
    rated = Unit.objects.filter(evaluator_groups__campaign=seeded).distinct()
    assert set(per_unit) == set(rated.values_list("id", flat=True)) and set(per_unit.values()) == {1, 2}
    assert not Commitment.objects.filter(campaign=seeded).exclude(status="approved").exists()
    # Approved through the service, before the campaign opened.
    opened = AuditEvent.objects.get(action="campaign.status", object_id=str(seeded.pk), data__to="open").pk
    approvals = AuditEvent.objects.filter(action="commitment.approve")
    assert approvals.count() == sum(per_unit.values()) and max(approvals.values_list("pk", flat=True)) < opened
    graded = Answer.objects.filter(commitment__campaign=seeded)
    assert graded.filter(option__score__isnull=True).exists() and graded.filter(option__score__isnull=False).exists()
    assert set(graded.values_list("commitment_id", flat=True)) == set(
        Commitment.objects.filter(campaign=seeded).values_list("id", flat=True))
