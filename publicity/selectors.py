"""Reads of the publicity side: what a notice prints, published notices, the chain's integrity."""
import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from scoring.models import ScoreRun
from surveys.models import Ballot, Campaign, Question

from . import anchoring, document, method_note, signing
from .calendar import Period
from .models import GENESIS_SHA256, DocumentSeries, Notice, Objection

# --- Notices ------------------------------------------------------------------------------------

def notices_published():
    return Notice.objects.select_related("campaign").order_by("-sequence")


def notice_chain_head() -> Notice | None:
    return Notice.objects.order_by("-sequence").first()


def notice_by_sha256(sha256: str) -> Notice | None:
    return Notice.objects.select_related("campaign").filter(sha256=sha256.strip().lower()).first()


def notice_publicity(campaign: Campaign) -> Notice | None:
    return Notice.objects.filter(campaign=campaign, kind=Notice.Kind.PUBLICITY).first()


def notice_accepts_objections(notice: Notice, *, now: dt.datetime | None = None) -> bool:
    """Objections are filed on publicity notices during their period, while the campaign is publicized."""
    today = timezone.localdate(now or timezone.now())
    return (notice.kind == Notice.Kind.PUBLICITY and notice.objection_deadline is not None
            and today <= notice.objection_deadline and notice.campaign.status == Campaign.Status.PUBLICIZED)


def document_serial_next(series: DocumentSeries | None, year: int) -> int:
    """The next serial of `series` in `year`: one more than the highest taken (none is ever freed)."""
    if series is None or series.pk is None:
        return 1
    last = Notice.objects.filter(series=series, number_year=year).aggregate(last=Max("number_serial"))["last"]
    return (last or 0) + 1


def document_number_preview(organ: str, year: int) -> str:
    """The 发文字号 the next notice of `organ` would get in `year` (previews; publishing takes it)."""
    series = DocumentSeries.objects.filter(organ=organ).first() or DocumentSeries(
        organ=organ, prefix=settings.MINPING_DOCUMENT_PREFIX)
    return series.number(year, document_serial_next(series, year))


def objections_open(notice: Notice):
    return notice.objections.filter(status=Objection.Status.RECEIVED).order_by("received_at", "id")


def objection_by_number(number: str) -> Objection | None:
    cleaned = "".join(ch for ch in number.upper() if ch.isalnum())
    if len(cleaned) != 12:
        return None
    formatted = "-".join(cleaned[i:i + 4] for i in range(0, 12, 4))
    return Objection.objects.select_related("notice", "unit").filter(number=formatted).first()


def file_sha256(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class ChainReport:
    checked: int
    problem: str = ""          # the first broken link, in words; empty when the chain holds
    notice: Notice | None = None

    @property
    def ok(self) -> bool:
        return not self.problem


def public_chain() -> tuple[list[dict] | None, str]:
    """The public chain file's lines (None when there is none yet), and a problem reading it."""
    data = anchoring.chain_bytes()
    if data is None:
        return None, ""
    try:
        return anchoring.parse_chain(data), ""
    except ValueError as error:
        return [], _("The public chain file cannot be read: %(error)s.") % {"error": error}


def notice_problems(notice: Notice, chain: list[dict] | None = None) -> list[str]:
    """What does not hold for this one notice: its stored file against its recorded hash, its record
    against the public chain file, its RFC 3161 timestamp. Empty when all hold."""
    if chain is None:
        chain, problem = public_chain()
        if problem:
            return [problem]
    if not notice.file or not default_storage.exists(notice.file.name):
        return [_("The stored file %(file)s is missing.") % {"file": notice.file.name}]
    actual = file_sha256(notice.file.name)
    if actual != notice.sha256:
        return [_("The stored file's SHA-256 is %(actual)s, but the recorded hash is %(recorded)s.")
                % {"actual": actual, "recorded": notice.sha256}]
    problems = []
    line = chain[notice.sequence - 1] if chain and len(chain) >= notice.sequence else None
    if chain is not None and line != anchoring.chain_line(notice):
        problems.append(_("The database record differs from the public chain file (recorded SHA-256 %(recorded)s, "
                          "chain file: %(line)s).")
                        % {"recorded": notice.sha256, "line": _chain_line_text(line)})
    problems += _timestamp_problems(notice)
    return problems


def _chain_line_text(line: dict | None) -> str:
    if line is None:
        return _("no line for this notice")
    return f"SHA-256 {line.get('sha256', '?')}"


def _timestamp_problems(notice: Notice) -> list[str]:
    name = anchoring.timestamp_name(notice.file.name)
    if not default_storage.exists(name):
        return []
    with default_storage.open(name, "rb") as handle:
        report = anchoring.timestamp_check(handle.read(), notice.sha256)
    if not report.valid:
        return [_("Its RFC 3161 timestamp does not cover this SHA-256.")]
    if not report.trusted:
        return [_("Its RFC 3161 timestamp is not signed by a trusted timestamp authority (MINPING_TSA_CERTIFICATES).")]
    if abs(report.time - notice.published_at) > anchoring.TIMESTAMP_TOLERANCE:
        return [_("Its RFC 3161 timestamp says %(time)s, not the recorded publication time %(published)s.")
                % {"time": report.time.isoformat(), "published": notice.published_at.isoformat()}]
    return []


def notice_timestamp(notice: Notice):
    """The notice's RFC 3161 token (bytes), or None."""
    name = anchoring.timestamp_name(notice.file.name)
    if not notice.file or not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def chain_entry_by_sha256(sha256: str) -> dict | None:
    """The public chain file's line for `sha256`, if any (also when the database no longer has it)."""
    chain, _problem = public_chain()
    wanted = sha256.strip().lower()
    return next((line for line in chain or [] if line.get("sha256") == wanted), None)


def notices_chain_check(*, mirror: bytes | None = None) -> ChainReport:
    """Every stored file against its hash, every notice against its predecessor, in chain order; then the
    record against what lies outside the database: the public chain file, its signature, the
    timestamps, and optionally an earlier copy of the chain file (`mirror`).

    Stops at the first broken link: everything after it is unverifiable anyway.
    """
    chain, problem = public_chain()
    if problem:
        return ChainReport(0, problem)
    expected_previous, checked = GENESIS_SHA256, 0
    for position, notice in enumerate(Notice.objects.select_related("campaign").order_by("sequence").iterator(),
                                      start=1):
        label = f"#{notice.sequence} “{notice.title}”"
        if notice.sequence != position:
            return ChainReport(checked, _("%(notice)s: expected number %(n)d in the chain (a notice is missing).")
                               % {"notice": label, "n": position}, notice)
        if notice.previous_sha256 != expected_previous:
            return ChainReport(checked, _("%(notice)s: its previous hash %(previous)s does not match the preceding "
                                          "notice's hash %(expected)s.")
                               % {"notice": label, "previous": notice.previous_sha256, "expected": expected_previous},
                               notice)
        if chain is None:
            return ChainReport(checked, _("%(notice)s: there is no public chain file (%(file)s).")
                               % {"notice": label, "file": anchoring.CHAIN_NAME}, notice)
        problems = notice_problems(notice, chain)
        if problems:
            return ChainReport(checked, f"{label}: {problems[0]}", notice)
        expected_previous = notice.sha256
        checked += 1
    problem = _chain_file_problem(chain, checked, mirror)
    return ChainReport(checked, problem)


def _chain_file_problem(chain: list[dict] | None, checked: int, mirror: bytes | None) -> str:
    """What is wrong with the chain file as a whole: extra lines, its signature, an earlier copy."""
    if chain is not None and len(chain) != checked:
        return (_("The public chain file lists %(lines)d notices, the database %(notices)d.")
                % {"lines": len(chain), "notices": checked})
    data = anchoring.chain_bytes() or b""
    signature = anchoring.signature_bytes()
    if signature is None and chain and signing.signing_configured():
        return _("The public chain file has no signature (%(file)s).") % {"file": anchoring.SIGNATURE_NAME}
    if signature is not None:
        report = anchoring.verify_detached(data, signature)
        if not report.valid:
            return _("The public chain file's signature does not match it: the file was changed after signing.")
        if not report.trusted:
            return _("The public chain file is signed, but not with this site's signing certificate.")
    if mirror is not None:
        line = anchoring.mirror_first_difference(mirror, data)
        if line:
            return (_("The public chain file is not a continuation of your copy: line %(line)d was changed or "
                      "removed.") % {"line": line})
    return ""


# --- What a notice prints ------------------------------------------------------------------------

def participation(campaign: Campaign) -> dict[str, dict[str, int]]:
    """Ballots per group and channel: one GROUP BY."""
    counts: dict[str, dict[str, int]] = {}
    rows = (Ballot.objects.filter(campaign=campaign).order_by().values("group__key", "channel")
            .annotate(n=Count("pk")).values_list("group__key", "channel", "n"))
    for key, channel, n in rows:
        counts.setdefault(key, {})[channel] = n
    return counts


def _questionnaire_terms(campaign: Campaign) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """(per-unit scored questions with their weights, the grade labels with their scores)."""
    questions = list(campaign.questionnaire.questions.filter(per_unit=True, kind__in=Question.SCORED_KINDS,
                                                             weight__gt=0).prefetch_related("options"))
    total = float(sum(q.weight for q in questions)) or 1.0
    weights = [(q.text, float(q.weight) / total) for q in questions]
    grade = next((q for q in questions if q.kind == Question.Kind.GRADE), None)
    grades = [(o.label, float(o.score)) for o in grade.options.all() if o.score is not None] if grade else []
    return weights, grades


def evaluation_period(campaign: Campaign) -> tuple[dt.date, dt.date] | None:
    """The days ballots were accepted, as recorded: from the first opening (not before the scheduled
    opening) to the last closing (not after the scheduled closing, when ballots stopped anyway).
    None when the records do not hold both (a campaign opened before they were kept)."""
    if campaign.opened_at is None or campaign.closed_at is None:
        return None
    start = max(campaign.opened_at, campaign.opens_at or campaign.opened_at)
    end = min(campaign.closed_at, campaign.closes_at or campaign.closed_at)
    return timezone.localdate(start), timezone.localdate(end)


def default_body(campaign: Campaign, kind: str, organ: str, run: ScoreRun, publicity: Notice | None = None) -> str:
    """The opening paragraph: only dates the records hold (the period that ran, the day of scoring)."""
    period = evaluation_period(campaign)
    when = f"{campaign.year}年" if period is None else document.zh_date(period[0]) if period[0] == period[1] else \
        f"{document.zh_date(period[0])}至{document.zh_date(period[1])}"
    scored = document.zh_date(timezone.localdate(run.created_at))
    text = (f"根据评议工作安排，{organ}于{when}组织开展了{campaign.title}。评议结束后，"
            f"于{scored}按照统一的计算方法对全部有效评议票进行了汇总计算。")
    if kind == Notice.Kind.PUBLICITY:
        return text + "现将评议结果予以公示，接受社会监督。"
    period = ""
    if publicity is not None and publicity.period_start and publicity.objection_deadline:
        period = f"于{document.zh_date(publicity.period_start)}至{document.zh_date(publicity.objection_deadline)}"
    return text + f"评议结果已{period}公示，现将最终评议结果通报如下。"


def objection_url(campaign: Campaign) -> str:
    return settings.MINPING_BASE_URL + reverse("publicity:objection", args=[campaign.slug])


def final_closing(publicity: Notice) -> list[str]:
    objections = list(publicity.objections.all())
    dismissed = sum(1 for o in objections if o.status == Objection.Status.DISMISSED)
    text = (f"评议结果已于{document.zh_date(publicity.period_start)}至{document.zh_date(publicity.objection_deadline)}"
            f"公示（公示文件 SHA-256：{publicity.sha256}）。")
    if not objections:
        text += "公示期间未收到异议。"
    else:
        text += f"公示期间共收到异议{len(objections)}件，已全部办理答复"
        text += f"，其中不予受理{dismissed}件。" if dismissed else "。"
    return [text]


def notice_data(*, campaign: Campaign, run: ScoreRun, kind: str, issued_on: dt.date, period: Period | None,
                previous_sha256: str, document_number: str = "", title: str = "",
                body: str = "") -> document.NoticeData:
    """Everything the notice of `campaign` from `run` prints, as of `issued_on`."""
    result = run.outcome
    parameters = run.parameters or {}
    organ = settings.MINPING_ISSUING_ORGAN
    names = dict(campaign.groups.values_list("key", "name"))
    populations = dict(campaign.groups.values_list("key", "population_size"))
    groups = [document.GroupInfo(key=g.key, name=names.get(g.key, g.key), weight=g.weight, n=g.n,
                                 design=document.design_text(g.design, populations.get(g.key)))
              for g in result.groups]
    questions, grades = _questionnaire_terms(campaign)
    publicity = notice_publicity(campaign) if kind == Notice.Kind.FINAL else None
    data = document.NoticeData(
        kind=kind, title=title or document.default_title(campaign.title, kind),
        body=body or default_body(campaign, kind, organ, run, publicity),
        campaign_title=campaign.title, issuing_organ=organ, issued_on=issued_on, level=result.level,
        groups=groups, participation=participation(campaign), sections=document.result_sections(result),
        method=method_note.method_paragraphs(
            result=result, parameters=parameters, groups=groups, questions=questions, grades=grades,
            min_ballots=parameters.get("min_ballots", campaign.min_ballots),
            threshold=parameters.get("satisfied_threshold", float(campaign.satisfied_threshold))),
        results_json=document.result_json_text(result), run_number=run.number, input_digest=run.input_digest,
        period=period, seal_data_url=document.seal_data_url(settings.MINPING_SEAL_IMAGE),
        previous_sha256=previous_sha256, document_number=document_number,
        recipients=settings.MINPING_NOTICE_RECIPIENTS, copies_to=settings.MINPING_NOTICE_COPIES_TO,
        printed_by=settings.MINPING_NOTICE_PRINTED_BY or organ,
    )
    if kind == Notice.Kind.PUBLICITY:
        data.objection_url = objection_url(campaign)
        data.qr = document.qr_data_url(data.objection_url)
        data.phone = settings.MINPING_OBJECTION_PHONE
        data.address = settings.MINPING_OBJECTION_ADDRESS
    elif publicity is not None:
        data.closing = final_closing(publicity)
    return data
