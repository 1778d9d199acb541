"""Reading and writing tables (XLSX and CSV) for the import/export commands and screens, and the
row-by-row problems of a django-import-export result in the user's language."""
from pathlib import Path

import tablib
from django.utils.translation import gettext as _


class TableError(Exception):
    pass


def decode_text(raw: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without BOM), else GB18030, as Excel in China saves it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(_("The CSV file is neither UTF-8 nor GB18030 text."))


def load_dataset(path: Path) -> tablib.Dataset:
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            return tablib.Dataset().load(path.read_bytes(), format="xlsx")
        if suffix == ".csv":
            return tablib.Dataset().load(decode_text(path.read_bytes()), format="csv")
    except TableError:
        raise
    except Exception as error:  # tablib and openpyxl raise many kinds for a broken file
        raise TableError(_("The file cannot be read: %(error)s") % {"error": error}) from None
    raise TableError(_("Unsupported file type “%(suffix)s”: use .xlsx or .csv.") % {"suffix": suffix})


def import_problems(result, column_names: dict[str, str]) -> list[str]:
    """Every row error of an import-export Result as "row N, column C: message" (file rows, header = 1)."""
    problems = [_("file: %(message)s") % {"message": error.error} for error in result.base_errors]
    for number, errors in result.row_errors():
        for error in errors:
            problems.append(_("row %(row)d: %(message)s") % {"row": number + 1, "message": error.error})
    for invalid in result.invalid_rows:
        for column, messages in invalid.error_dict.items():
            for message in messages:
                problems.append(_("row %(row)d, column %(column)s: %(message)s")
                                % {"row": invalid.number + 1, "column": column_names.get(column, column),
                                   "message": message})
    return problems


def write_dataset(dataset: tablib.Dataset, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        path.write_bytes(dataset.export("xlsx"))
    elif suffix == ".csv":
        path.write_text(dataset.export("csv"), encoding="utf-8-sig")
    else:
        raise TableError(_("Unsupported file type “%(suffix)s”: use .xlsx or .csv.") % {"suffix": suffix})
