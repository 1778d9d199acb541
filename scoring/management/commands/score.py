"""Score a campaign: `manage.py score demo-2026 [--json] [--verify RUN]`, or `manage.py score --verify-all`."""
import json
import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from scoring.models import ScoreRun
from scoring.results import UnitResult
from scoring.services import PROCESS, ScoringError, ScoringRefused, score_run_create, score_run_verify
from scoring.templatetags.scoring_tags import grade_label
from surveys.management.commands._args import add_campaign_argument, campaign_from_argument
from surveys.models import Campaign, Unit


class Command(BaseCommand):
    help = ("Score a campaign and store the run (provisional while it is open; a closed campaign becomes "
            "scored), or --verify a stored run (exit 1 on any difference).")

    def add_arguments(self, parser):
        add_campaign_argument(parser, required=False)
        parser.add_argument("--json", action="store_true", help="print the run as JSON (full precision)")
        parser.add_argument("--verify", type=int, metavar="RUN", help="recompute stored run RUN and compare")
        parser.add_argument("--verify-all", action="store_true",
                            help="recompute every final (non-provisional) run of every campaign, e.g. after "
                                 "restoring a backup; exit 1 if any differs")

    def handle(self, *args, campaign, json: bool, verify: int | None, verify_all: bool, **options):
        if verify_all:
            if campaign or verify is not None:
                raise CommandError(_("--verify-all takes no campaign and no run number."))
            return self._verify_all()
        if not campaign:
            raise CommandError(_("Name the campaign to score (its slug), or pass --verify-all."))
        target = campaign_from_argument(campaign)
        if verify is not None:
            return self._verify(target, verify)
        try:
            run = score_run_create(campaign=target, actor=PROCESS)
        except (ScoringRefused, ScoringError) as problem:
            raise CommandError(str(problem)) from None
        if json:
            self.stdout.write(_dumps(run.result))
        else:
            self.stdout.write(format_table(run))

    def _verify_all(self) -> None:
        # Provisional runs were scored while ballots still arrived: later ballots rightly change them.
        runs = list(ScoreRun.objects.filter(provisional=False).select_related("campaign")
                    .order_by("campaign__slug", "number"))
        failed = 0
        for run in runs:
            try:
                self._check(run)
            except CommandError as problem:
                failed += 1
                self.stderr.write(f"{run.campaign.slug}: {problem}")
        if failed:
            raise CommandError(_("%(failed)d of %(count)d run(s) do not verify.") % {"failed": failed, "count": len(runs)})
        self.stdout.write(self.style.SUCCESS(_("%(count)d run(s) verified.") % {"count": len(runs)}))

    def _verify(self, campaign: Campaign, number: int) -> None:
        run = ScoreRun.objects.filter(campaign=campaign, number=number).first()
        if run is None:
            raise CommandError(_("Campaign “%(slug)s” has no run %(n)d.") % {"slug": campaign.slug, "n": number})
        self._check(run)

    def _check(self, run: ScoreRun) -> None:
        number = run.number
        try:
            problems = score_run_verify(run=run)
        except ScoringError as problem:
            raise CommandError(str(problem)) from None
        for line in problems:
            self.stdout.write(line)
        if problems:
            raise CommandError(_("Run %(n)d does not verify: %(count)d difference(s).")
                               % {"n": number, "count": len(problems)})
        self.stdout.write(self.style.SUCCESS(
            _("Run %(n)d verified: same inputs (digest %(digest)s), same results.")
            % {"n": number, "digest": run.input_digest[:16]}))


def _dumps(result: dict) -> str:
    # json.dumps writes floats with repr(): the shortest text that reads back as the same double.
    return json.dumps(result, ensure_ascii=False, indent=1, allow_nan=False)


# --- The readable table ---------------------------------------------------------------------------

def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def _fmt(x, digits=1) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _row(u: UnitResult, group_names: dict[str, str]) -> list[str]:
    sat = u.satisfied.value
    rank = "—" if u.rank is None else str(u.rank)
    interval = "" if u.rank is None else f"{u.rank_low}–{u.rank_high}"
    shown = u.published
    ci = "" if shown.ci_low is None else f"{_fmt(shown.ci_low)}–{_fmt(shown.ci_high)}"
    grade = _("insufficient sample") if u.suppressed else grade_label(u)
    groups = " ".join(f"{group_names.get(g.key, g.key)} {g.n}" for g in u.groups)
    return [rank, interval, f"{u.code} {u.name}", _fmt(shown.score), ci, grade,
            "—" if sat is None else f"{100 * sat:.1f}%", groups]


def format_table(run: ScoreRun) -> str:
    """The run per unit kind: rank and interval, score with CI, grade, share satisfied, ballots."""
    result = run.outcome
    level = round(100 * result.level)
    head = [_("Rank"), _("Rank interval"), _("Unit"), _("Score"), _("%(level)d%% CI") % {"level": level},
            _("Grade"), _("Satisfied"), _("Ballots per group")]
    lines = [_("%(slug)s run %(n)d (%(method)s), digest %(digest)s")
             % {"slug": result.campaign, "n": run.number, "method": result.method,
                "digest": run.input_digest[:16]}]
    if run.provisional:
        lines.append(_("PROVISIONAL: the campaign is still open; interim results, not for publication."))
    kinds = dict(Unit.Kind.choices)
    group_names = dict(run.campaign.groups.values_list("key", "name"))   # the people's words, not the keys
    for kind, units in result.units_by_kind():
        rows = [head] + [_row(u, group_names) for u in units]
        widths = [max(_width(r[i]) for r in rows) for i in range(len(head))]
        lines += ["", f"== {kinds.get(kind, kind)} =="]
        for r in rows:
            lines.append("  ".join(_pad(c, w, right=i in (0, 3)) for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip())
    return "\n".join(lines)
