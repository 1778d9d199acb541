"""Writes on the collection side. Views, the admin, the API and commands all call these.

Every function here is keyword-only, runs in one transaction, and records an audit event
in that transaction.
"""
import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .audit import audit_record
from .models import Campaign, Option, Question, Questionnaire, Region, Unit

Status = Campaign.Status

# The campaign's life: draft → open → closed → scored → publicized → final.
# A closed campaign may be reopened (e.g. the period is extended) until it is scored.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.OPEN}),
    Status.OPEN: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset({Status.OPEN, Status.SCORED}),
    Status.SCORED: frozenset({Status.PUBLICIZED}),
    Status.PUBLICIZED: frozenset({Status.FINAL}),
    Status.FINAL: frozenset(),
}

# These states are reached only as the outcome of a process (scoring, publishing), whose own
# service checks what it needs and then calls `campaign_set_status(..., process=…)`.
PROCESS_TARGETS: dict[str, str] = {
    Status.SCORED: "manage.py score",
    Status.PUBLICIZED: "manage.py publish --kind publicity",
    Status.FINAL: "manage.py publish --kind final",
}


class TransitionRefused(Exception):
    """A status change that may not happen now; `reasons` says why, in the user's language."""

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        super().__init__("; ".join(self.reasons))


def campaign_set_status(*, campaign: Campaign, status: str, actor, process: str | None = None,
                        now: dt.datetime | None = None) -> Campaign:
    """Move `campaign` to `status` if the transition is allowed and its preconditions hold.

    Locks the campaign row so that two staff members cannot move it at once. Opening records when
    the campaign first opened, closing when it last closed (`opened_at`, `closed_at`): the period
    the notices state.
    """
    if status not in Status.values:
        raise TransitionRefused([_("Unknown status “%(status)s”.") % {"status": status}])
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        reasons = _transition_problems(locked, status, process)
        if reasons:
            raise TransitionRefused(reasons)
        previous = locked.status
        locked.status = status
        changed = ["status", *_record_actual_time(locked, status, now or timezone.now())]
        locked.save(update_fields=changed)
        audit_record(
            actor=actor, action="campaign.status", obj=locked,
            data={"from": previous, "to": status, **({"process": process} if process else {})},
        )
    campaign.status, campaign.opened_at, campaign.closed_at = status, locked.opened_at, locked.closed_at
    return campaign


def _record_actual_time(campaign: Campaign, status: str, now: dt.datetime) -> list[str]:
    """The first opening and the last closing (a closed campaign may be reopened and closed again)."""
    if status == Status.OPEN and campaign.opened_at is None:
        campaign.opened_at = now
        return ["opened_at"]
    if status == Status.CLOSED:
        campaign.closed_at = now
        return ["closed_at"]
    return []


def _transition_problems(campaign: Campaign, status: str, process: str | None) -> list[str]:
    current = Status(campaign.status)
    target = Status(status)
    if target not in TRANSITIONS[current]:
        return [
            _("A campaign that is “%(current)s” cannot become “%(target)s”.")
            % {"current": current.label, "target": target.label}
        ]
    if target in PROCESS_TARGETS and process is None:
        return [
            _("“%(target)s” is set by the process itself: run %(command)s.")
            % {"target": target.label, "command": PROCESS_TARGETS[target]}
        ]
    if target == Status.OPEN:
        return campaign_open_problems(campaign)
    return []


def campaign_open_problems(campaign: Campaign) -> list[str]:
    """Everything that must hold before ballots can be cast; an empty list means ready."""
    problems = []
    now = timezone.now()
    if campaign.closes_at and campaign.closes_at <= now:
        problems.append(_("The closing time has passed; set a later closing time first."))
    problems += _questionnaire_problems(campaign.questionnaire)
    groups = list(campaign.groups.prefetch_related("units"))
    if not groups:
        problems.append(_("The campaign has no evaluator groups."))
    if groups and sum(g.weight for g in groups) <= 0:
        problems.append(_("At least one evaluator group needs a weight above zero."))
    questions = {q.key: q for q in campaign.questionnaire.questions.prefetch_related("options")}
    margins = _margins_by_variable(campaign)
    for group in groups:
        if not any(unit.active for unit in group.units.all()):
            problems.append(_("Group “%(group)s” rates no active unit.") % {"group": group.name})
        problems += _design_problems(group, questions, margins)
    return problems


def _questionnaire_problems(questionnaire: Questionnaire) -> list[str]:
    problems = []
    questions = list(questionnaire.questions.prefetch_related("options"))
    if not any(q.per_unit and q.is_scored and q.weight > 0 for q in questions):
        problems.append(_("The questionnaire needs a graded question per unit with a weight above zero."))
    for q in questions:
        options = list(q.options.all())
        if q.kind in (Question.Kind.GRADE, Question.Kind.CHOICE, Question.Kind.MULTI) and len(options) < 2:
            problems.append(_("Question “%(key)s” needs at least two options.") % {"key": q.key})
        if q.kind == Question.Kind.GRADE and sum(o.score is None for o in options) > 1:
            problems.append(_("Grade question “%(key)s” may have one option without a score (“don't know”), "
                              "no more.") % {"key": q.key})
        if q.kind == Question.Kind.GRADE and all(o.score is None for o in options):
            problems.append(_("Every option of grade question “%(key)s” needs a score.") % {"key": q.key})
        if q.kind == Question.Kind.SCALE and (q.min_value is None or q.max_value is None):
            problems.append(_("Scale question “%(key)s” needs a minimum and a maximum.") % {"key": q.key})
    return problems


def _margins_by_variable(campaign: Campaign) -> dict[str, dict[str, int]]:
    margins: dict[str, dict[str, int]] = {}
    for margin in campaign.margins.all():
        margins.setdefault(margin.variable, {})[margin.level] = margin.population
    return margins


def _design_problems(group, questions: dict, margins: dict) -> list[str]:
    """A group's weighting design must name profile choice questions with full census margins."""
    problems = []
    for key in group.design_keys():
        question = questions.get(key)
        if question is None or question.per_unit or question.kind != Question.Kind.CHOICE:
            problems.append(
                _("Group “%(group)s” weights by “%(key)s”, which is not a single-choice profile question.")
                % {"group": group.name, "key": key}
            )
            continue
        if not question.required:
            problems.append(
                _("Group “%(group)s” weights by “%(key)s”, which must then be a required question.")
                % {"group": group.name, "key": key}
            )
        levels = {o.value for o in question.options.all()}
        missing = sorted(levels - set(margins.get(key, {})))
        if missing:
            problems.append(
                _("Census margins for “%(key)s” lack the levels %(levels)s.")
                % {"key": key, "levels": ", ".join(missing)}
            )
    if group.rake_on:
        totals = {key: sum(margins.get(key, {}).values()) for key in group.rake_on}
        if len(set(totals.values())) > 1:
            problems.append(
                _("Group “%(group)s”: the raking margins have different grand totals (%(totals)s).")
                % {"group": group.name, "totals": ", ".join(f"{k} {v}" for k, v in totals.items())}
            )
    return problems


# --- Questionnaires -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Choice:
    value: str
    label: str
    score: Decimal | None = None


DONT_KNOW = "dk"   # the option value of 不了解 / 未接触 on the standard grade questions
STANDARD_GRADES = (
    _Choice("5", "非常满意", Decimal(100)),
    _Choice("4", "满意", Decimal(80)),
    _Choice("3", "基本满意", Decimal(60)),
    _Choice("2", "不满意", Decimal(40)),
    _Choice("1", "非常不满意", Decimal(0)),
    # Not a vote: counted in no score and no n, but recorded, so that "I don't know this unit" is
    # not confused with an unanswered question (DESIGN.md: Answer … or "不了解").
    _Choice(DONT_KNOW, "不了解", None),
)
STANDARD_DIMENSIONS = (
    ("attitude", "服务态度"),
    ("efficiency", "办事效率"),
    ("lawful", "依法履职"),
    ("integrity", "廉洁自律"),
    ("conduct", "作风建设"),
)
AGE_BANDS = (_Choice("18-34", "18–34 岁"), _Choice("35-59", "35–59 岁"), _Choice("60+", "60 岁及以上"))
SEXES = (_Choice("M", "男"), _Choice("F", "女"))
STANDARD_TEMPLATE_NAME = gettext_lazy("Standard satisfaction evaluation")


def questionnaire_create_standard(*, name: str, actor, districts: list[tuple[str, str]] | None = None) -> Questionnaire:
    """The built-in "standard satisfaction evaluation" questionnaire (标准满意度测评).

    An overall grade per unit (weight 0.5) and five dimensions (0.1 each), five grades from
    非常满意 (100) to 非常不满意 (0) and 不了解 (no score: not a vote), and a comment box per unit (folded
    with the dimensions); profile questions district, age band and sex; a general comment box (read by
    staff only).
    Everything stays editable until a campaign using it opens. `districts` are (value, label)
    pairs; by default the district regions in the database.
    """
    if districts is None:
        districts = list(
            Region.objects.filter(level=Region.Level.DISTRICT).order_by("code").values_list("code", "name")
        )
    with transaction.atomic():
        questionnaire = Questionnaire.objects.create(name=name, description=str(STANDARD_TEMPLATE_NAME))
        order = iter(range(10, 1000, 10))
        overall = _add_question(
            questionnaire, next(order), key="overall", text="总体满意度", kind=Question.Kind.GRADE,
            per_unit=True, required=True, weight=Decimal("0.5"),
        )
        _add_options(overall, STANDARD_GRADES)
        for key, text in STANDARD_DIMENSIONS:
            question = _add_question(
                questionnaire, next(order), key=key, text=text, kind=Question.Kind.GRADE,
                per_unit=True, required=False, is_dimension=True, weight=Decimal("0.1"),
            )
            _add_options(question, STANDARD_GRADES)
        profile = (
            ("district", "您居住的区", [_Choice(v, label) for v, label in districts]),
            ("age", "您的年龄段", AGE_BANDS),
            ("sex", "您的性别", SEXES),
        )
        for key, text, choices in profile:
            if choices:
                question = _add_question(questionnaire, next(order), key=key, text=text, kind=Question.Kind.CHOICE)
                _add_options(question, choices)
        _add_question(
            questionnaire, next(order), key="comments", text="意见和建议", kind=Question.Kind.TEXT,
            required=False, max_length=1000,
        )
        # A comment about one unit goes to that unit (its contact reads it); the general one only to
        # staff. Added last, so the other questions keep their places.
        _add_question(
            questionnaire, next(order), key="unit_comment", text="对该单位的意见和建议", kind=Question.Kind.TEXT,
            per_unit=True, required=False, is_dimension=True, max_length=500,
        )
        audit_record(actor=actor, action="questionnaire.create_standard", obj=questionnaire)
    return questionnaire


def _add_question(questionnaire, order, **fields) -> Question:
    return Question.objects.create(questionnaire=questionnaire, order=order, **fields)


def _add_options(question: Question, choices) -> None:
    Option.objects.bulk_create(
        Option(question=question, value=c.value, label=c.label, score=c.score, order=i)
        for i, c in enumerate(choices)
    )


# --- Invitations -----------------------------------------------------------------------------

MAX_INVITATIONS_PER_CALL = 100_000


def invitations_issue(*, group, count: int, actor) -> list[str]:
    """Create `count` one-time codes for `group` and return them — the only time they exist.

    Only their hashes are stored, in another (random) order than the codes are returned in: the
    caller prints them in its own order (a roster's by name), and the ids and places of the rows
    must not follow it. A group with a known population gets no more invitations than it has
    people. The audit event records how many were issued, never a code.
    """
    from minping.lib.bulk import insert_rows

    from .codes import generate_code, hash_code, normalize_code
    from .models import EvaluatorGroup, Invitation

    if not 1 <= count <= MAX_INVITATIONS_PER_CALL:
        raise ValueError(_("The number of invitations must be from 1 to %(max)d.") % {"max": MAX_INVITATIONS_PER_CALL})
    if group.access != group.Access.INVITATION:
        raise ValueError(_("Group “%(group)s” uses an open link, not invitations.") % {"group": group.name})
    if group.campaign.status not in (Status.DRAFT, Status.OPEN):
        raise ValueError(_("Invitations can only be issued before or during the evaluation."))
    codes = [generate_code() for _ in range(count)]
    hashes = [hash_code(normalize_code(code)) for code in codes]
    stored_order(hashes)
    today = timezone.localdate()
    with transaction.atomic():
        locked = EvaluatorGroup.objects.select_for_update().get(pk=group.pk)   # one issue at a time per group
        issued = Invitation.objects.filter(group=locked).count()
        if locked.population_size is not None and issued + count > locked.population_size:
            raise ValueError(
                _("Group “%(group)s” has %(population)d people and %(issued)d invitations already: "
                  "at most %(left)d more can be issued.")
                % {"group": locked.name, "population": locked.population_size, "issued": issued,
                   "left": max(locked.population_size - issued, 0)})
        insert_rows(Invitation, ("campaign_id", "group_id", "code_hash", "created_on"),
                    [(group.campaign_id, group.pk, code_hash, today) for code_hash in hashes])
        audit_record(actor=actor, action="invitation.issue", obj=group, data={"count": count})
    return codes


def stored_order(rows: list) -> None:
    """Shuffle, in place, rows about to be stored (a cryptographic generator: the order must not be
    guessable from the returned one)."""
    secrets.SystemRandom().shuffle(rows)


def ballot_url(code: str) -> str:
    from django.conf import settings

    return f"{settings.MINPING_BASE_URL}/b/{code}/"


# --- Reference data (regions, units, census margins, rosters) -----------------------------------

@dataclass(frozen=True)
class ReferenceImport:
    rows: int
    problems: list[str]
    result: object  # the django-import-export Result of the last pass (its totals, for the admin)

    @property
    def ok(self) -> bool:
        return not self.problems


@transaction.atomic
def reference_data_import(*, resource_class, dataset, actor, dry_run: bool = False,
                          file_name: str = "") -> ReferenceImport:
    """Import a table of reference data with a django-import-export resource: all rows or none, audited.

    The admin's import screen and `manage.py import_data` both come here. Every row is checked
    first; one problem and nothing changes. An import that writes records who imported which
    resource and how many rows, in the transaction of the import itself.
    """
    from minping.lib.tabular import import_problems

    resource = resource_class()
    result = resource.import_data(dataset, dry_run=True, raise_errors=False, use_transactions=True)
    problems = import_problems(result, resource.column_names())
    if problems or dry_run:
        return ReferenceImport(rows=len(dataset), problems=problems, result=result)
    result = resource.import_data(dataset, dry_run=False, raise_errors=False, use_transactions=True,
                                  retain_instance_in_row_result=True)  # the admin's change log names them
    problems = import_problems(result, resource.column_names())
    if problems:  # cannot happen after a clean check, unless the database changed meanwhile
        transaction.set_rollback(True)
        return ReferenceImport(rows=len(dataset), problems=problems, result=result)
    model = resource_class._meta.model
    totals = {kind: count for kind, count in result.totals.items() if count}
    audit_record(actor=actor, action=f"import.{model._meta.model_name}", obj=model,
                 data={"resource": resource_class.__name__, "rows": len(dataset), "totals": totals,
                       "file": file_name[:200]})
    return ReferenceImport(rows=len(dataset), problems=[], result=result)


@transaction.atomic
def reference_data_export_record(*, model, rows: int, actor, destination: str = "") -> None:
    """Record that `actor` exported `rows` rows of `model` (rosters carry names and phone numbers)."""
    audit_record(actor=actor, action=f"export.{model._meta.model_name}", obj=model,
                 data={"rows": rows, "to": destination[:200]})


class UnitDeleteRefused(Exception):
    """The unit may not be deleted now; the message says why, in the user's language."""


def unit_delete_problem(unit: Unit) -> str | None:
    """Why `unit` cannot be deleted now, or None. Ballots waiting to be settled may rate it: their
    packed answers name it by id, with no foreign key to refuse the delete (settled answers protect
    their unit themselves, by the database's PROTECT)."""
    from .selectors import pending_ballots_rating

    if pending_ballots_rating(unit).exists():
        return _("Unit “%(unit)s” is rated by ballots that are not yet written out "
                 "(manage.py settle_ballots).") % {"unit": unit.code}
    return None


@transaction.atomic
def unit_delete(*, unit: Unit, actor) -> None:
    """Delete `unit`, audited; refused (UnitDeleteRefused) while pending ballots may rate it. The
    admin's delete page and its bulk action both come here."""
    problem = unit_delete_problem(unit)
    if problem:
        raise UnitDeleteRefused(problem)
    audit_record(actor=actor, action="unit.delete", obj=unit, data={"code": unit.code, "name": unit.name})
    unit.delete()
