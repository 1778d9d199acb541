"""Paper ballots (纸质评议表): the fill-in workbook and the import of filled-in spreadsheets.

The layout: row 1 holds machine keys (profile question keys, then `<unit code>:<question key>`,
each unit's `commitment:<id>` (兑现情况, `surveys.commitments`), then free-text questions), row 2 readable labels, data from row 3, one ballot a row. Cells take
option labels or option values. Each row is checked by `surveys.ballots.validate_answers`, the
same rules as online ballots; one bad row and nothing at all is imported.
"""
import csv
import hashlib
import io
import re
import shutil
import tempfile
import uuid
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.core import signing
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from minping.lib.tabular import TableError, decode_text

from .audit import actor_parts, audit_record
from .ballots import (
    RESIDENCE,
    AnswerIn,
    BallotBatch,
    BallotInvalid,
    BallotSheet,
    ballot_sheet,
    sheet_for_residence,
    validate_answers,
)
from .commitments import PREFIX as COMMITMENT_PREFIX
from .commitments import answer_key
from .models import Ballot, Campaign, Commitment, EvaluatorGroup, PaperImport, Question, Unit

KEY_ROW, LABEL_ROW, FIRST_DATA_ROW = 1, 2, 3
BATCH_BALLOTS = 1000
MULTI_SEPARATORS = re.compile(r"[;,；，、]")
IMPORTABLE_STATUSES = (Campaign.Status.OPEN, Campaign.Status.CLOSED)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    question: Question
    unit: Unit | None = None
    commitment: Commitment | None = None   # a 兑现情况 column: graded on `question`'s options

    @property
    def answer_key(self) -> str:
        return self.key if self.commitment is not None else self.question.key


def columns(sheet: BallotSheet) -> list[Column]:
    """The workbook's columns, in order: profile, the unit matrix (each unit's questions, then its
    commitments), then free text."""
    profile = [Column(q.key, q.text, q) for q in sheet.profile_questions if q.kind != Question.Kind.TEXT]
    matrix = [column for u in sheet.units for column in _unit_columns(sheet, u)]
    texts = [Column(q.key, q.text, q) for q in sheet.profile_questions if q.kind == Question.Kind.TEXT]
    return profile + matrix + texts


def _unit_columns(sheet: BallotSheet, unit: Unit) -> list[Column]:
    questions = [Column(f"{unit.code}:{q.key}", f"{unit.name}·{q.text}", q, unit) for q in sheet.unit_questions]
    if sheet.commitment_scale is None:
        return questions
    return questions + [Column(answer_key(c), f"{unit.name}·{_('Kept (兑现情况):')}{c.text}", sheet.commitment_scale,
                               unit, c) for c in sheet.commitments.get(unit.code, [])]


# --- The fill-in workbook --------------------------------------------------------------------

def ballot_template(group: EvaluatorGroup) -> Workbook:
    """A workbook to type paper ballots into, with drop-down lists of the option labels."""
    sheet = ballot_sheet(group)
    workbook = Workbook()
    data = workbook.active
    data.title = _("Ballots")
    cols = columns(sheet)
    lead = [(RESIDENCE, _("Community where the person lives (code or name) *"))] if sheet.by_residence else []
    data.append([key for key, _label in lead] + [c.key for c in cols])
    data.append([label for _key, label in lead] + [c.label + (" *" if c.question.required and c.unit is None else "")
                                                    for c in cols])
    grey, bold = PatternFill("solid", fgColor="DDDDDD"), Font(bold=True)
    for cell in data[KEY_ROW]:
        cell.fill, cell.font = grey, Font(color="666666", size=8)
    for cell in data[LABEL_ROW]:
        cell.font, cell.alignment = bold, Alignment(wrap_text=True, vertical="top")
    data.freeze_panes = data.cell(row=FIRST_DATA_ROW, column=1)
    if lead:
        data.column_dimensions["A"].width = 16
    for index, column in enumerate(cols, start=1 + len(lead)):
        letter = get_column_letter(index)
        data.column_dimensions[letter].width = 14 if column.unit else 12
        labels = [o.label for o in sheet.options[column.question.key].values()]
        if labels and column.question.kind != Question.Kind.MULTI:
            validation = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True,
                                        showErrorMessage=True, error=_("Choose one of the listed answers."))
            data.add_data_validation(validation)
            validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}100000")
    _instructions(workbook.create_sheet(_("Instructions")), sheet)
    return workbook


def _instructions(ws, sheet: BallotSheet) -> None:
    lines = [
        sheet.campaign.title,
        sheet.group.name,
        "",
        _("One paper ballot per row, from row 3 down. Do not change rows 1 and 2."),
        _("Choose answers from the drop-down lists, or type the option's label or value."),
        _("Leave a cell empty where the ballot left the question unanswered."),
        _("For each unit the ballot rates, the overall grade is required; columns marked * are required."),
        _("Multiple choices: separate the options with a semicolon (;)."),
        *([_("Column “residence”: the community where the person lives. Fill in only the units of that "
             "community, its street and the city-wide units; the district answer may stay empty.")]
          if sheet.by_residence else []),
        _("Then import the file: manage.py import_ballots %(campaign)s --group %(group)s FILE")
        % {"campaign": sheet.campaign.slug, "group": sheet.group.key},
        "",
        _("Options"),
    ]
    for question in sheet.questions:
        options = sheet.options[question.key]
        if options:
            lines.append(f"{question.key}  {question.text}: " + "；".join(f"{o.value} = {o.label}" for o in options.values()))
        elif question.kind == Question.Kind.SCALE:
            lines.append(f"{question.key}  {question.text}: {question.min_value}–{question.max_value}")
    if sheet.by_residence:
        lines += ["", _("Communities (residence)")]
        lines += [f"{place.code}  {place.label}: " + "、".join(place.unit_codes) for place in sheet.places.values()]
    for line in lines:
        ws.append([line])
    ws.column_dimensions["A"].width = 100
    ws["A1"].font = Font(bold=True, size=14)


# --- Reading filled-in files -----------------------------------------------------------------

class PaperImportError(Exception):
    """The file cannot be read at all (format, encoding, header)."""


def read_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, list]]]:
    """The key row and an iterator of (row number, cells) over the data rows of an XLSX or CSV file."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix == ".csv":
        return _read_csv(path)
    raise PaperImportError(_("Unsupported file type “%(suffix)s”: use .xlsx or .csv.") % {"suffix": suffix})


def _read_xlsx(path: Path):
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a broken file
        raise PaperImportError(_("Not a readable XLSX file: %(error)s") % {"error": error}) from None
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    keys = _header(next(rows, None))
    next(rows, None)  # the label row

    def data():
        try:
            for number, cells in enumerate(rows, start=FIRST_DATA_ROW):
                yield number, list(cells)
        finally:
            workbook.close()
    return keys, data()


def _read_csv(path: Path):
    try:
        text = decode_text(path.read_bytes())
    except TableError as error:
        raise PaperImportError(str(error)) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    keys = _header(next(reader, None))
    next(reader, None)
    return keys, ((number, cells) for number, cells in enumerate(reader, start=FIRST_DATA_ROW))


def _header(row) -> list[str]:
    if not row:
        raise PaperImportError(_("The file is empty: row 1 must hold the column keys."))
    return [str(cell).strip() if cell is not None else "" for cell in row]


# --- Importing -------------------------------------------------------------------------------

@dataclass
class RowProblem:
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return _("column %(column)s: %(message)s") % {"column": self.column, "message": self.message}
        return _("row %(row)d, column %(column)s: %(message)s") % {"row": self.row, "column": self.column,
                                                                      "message": self.message}


@dataclass
class ImportResult:
    ballots: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    dry_run: bool = False
    duplicate_of: PaperImport | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.duplicate_of is None


def upload_storage():
    """Where uploaded files wait (the `uploads` storage: a private folder or bucket that every app
    server reaches, so a file checked on one server can be imported by a worker on another)."""
    return storages["uploads"]


def store_upload(upload) -> str:
    """Keep an uploaded file until it is imported or abandoned; returns its name in the storage."""
    return upload_storage().save(f"paper/{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}", upload)


@contextmanager
def local_copy(name: str) -> Iterator[Path]:
    """The stored file as a local temporary file, for the readers (openpyxl, csv) that want a path."""
    with tempfile.TemporaryDirectory(prefix="minping-paper-") as folder:
        path = Path(folder) / Path(name).name
        with upload_storage().open(name, "rb") as stored, path.open("wb") as local:
            shutil.copyfileobj(stored, local)
        yield path


PENDING_SALT = "surveys.paper.pending-import"
PENDING_MAX_AGE = 3600


def pending_import_token(name: str, *, group: EvaluatorGroup, force: bool, filename: str) -> str:
    """A signed note of a checked file, so that confirming imports exactly the file that was checked."""
    with upload_storage().open(name, "rb") as stored:
        digest = stream_digest(stored)
    return signing.dumps({"file": name, "group": group.pk, "force": force, "filename": filename, "sha256": digest},
                         salt=PENDING_SALT)


def pending_import(token: str) -> dict:
    """The arguments of the import for a confirmed token: {group, name, force, filename};
    PaperImportError when stale or forged."""
    try:
        note = signing.loads(token, salt=PENDING_SALT, max_age=PENDING_MAX_AGE)
    except signing.BadSignature:
        raise PaperImportError(_("The check has expired; upload the file again.")) from None
    storage = upload_storage()
    if not storage.exists(note["file"]):
        raise PaperImportError(_("The checked file is no longer there; upload it again."))
    with storage.open(note["file"], "rb") as stored:
        if stream_digest(stored) != note["sha256"]:
            raise PaperImportError(_("The checked file is no longer there; upload it again."))
    group = EvaluatorGroup.objects.select_related("campaign").get(pk=note["group"])
    return {"group": group, "name": note["file"], "force": note["force"], "filename": note["filename"]}


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return stream_digest(handle)


def stream_digest(handle) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


PROGRESS_EVERY = 1000


def import_paper_ballots(**arguments) -> ImportResult:
    """Import every data row of a file as one paper ballot — all rows, or none if any is invalid.

    Arguments as for `paper_import_steps`, which this runs to the end.
    """
    steps = paper_import_steps(**arguments)
    while True:
        try:
            next(steps)
        except StopIteration as finished:
            return finished.value


def paper_import_steps(*, group: EvaluatorGroup, path: Path, actor, dry_run: bool = False, force: bool = False,
                       filename: str | None = None) -> Generator[int, None, ImportResult]:
    """The import as a generator: yields the number of rows read every PROGRESS_EVERY rows (for a
    progress display) and returns the ImportResult. Run it to the end in one thread; closing it
    early rolls everything back.
    """
    if group.campaign.status not in IMPORTABLE_STATUSES:
        return ImportResult(problems=[RowProblem(None, "-", _("Paper ballots can be imported while the campaign is "
                                                              "open or closed, not when it is “%(status)s”.")
                                                 % {"status": group.campaign.get_status_display()})])
    digest = file_digest(path)
    previous = PaperImport.objects.filter(campaign=group.campaign, group=group, sha256=digest).first()
    if previous and not force:
        return ImportResult(duplicate_of=previous)
    keys, rows = read_rows(path)
    sheet = ballot_sheet(group)
    reader = _RowReader(sheet, keys)
    result = ImportResult(problems=list(reader.header_problems), dry_run=dry_run)
    with transaction.atomic():
        batch = BallotBatch(sheet)
        today = timezone.localdate()
        for number, cells in rows:
            if all(c is None or str(c).strip() == "" for c in cells):
                continue  # blank rows between ballots are harmless
            clean = reader.clean_row(number, cells, result.problems)
            if clean is not None and not result.problems:
                batch.add(clean, channel=Ballot.Channel.PAPER, received_on=today)
                if len(batch) >= BATCH_BALLOTS:
                    batch.write()
            result.ballots += 1
            if result.ballots % PROGRESS_EVERY == 0:
                yield result.ballots
        if result.ballots == 0 and not result.problems:
            result.problems.append(RowProblem(None, "-", _("The file holds no ballots (data starts in row 3).")))
        if result.problems or dry_run:
            transaction.set_rollback(True)
            return result
        batch.write()
        PaperImport.objects.create(campaign=group.campaign, group=group, sha256=digest, ballots=result.ballots,
                                   filename=(filename or path.name)[:255], actor_label=actor_parts(actor)[1])
        audit_record(actor=actor, action="ballots.import_paper", obj=group,
                     data={"ballots": result.ballots, "sha256": digest, "forced": bool(previous)})
    return result


class _RowReader:
    """Turns a row of cells into validated answers, reporting problems by row and column key."""

    def __init__(self, sheet: BallotSheet, keys: list[str]):
        self.sheet = sheet
        self.keys = keys
        known = {c.key: c for c in columns(sheet)}
        self.columns = [known.get(k) for k in keys]
        # Residence groups: the row's residence decides which unit columns may be filled.
        self.residence_at = keys.index(RESIDENCE) if sheet.by_residence and RESIDENCE in keys else None
        self.places = {**{p.name: code for code, p in sheet.places.items()}, **{code: code for code in sheet.places}}
        self.header_problems = [RowProblem(None, key or get_column_letter(i + 1), _("Unknown column."))
                                for i, key in enumerate(keys) if key not in known and i != self.residence_at]
        if sheet.by_residence and self.residence_at is None:
            self.header_problems.append(RowProblem(None, RESIDENCE, _("A required column is missing.")))
        seen = set()
        for key in keys:
            if key in seen:
                self.header_problems.append(RowProblem(None, key, _("The column appears twice.")))
            seen.add(key)
        # Where the person lives gives the district: its column may be left out.
        implied = set().union(*(sheet.for_residence(code).implied for code in sheet.places))
        missing = [c.key for c in known.values()
                   if c.unit is None and c.question.required and c.key not in keys and c.key not in implied]
        self.header_problems += [RowProblem(None, key, _("A required column is missing.")) for key in missing]
        # Per question: what a cell may say (label or value, as typed) → the option value.
        self.lookup = {q.key: {**{o.label.strip(): v for v, o in sheet.options[q.key].items()},
                               **{v: v for v in sheet.options[q.key]}} for q in sheet.questions}

    def clean_row(self, number: int, cells: list, problems: list[RowProblem]):
        answers = []
        for column, cell in zip(self.columns, cells, strict=False):  # short rows: the rest is blank
            text = _cell_text(cell)
            if column is None or text == "":
                continue
            answers.append(AnswerIn(column.answer_key, column.unit.code if column.unit else None,
                                    self._value(column.question, text)))
        try:
            return validate_answers(self._row_sheet(cells), answers)
        except BallotInvalid as invalid:
            for error in invalid.errors:
                problems.append(RowProblem(number, self._column_key(error), error.message))
            return None

    def _row_sheet(self, cells: list) -> BallotSheet:
        """The sheet of this row's residence (the whole sheet for other groups); BallotInvalid if unknown."""
        if self.residence_at is None:
            return self.sheet
        text = _cell_text(cells[self.residence_at]) if self.residence_at < len(cells) else ""
        return sheet_for_residence(self.sheet, self.places.get(text, text) or None)

    def _value(self, question: Question, text: str):
        if question.kind in (Question.Kind.GRADE, Question.Kind.CHOICE):
            return self.lookup[question.key].get(text, text)
        if question.kind == Question.Kind.MULTI:
            return [self.lookup[question.key].get(part.strip(), part.strip())
                    for part in MULTI_SEPARATORS.split(text) if part.strip()]
        return text

    def _column_key(self, error) -> str:
        if error.question == RESIDENCE or str(error.question).startswith(COMMITMENT_PREFIX):
            return error.question
        if error.question and error.unit:
            return f"{error.unit}:{error.question}"
        question = self.sheet.by_key.get(error.question)
        return error.question if question is not None and not question.per_unit else "-"


def _cell_text(cell) -> str:
    """A cell as text: integers typed into Excel come back as 5 or 5.0, both mean "5"."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()
