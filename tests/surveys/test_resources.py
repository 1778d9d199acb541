"""Regions, units, census margins and rosters in and out of spreadsheets (django-import-export)."""
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from surveys.models import CensusMargin, Region, RosterEntry, Unit

pytestmark = pytest.mark.django_db


def _write(path, text, encoding="utf-8-sig"):
    path.write_bytes(text.encode(encoding))
    return path


def _refused(*args) -> list[str]:
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_data", *args, stdout=io.StringIO(), stderr=err)
    return err.getvalue().splitlines()


def test_units_with_chinese_headers_and_labels(tmp_path, db):
    Region.objects.create(code="D1", name="甲区", level="district")
    path = _write(tmp_path / "units.csv", "编码,名称,类型,所属区域,上级单位\n"
                                          "SO-01,和平街道办事处,街道办事处,D1,\n"
                                          "CM-01,和平东社区,community,D1,SO-01\n")
    call_command("import_data", "units", str(path), stdout=io.StringIO())
    community = Unit.objects.get(code="CM-01")
    assert community.kind == "community" and community.parent.code == "SO-01" and community.region.code == "D1"
    assert Unit.objects.get(code="SO-01").kind == "street_office" and community.active


def test_english_headers_are_accepted(tmp_path, db):
    path = _write(tmp_path / "regions.csv", "code,name,level,parent,population\nC,民评市,city,,1000\nD1,甲区,district,C,600\n")
    call_command("import_data", "regions", str(path), stdout=io.StringIO())
    assert Region.objects.get(code="D1").parent.code == "C"


def test_every_bad_row_is_reported_with_row_and_column_and_nothing_changes(tmp_path, db):
    Region.objects.create(code="D1", name="甲区", level="district")
    path = _write(tmp_path / "units.csv", "编码,名称,类型,所属区域\n"
                                          "OK-1,好单位,window,D1\n"
                                          "X-1,新单位,窗口,NOPE\n"
                                          "X-2,,walrus,D1\n")
    problems = _refused("units", str(path))
    assert "第 3 行，类型 列：“窗口”不是以下取值之一" in problems[0]
    assert any(p.startswith("第 3 行，所属区域 列：") and "NOPE" in p for p in problems)
    assert any(p.startswith("第 4 行，名称 列：") for p in problems)
    assert any(p.startswith("第 4 行，类型 列：") for p in problems)
    assert not Unit.objects.exists()


def test_round_trip_export_then_import_gives_the_same_units(tmp_path, db):
    Region.objects.create(code="D1", name="甲区", level="district")
    Unit.objects.create(code="W-1", name="窗口甲", kind="window", region=Region.objects.get())
    Unit.objects.create(code="W-2", name="窗口乙", kind="window", active=False)
    for suffix in ("xlsx", "csv"):
        out = tmp_path / f"units.{suffix}"
        call_command("export_data", "units", "--out", str(out), stdout=io.StringIO())
        before = list(Unit.objects.order_by("code").values("code", "name", "kind", "region__code", "active"))
        Unit.objects.all().delete()
        call_command("import_data", "units", str(out), stdout=io.StringIO())
        assert list(Unit.objects.order_by("code").values("code", "name", "kind", "region__code", "active")) == before


def test_english_export_headers(tmp_path, db):
    out = tmp_path / "units.csv"
    call_command("export_data", "units", "--english", "--out", str(out), stdout=io.StringIO())
    assert out.read_text(encoding="utf-8-sig").splitlines()[0] == "code,name,kind,region,parent,active"


def test_census_margins_only_while_the_campaign_is_a_draft(tmp_path, campaign):
    path = _write(tmp_path / "m.csv", f"评议活动,变量,取值,人口\n{campaign.slug},age,60+,70000\n"
                                      f"{campaign.slug},age,35-59,140000\n")
    call_command("import_data", "margins", str(path), stdout=io.StringIO())
    assert CensusMargin.objects.get(campaign=campaign, variable="age", level="60+").population == 70000
    from surveys.services import campaign_set_status

    campaign_set_status(campaign=campaign, status="open", actor="tests")
    path = _write(tmp_path / "m2.csv", f"评议活动,变量,取值,人口\n{campaign.slug},age,60+,1\n")
    assert any("第 2 行" in p for p in _refused("margins", str(path)))
    assert CensusMargin.objects.get(campaign=campaign, variable="age", level="60+").population == 70000


def test_roster_import_updates_people_by_name(tmp_path, campaign):
    path = _write(tmp_path / "r.csv", f"评议活动,评议主体,姓名,工作单位,联系方式\n{campaign.slug},delegates,张三,市人大,138\n")
    call_command("import_data", "roster", str(path), stdout=io.StringIO())
    path = _write(tmp_path / "r2.csv", f"campaign,group,name,organization,contact\n{campaign.slug},delegates,张三,市人大,139\n")
    call_command("import_data", "roster", str(path), stdout=io.StringIO())
    assert RosterEntry.objects.get().contact == "139"
    bad = _write(tmp_path / "r3.csv", f"评议活动,评议主体,姓名\n{campaign.slug},nobody,李四\n")
    assert any("nobody" in p for p in _refused("roster", str(bad)))


def test_dry_run_and_unreadable_files(tmp_path, db):
    path = _write(tmp_path / "regions.csv", "编码,名称,层级\nD1,甲区,区\n")
    call_command("import_data", "regions", str(path), "--dry-run", stdout=io.StringIO())
    assert not Region.objects.exists()
    _write(tmp_path / "bad.xlsx", "not a workbook")
    assert _refused("regions", str(tmp_path / "bad.xlsx")) == [] or not Region.objects.exists()


def test_admin_import_screens_open_for_staff(client, staff):
    client.force_login(staff)
    for model in ("region", "unit", "censusmargin", "rosterentry"):
        assert client.get(reverse(f"admin:surveys_{model}_import")).status_code == 200, model
