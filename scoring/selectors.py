"""Reads for scoring: sufficient statistics from the database, and what the results pages show.

The heavy reads are two GROUP BY queries per evaluator group (DESIGN.md §4): the database
reduces millions of ballot scores to one row per (weighting cell, unit) — from the score table
alone, whose rows carry their ballot's cell key — and nothing here loops over ballots or answers
in Python.
"""
from dataclasses import dataclass

from django.db import connection
from django.db.models import Avg, BigIntegerField, Case, Count, F, FloatField, Func, Q, QuerySet, Sum, When
from django.db.models.fields.json import KeyTextTransform

from surveys.ballots import cell_levels
from surveys.models import Answer, Ballot, BallotUnitScore, Campaign, Question, Unit, UnitContact, WeightingCell
from surveys.roles import is_evaluation_staff

from .models import ScoreRun, UnitScore
from .results import UnitResult

# PostgreSQL adds up in parallel workers, in no fixed order; float sums would then differ in the
# last bits from run to run, and so would the input digest. Scores (0–100) are summed instead as
# integers in units of 2⁻⁴⁰ (squares: 2⁻³⁰), which is exact, order-free and as fast as float8
# (int8 sums use 128-bit accumulators); the rounding, < 5e-13 per score, is far below any
# reported digit. SQLite sums in a fixed order, so it keeps plain float sums.
SCORE_SCALE = 2 ** 40
SQUARE_SCALE = 2 ** 30


class _Scaled(Func):
    template = "CAST(ROUND(%(expressions)s * %(scale)s) AS bigint)"
    output_field = BigIntegerField()


def _sums():
    """(Σscore, Σscore²) aggregates and the scales to divide them by."""
    if connection.vendor == "postgresql":
        return (Sum(_Scaled(F("score"), scale=SCORE_SCALE)),
                Sum(_Scaled(F("score") * F("score"), scale=SQUARE_SCALE)), SCORE_SCALE, SQUARE_SCALE)
    return Sum("score"), Sum(F("score") * F("score")), 1, 1


def _reporting_memory() -> None:
    """Let PostgreSQL aggregate in memory (the default 4 MB work_mem may spill the hash tables of
    the parallel workers to disk). SET LOCAL ends with the caller's transaction."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")


@dataclass(frozen=True)
class GroupSums:
    """One group's sufficient statistics.

    cells: {cell key tuple: n} — every ballot of the group, rated units or not;
    sums:  [(cell key tuple, unit id, n, Σscore, Σscore², count(score ≥ threshold))], the Σ in
           units of 1/scales[0] and 1/scales[1] (exact integers on PostgreSQL, floats on SQLite).
    """

    cells: dict
    sums: list
    scales: tuple = (1, 1)


def group_sums(*, group_id: int, keys: list[str], threshold: float) -> GroupSums:
    """The two GROUP BY queries of one group: cell totals and per-(cell, unit) score sums.

    Cell totals come from the ballots' profiles (every ballot counts, rated units or not); score
    sums from BallotUnitScore alone, grouped by its stored cell id (no join with ~n ballots; an
    integer groups faster than the key), read back through the group's WeightingCell keys into
    the same level tuples. A stored key that the current design would not give
    shows up as a cell no ballot has; `scoring.compute` refuses to score it.
    """
    _reporting_memory()
    ballot_keys = {f"k{i}": KeyTextTransform(key, "profile") for i, key in enumerate(keys)}
    ballots = Ballot.objects.filter(group_id=group_id).order_by()
    if keys:
        cell_rows = (ballots.annotate(**ballot_keys).values(*ballot_keys).annotate(n=Count("pk"))
                     .values_list(*ballot_keys, "n"))
        cells = {tuple(row[:-1]): row[-1] for row in cell_rows}
    else:  # an unweighted group is one cell (values() without fields would group by every column)
        total = ballots.count()
        cells = {(): total} if total else {}
    sum_y, sum_y2, scale_y, scale_y2 = _sums()
    sum_rows = (
        BallotUnitScore.objects.filter(group_id=group_id).order_by().values("cell_id", "unit_id")
        .annotate(n=Count("*"), sy=sum_y, syy=sum_y2, yes=Count("pk", filter=Q(score__gte=threshold)))
        .values_list("cell_id", "unit_id", "n", "sy", "syy", "yes")
    )
    cell_keys = dict(WeightingCell.objects.filter(group_id=group_id).values_list("id", "key"))
    sums = [(cell_levels(cell_keys[cell_id], len(keys)), *rest) for cell_id, *rest in sum_rows]
    return GroupSums(cells=cells, sums=sums, scales=(scale_y, scale_y2))


def campaign_margins(campaign: Campaign) -> dict[str, dict[str, int]]:
    margins: dict[str, dict[str, int]] = {}
    for variable, level, population in campaign.margins.values_list("variable", "level", "population"):
        margins.setdefault(variable, {})[level] = population
    return margins


def units_by_id(unit_ids) -> dict[int, Unit]:
    return {u.id: u for u in Unit.objects.filter(id__in=list(unit_ids))}


# --- Runs and pages -----------------------------------------------------------------------------

def run_latest(*, campaign: Campaign, publishable_only: bool = False) -> ScoreRun | None:
    runs = campaign.score_runs.all()
    if publishable_only:
        runs = runs.filter(provisional=False)
    return runs.order_by("-number").first()


PUBLISHED_STATUSES = (Campaign.Status.PUBLICIZED, Campaign.Status.FINAL)


def run_for_contacts(*, campaign: Campaign) -> ScoreRun | None:
    """The run a unit's contacts may see: by default the published one (frozen when its notice came
    out: only publishing moves a campaign to publicized); if the campaign says so, its latest final
    run as soon as it is scored. Never a provisional run."""
    if campaign.results_for_contacts == Campaign.ContactResults.SCORED:
        return run_latest(campaign=campaign, publishable_only=True)
    if campaign.status not in PUBLISHED_STATUSES:
        return None
    return campaign.score_runs.filter(frozen=True).order_by("-number").first()


def campaigns_for_contact(unit_ids) -> QuerySet[Campaign]:
    """Campaigns rating any of `unit_ids` whose results their contacts may see now (as run_for_contacts)."""
    visible = (Q(results_for_contacts=Campaign.ContactResults.SCORED, score_runs__provisional=False)
               | Q(status__in=PUBLISHED_STATUSES, score_runs__frozen=True))
    return Campaign.objects.filter(visible, groups__units__in=unit_ids).distinct().order_by("-year", "slug")


def run_get(*, campaign: Campaign, number: int) -> ScoreRun | None:
    return campaign.score_runs.filter(number=number).first()


def contact_unit_ids(user) -> set[int]:
    return set(UnitContact.objects.filter(user=user).values_list("unit_id", flat=True))


def can_see_unit(user, unit: Unit) -> bool:
    return is_evaluation_staff(user) or UnitContact.objects.filter(user=user, unit=unit).exists()


def unit_dimension_means(*, campaign: Campaign, unit: Unit) -> list[dict]:
    """Plain (unweighted) mean 0–100 score per scored per-unit question: one GROUP BY."""
    scale = (F("number") - F("question__min_value")) * 100.0 / (F("question__max_value") - F("question__min_value"))
    value = Case(When(question__kind=Question.Kind.GRADE, then=F("option__score")), default=scale,
                 output_field=FloatField())
    rows = (Answer.objects.filter(ballot__campaign=campaign, unit=unit, question__kind__in=Question.SCORED_KINDS,
                                  commitment__isnull=True)   # 兑现情况 answers are not the question's
            .order_by().values("question_id").annotate(n=Count(value), mean=Avg(value)))   # "don't know": in neither
    questions = {q.id: q for q in campaign.questionnaire.questions.all()}
    out = [{"question": questions[r["question_id"]], "n": r["n"], "mean": float(r["mean"])}
           for r in rows if r["mean"] is not None]
    return sorted(out, key=lambda d: (d["question"].order, d["question"].id))


def unit_comments(*, campaign: Campaign, unit: Unit, limit: int = 500) -> list[str]:
    """Free-text answers written about `unit` (per-unit text questions), in the (random) order of
    ballot ids. A ballot's general comment is not about any one unit it rated: staff read it in
    the export (`--with-comments`), never a unit's contact."""
    return list(
        Answer.objects.filter(ballot__campaign=campaign, unit=unit, question__kind=Question.Kind.TEXT)
        .exclude(text="").order_by("ballot_id").values_list("text", flat=True)[:limit]
    )


def unit_previous_score(*, campaign: Campaign, unit: Unit) -> tuple[Campaign, UnitScore] | None:
    """The unit's composite in the latest publishable run of the most recent earlier campaign."""
    earlier = (UnitScore.objects.filter(unit=unit, group__isnull=True, run__provisional=False,
                                        run__campaign__year__lt=campaign.year)
               .select_related("run__campaign").order_by("-run__campaign__year", "-run__number").first())
    return (earlier.run.campaign, earlier) if earlier else None


def unit_entries_for_contacts(*, unit: Unit) -> list[tuple[Campaign, ScoreRun, UnitResult]]:
    """The unit's entry in each campaign's run its contacts may see (`run_for_contacts`), oldest
    campaign first: the trend on the contact's page."""
    out = []
    for campaign in campaigns_for_contact([unit.id]).order_by("year", "slug"):
        run = run_for_contacts(campaign=campaign)
        entry = run.outcome.unit(unit.code) if run else None
        if entry is not None:
            out.append((campaign, run, entry))
    return out
