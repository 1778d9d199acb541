"""Tables in and out: XLSX and CSV as Excel in China writes them, clear errors for anything else,
and import problems named by file row and column."""
import pytest
import tablib
from django.utils import translation

from minping.lib.tabular import TableError, decode_text, import_problems, load_dataset, write_dataset
from surveys.resources import RegionResource


def _dataset() -> tablib.Dataset:
    return tablib.Dataset(("C", "民评市", 1000), ("D1", "甲区", 600), headers=("编码", "名称", "人口"))


def test_csv_text_in_utf8_with_or_without_bom_and_in_gb18030():
    text = "编码,名称\nD1,甲区\n"
    assert decode_text(text.encode("utf-8")) == text
    assert decode_text(text.encode("utf-8-sig")) == text
    assert decode_text(text.encode("gb18030")) == text


def test_bytes_in_neither_encoding_are_refused_in_the_users_language():
    with translation.override("zh-hans"), pytest.raises(TableError) as refused:
        decode_text(b"\xff\xfe\x00\x81\x30")
    assert "GB18030" in str(refused.value) and "UTF-8" in str(refused.value)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".CSV"])
def test_written_tables_read_back_the_same(tmp_path, suffix):
    path = tmp_path / f"regions{suffix}"
    write_dataset(_dataset(), path)
    loaded = load_dataset(path)
    assert loaded.headers == ["编码", "名称", "人口"]
    assert [[str(v) for v in row] for row in loaded] == [["C", "民评市", "1000"], ["D1", "甲区", "600"]]


def test_csv_is_written_with_a_bom_so_excel_reads_it_as_utf8(tmp_path):
    write_dataset(_dataset(), tmp_path / "regions.csv")
    assert (tmp_path / "regions.csv").read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("action", ["load", "write"])
def test_other_file_types_are_refused_naming_the_suffix(tmp_path, action):
    path = tmp_path / "regions.ods"
    path.write_bytes(b"x")
    with translation.override("en"), pytest.raises(TableError, match=r"“\.ods”.*\.xlsx or \.csv"):
        load_dataset(path) if action == "load" else write_dataset(_dataset(), path)


def test_a_broken_workbook_is_refused_with_the_readers_reason(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with translation.override("en"), pytest.raises(TableError, match="cannot be read"):
        load_dataset(path)


@pytest.mark.django_db
def test_import_problems_name_the_file_row_and_the_column_header():
    dataset = tablib.Dataset(("C", "民评市", "city", "", "1000"), ("D1", "", "planet", "C", "600"),
                             headers=("编码", "名称", "层级", "上级区域", "人口"))
    resource = RegionResource()
    result = resource.import_data(dataset, dry_run=True, raise_errors=False)
    with translation.override("en"):
        problems = import_problems(result, resource.column_names())
    # Row 3 of the file: the header is row 1, the good region row 2.
    assert problems and all(p.startswith("row 3, column ") for p in problems)
    assert {p.split(":")[0] for p in problems} == {"row 3, column 层级", "row 3, column 名称"}
    assert any("“planet”" in p for p in problems)
