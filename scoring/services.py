"""Writes of the scoring side: score a campaign, verify a stored run, freeze a run.

Keyword-only, one transaction each, audited in that transaction (`surveys.audit.audit_record`).
The numbers come from `scoring.compute`, the inputs from `scoring.selectors`.
"""
import math

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from surveys.audit import actor_parts, audit_record
from surveys.ballots import ballots_settle
from surveys.models import Campaign
from surveys.services import PROCESS_TARGETS, campaign_set_status

from . import compute, fulfilment, selectors
from .compute import ScoringError
from .models import METHOD_VERSION, ScoreRun, UnitScore
from .results import RunResult

Status = Campaign.Status
RANK_DRAWS = 4000   # simulated draws for rank intervals (≥ 2000, issue 4)
RANK_LEVEL = 0.95   # rank intervals are always 95%, whatever the campaign's confidence level
PROCESS = PROCESS_TARGETS[Status.SCORED]

__all__ = ["ScoringError", "ScoringRefused", "score_run_create", "score_run_verify", "score_run_freeze",
           "scoring_parameters"]


class ScoringRefused(Exception):
    """The campaign may not be scored now (draft, already published …)."""


# --- Parameters and evaluation -------------------------------------------------------------------

def scoring_parameters(campaign: Campaign) -> dict:
    """Everything besides the ballots that determines a run, as stored JSON (floats, not Decimals)."""
    margins = selectors.campaign_margins(campaign)
    groups = []
    for group in campaign.groups.prefetch_related("units").order_by("order", "id"):
        if group.stratify_by:
            fpc = margins.get(group.stratify_by, {})
        else:
            fpc = group.population_size  # None: sampling with replacement (no fpc)
        groups.append({
            "key": group.key, "id": group.id, "weight": float(group.weight),
            "units": sorted(u.id for u in group.units.all()), "keys": group.design_keys(),
            "strata": group.stratify_by or None, "fpc": fpc,
            "poststratify": {group.poststratify_by: margins.get(group.poststratify_by, {})}
            if group.poststratify_by else None,
            "rake": {v: margins.get(v, {}) for v in group.rake_on} or None,
        })
    parameters = {
        "level": float(campaign.confidence_level), "min_ballots": campaign.min_ballots,
        "satisfied_threshold": float(campaign.satisfied_threshold), "grade_bands": campaign.grade_bands,
        "rank_level": RANK_LEVEL, "rank_draws": RANK_DRAWS, "rank_method": campaign.rank_method,
        "lonely_psu": campaign.lonely_psu, "groups": groups,
    }
    commitments = fulfilment.commitment_parameters(campaign)
    if commitments:   # only then: runs of campaigns without commitments keep their parameters and digest
        parameters["commitments"] = commitments
    return parameters


def _evaluate(parameters: dict) -> tuple[str, dict]:
    """(input digest, result) from the ballots in the database under `parameters`."""
    sums = {spec["key"]: selectors.group_sums(group_id=spec["id"], keys=spec["keys"],
                                              threshold=parameters["satisfied_threshold"])
            for spec in parameters["groups"]}
    commitment_sums = fulfilment.group_commitment_sums(parameters, sums)
    digest = compute.input_digest(parameters=parameters, sums=sums, extra={
        "commitments": fulfilment.digest_part(commitment_sums)} if commitment_sums else None)
    units = selectors.units_by_id({u for spec in parameters["groups"] for u in spec["units"]})
    result = compute.compute(parameters=parameters, sums=sums, units=units, digest=digest)
    if "commitments" in parameters:
        texts, codes = fulfilment.commitment_texts(parameters)
        result["commitments"] = fulfilment.commitment_entries(parameters=parameters, sums=commitment_sums,
                                                              texts=texts, unit_codes=codes)
    return digest, result


# --- Scoring -----------------------------------------------------------------------------------

def _refusal(campaign: Campaign) -> str | None:
    if campaign.status == Status.DRAFT:
        return _("Campaign “%(slug)s” is still a draft: there are no ballots to score.") % {"slug": campaign.slug}
    if campaign.status in (Status.PUBLICIZED, Status.FINAL):
        return _("Campaign “%(slug)s” has been published; its scores can no longer change.") % {"slug": campaign.slug}
    return None


def score_run_create(*, campaign: Campaign, actor) -> ScoreRun:
    """Score `campaign` and store the run with its unit scores.

    Open campaign → a provisional run (interim, never publishable); closed → the campaign moves to
    `scored`; scored → a new run, the campaign stays scored. Draft and published campaigns are
    refused (ScoringRefused); a design the data cannot support raises ScoringError. Either way
    nothing is written, except that ballots cast online have had their answers written out
    (settled) first: that changes their form, never their content.
    """
    ballots_settle(campaign_id=campaign.pk)
    return _score_run_create(campaign=campaign, actor=actor)


@transaction.atomic
def _score_run_create(*, campaign: Campaign, actor) -> ScoreRun:
    # One run number at a time. NO KEY: ballots being cast (their rows' foreign-key checks take a
    # KEY SHARE lock on the campaign) do not wait for scoring; settlers (SHARE) do.
    locked = Campaign.objects.select_for_update(no_key=True).get(pk=campaign.pk)
    problem = _refusal(locked)
    if problem:
        raise ScoringRefused(problem)
    # While the campaign row is locked no other settler takes its ballots, so the ballots and
    # their scores read below stay the same set; what was cast since the first pass goes in now.
    ballots_settle(campaign_id=locked.pk)
    parameters = scoring_parameters(locked)
    digest, result = _evaluate(parameters)
    number = (locked.score_runs.aggregate(top=Max("number"))["top"] or 0) + 1
    user, label = actor_parts(actor)
    run = ScoreRun.objects.create(
        campaign=locked, number=number, method=METHOD_VERSION, parameters=parameters, input_digest=digest,
        provisional=locked.status == Status.OPEN, created_by=user,
        created_by_label=label,
        result={"campaign": locked.slug, "run": number, **result},
    )
    UnitScore.objects.bulk_create(_unit_score_rows(run, parameters))
    audit_record(actor=actor, action="score_run.create", obj=run,
                 data={"number": number, "digest": digest, "provisional": run.provisional})
    if locked.status == Status.CLOSED:
        campaign_set_status(campaign=locked, status=Status.SCORED, actor=actor, process=PROCESS)
    campaign.status = locked.status
    return run


def _row_values(result: RunResult) -> dict[tuple[str, str | None], dict]:
    """The UnitScore fields each (unit code, group key or None) gets from a result."""
    rows = {}
    for u in result.units:
        sat = u.satisfied
        rows[(u.code, None)] = {
            "n": u.n, "ess": u.ess, "estimate": u.score, "se": u.se, "ci_low": u.ci_low, "ci_high": u.ci_high,
            "satisfied": sat.value, "satisfied_low": sat.ci_low, "satisfied_high": sat.ci_high,
            "grade": u.grade or "", "rank": u.rank, "rank_low": u.rank_low, "rank_high": u.rank_high,
            "suppressed": u.suppressed}
        for g in u.groups:
            rows[(u.code, g.key)] = {
                "n": g.n, "ess": g.ess, "estimate": g.score, "se": g.se, "ci_low": g.ci_low, "ci_high": g.ci_high,
                "satisfied": None, "satisfied_low": None, "satisfied_high": None,
                "grade": "", "rank": None, "rank_low": None, "rank_high": None, "suppressed": u.suppressed}
    return rows


def _unit_score_rows(run: ScoreRun, parameters: dict) -> list[UnitScore]:
    unit_ids = {u.code: u.id for u in selectors.units_by_id(
        {u for spec in parameters["groups"] for u in spec["units"]}).values()}
    group_ids = {spec["key"]: spec["id"] for spec in parameters["groups"]}
    return [UnitScore(run=run, unit_id=unit_ids[code], group_id=group_ids[key] if key else None, **values)
            for (code, key), values in _row_values(run.outcome).items()]


# --- Verification ------------------------------------------------------------------------------

FIELDS = ("n", "ess", "estimate", "se", "ci_low", "ci_high", "satisfied", "satisfied_low", "satisfied_high",
          "grade", "rank", "rank_low", "rank_high", "suppressed")


def score_run_verify(*, run: ScoreRun) -> list[str]:
    """Recompute `run` from today's ballots under its stored parameters; list every difference
    (empty: the stored run is exactly what its inputs give)."""
    ballots_settle(campaign_id=run.campaign_id)   # as scoring does: answers of ballots cast since, written out
    return _score_run_verify(run=run)


@transaction.atomic
def _score_run_verify(*, run: ScoreRun) -> list[str]:
    # Locked, so that no settler adds ballots between the reads of the ballots and of their scores.
    list(Campaign.objects.select_for_update(no_key=True).filter(pk=run.campaign_id).values_list("pk", flat=True))
    if run.method != METHOD_VERSION:
        return [_("Run %(n)d was computed with method %(method)s; this version computes %(current)s.")
                % {"n": run.number, "method": run.method, "current": METHOD_VERSION}]
    digest, result = _evaluate(run.parameters)
    problems = []
    if digest != run.input_digest:
        problems.append(_("Input digest differs: stored %(stored)s, now %(now)s (the ballots have changed).")
                        % {"stored": run.input_digest, "now": digest})
    expected = _row_values(RunResult.from_json(result))
    stored = {(s.unit.code, s.group.key if s.group else None): {f: getattr(s, f) for f in FIELDS}
              for s in run.unit_scores.select_related("unit", "group")}
    for key in sorted(set(expected) | set(stored), key=lambda k: (k[0], k[1] or "")):
        where = f"{key[0]}/{key[1] or _('composite')}"
        if key not in stored or key not in expected:
            problems.append(_("%(where)s: row missing from the %(side)s run.")
                            % {"where": where, "side": _("stored") if key not in stored else _("recomputed")})
            continue
        problems += [f"{where}.{f}: {_('stored')} {stored[key][f]!r} ≠ {_('recomputed')} {expected[key][f]!r}"
                     for f in FIELDS if not _same(stored[key][f], expected[key][f])]
    fresh = {"campaign": run.result.get("campaign"), "run": run.number, **result}
    problems += [f"result{path}: {_('stored')} {a!r} ≠ {_('recomputed')} {b!r}"
                 for path, a, b in _json_differences(run.result, fresh)]
    return problems


def _same(a, b) -> bool:
    numbers = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b))
    if not numbers:
        return type(a) is type(b) and a == b
    # Same inputs and code give the same bits; the tolerance only absorbs storage round trips.
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)


def _json_differences(a, b, path=""):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            yield from _json_differences(a.get(k), b.get(k), f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            label = x.get("code") or x.get("key") if isinstance(x, dict) else None
            yield from _json_differences(x, y, f"{path}[{label or i}]")
    elif not _same(a, b):
        yield path, a, b


# --- Freezing ----------------------------------------------------------------------------------

@transaction.atomic
def score_run_freeze(*, run: ScoreRun, actor) -> ScoreRun:
    """Freeze `run` for publication: from now on it cannot change or be deleted."""
    if run.provisional:
        raise ScoringRefused(_("Run %(n)d is provisional (scored while the campaign was open) and cannot be "
                               "published.") % {"n": run.number})
    if not run.frozen:
        ScoreRun.objects.filter(pk=run.pk).update(frozen=True)
        run.frozen = True
        audit_record(actor=actor, action="score_run.freeze", obj=run, data={"number": run.number})
    return run


# --- The reproduction kit ----------------------------------------------------------------------

@transaction.atomic
def reproduction_kit_write(*, group, out, run: ScoreRun | None, actor) -> int:
    """Write `group`'s anonymised ballots to `out` (CSV, with its codebook) and beside it
    `<name>.R`, which recomputes the group's unit scores and SEs with R's survey package (and,
    given `run`, prints that run's numbers beside R's). One snapshot, audited as an export.
    Returns the number of ballots."""
    from surveys.ballot_export import write_export

    from .reproduce import r_script

    if out.suffix.lower() != ".csv":
        raise ValueError(_("The reproduction kit needs a .csv export (R reads it without extra packages)."))
    if run is not None and run.campaign_id != group.campaign_id:
        raise ValueError(_("Run %(n)d belongs to another campaign.") % {"n": run.number})
    count = write_export(group, out, with_comments=False)
    out.with_suffix(".R").write_text(r_script(group=group, data_file=out.name, run=run), encoding="utf-8")
    audit_record(actor=actor, action="ballots.export", obj=group,
                 data={"ballots": count, "with_comments": False, "r_script": True,
                       "run": run.number if run is not None else None})
    return count
