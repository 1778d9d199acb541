"""Paper ballots: the fill-in workbook, validated all-or-nothing imports, exports, round trips."""
import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from jobs.models import Job
from surveys import paper
from surveys.models import Answer, AuditEvent, Ballot, BallotUnitScore, PaperImport

pytestmark = pytest.mark.django_db


def _template(tmp_path: Path, group: str = "residents") -> Path:
    out = tmp_path / "template.xlsx"
    call_command("ballot_template", "open-2026", "--group", group, "--out", str(out), stdout=io.StringIO())
    return out


def _fill(template: Path, rows: list[dict], out: Path) -> Path:
    """Type ballots into the template (cells by column key), as a clerk would."""
    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    keys = [c.value for c in sheet[1]]
    for row in rows:
        sheet.append([row.get(key) for key in keys])
    workbook.save(out)
    return out


def _csv(tmp_path: Path, keys: list[str], rows: list[list], encoding="utf-8-sig", name="ballots.csv") -> Path:
    out = tmp_path / name
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(keys)
    writer.writerow(["label"] * len(keys))
    writer.writerows(rows)
    out.write_bytes(buffer.getvalue().encode(encoding))
    return out


def _units(group) -> list[str]:
    return list(group.units.order_by("code").values_list("code", flat=True))


def _import(path: Path, *extra, group="residents"):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_ballots", "open-2026", "--group", group, str(path), *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _import_refused(path: Path, *extra, group="residents") -> list[str]:
    """Run an import that must fail; the problems it listed, one a line."""
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_ballots", "open-2026", "--group", group, str(path), *extra,
                     stdout=io.StringIO(), stderr=err)
    return [line for line in err.getvalue().splitlines() if line.strip()]


class TestTemplate:
    def test_key_row_label_row_and_drop_downs(self, tmp_path, residents):
        workbook = load_workbook(_template(tmp_path))
        sheet = workbook.worksheets[0]
        keys = [c.value for c in sheet[1]]
        units = _units(residents)
        assert keys[:5] == ["district", "age", "sex", "recommend", "channels"]
        assert keys[5:5 + 6] == [f"{units[0]}:{q}" for q in
                                 ("overall", "attitude", "efficiency", "lawful", "integrity", "conduct")]
        assert keys[5 + 6] == f"{units[0]}:unit_comment"   # a comment about the unit, after its grades
        assert keys[-1] == "comments" and len(keys) == 3 + 2 + len(units) * 7 + 1  # + recommend, channels
        labels = [c.value for c in sheet[2]]
        assert labels[0].startswith("您居住的区") and "总体满意度" in labels[5]
        lists = {rng: v.formula1 for v in sheet.data_validations.dataValidation for rng in v.sqref.ranges}
        assert any("非常满意,满意,基本满意,不满意,非常不满意" in f for f in lists.values())
        assert workbook.sheetnames[1] == "填写说明"

    def test_refuses_a_non_xlsx_name(self, tmp_path, residents):
        with pytest.raises(CommandError):
            call_command("ballot_template", "open-2026", "--group", "residents", "--out", str(tmp_path / "t.csv"))


class TestImport:
    def test_labels_values_and_blanks_import_as_paper_ballots(self, tmp_path, residents):
        u1, u2 = _units(residents)
        rows = [
            {"district": "甲区", "age": "60 岁及以上", "sex": "女", f"{u1}:overall": "满意", f"{u1}:attitude": "5",
             "channels": "电视；亲身办事", "comments": "希望多开窗口"},
            {"district": "D2", "age": "18-34", "sex": "M", f"{u2}:overall": 3, "recommend": 7},
        ]
        path = _fill(_template(tmp_path), rows, tmp_path / "filled.xlsx")
        out, _err = _import(path)
        assert "2" in out
        assert Ballot.objects.filter(channel="paper").count() == 2
        first = Ballot.objects.get(profile__age="60+")
        assert first.profile == {"district": "D1", "age": "60+", "sex": "F"}
        assert Answer.objects.get(ballot=first, question__key="channels").choices == ["c0", "c2"]
        assert BallotUnitScore.objects.get(ballot=first).score == pytest.approx((0.5 * 80 + 0.1 * 100) / 0.6)
        second = Ballot.objects.get(profile__age="18-34")
        assert Answer.objects.get(ballot=second, question__key="recommend").number == 7
        assert BallotUnitScore.objects.get(ballot=second).score == 60
        event = AuditEvent.objects.get(action="ballots.import_paper")
        assert event.data["ballots"] == 2 and event.data["forced"] is False

    def test_ten_kinds_of_errors_are_each_reported_with_row_and_column_and_nothing_is_imported(self, tmp_path, residents):
        u1, u2 = _units(residents)
        keys = ["district", "age", "sex", f"{u1}:overall", f"{u1}:attitude", f"{u2}:overall", "recommend",
                "channels", "comments"]
        good = ["D1", "35-59", "M", "4", "", "", "", "", ""]
        bad = {
            3: ("district", "火星区"),             # not an option
            4: ("age", ""),                        # required profile answer missing
            5: ("sex", "男女"),                    # not an option
            6: (f"{u1}:overall", "很满意"),        # a label that does not exist
            7: (f"{u1}:attitude", "6"),            # a value that does not exist
            8: ("recommend", "11"),                # scale out of range
            9: ("recommend", "七"),                # scale not a number
            10: ("channels", "电视;广播"),         # an unknown option among several
            11: ("comments", "长" * 1001),         # text too long
            12: (f"{u1}:overall", ""),             # rated a unit (attitude) without the required overall grade
        }
        rows = []
        for number in range(3, 13):
            row = list(good)
            key, value = bad[number]
            row[keys.index(key)] = value
            if number == 12:
                row[keys.index(f"{u1}:attitude")] = "4"
            rows.append(row)
        path = _csv(tmp_path, keys, rows)
        problems = _import_refused(path)
        for number, (key, _value) in bad.items():
            expected_column = key
            assert any(line.startswith(f"第 {number} 行，{expected_column} 列：") for line in problems), (number, problems)
        assert Ballot.objects.count() == 0 and Answer.objects.count() == 0 and PaperImport.objects.count() == 0

    def test_unknown_and_missing_columns_are_reported(self, tmp_path, residents):
        u1, _u2 = _units(residents)
        path = _csv(tmp_path, ["district", "sex", f"{u1}:overall", "favourite_colour"], [["D1", "M", "4", "red"]])
        problems = _import_refused(path)
        assert any("favourite_colour" in p for p in problems) and any("age" in p for p in problems)
        assert Ballot.objects.count() == 0

    def test_the_same_file_twice_is_refused_unless_forced(self, tmp_path, residents):
        u1, _u2 = _units(residents)
        path = _csv(tmp_path, ["district", "age", "sex", f"{u1}:overall"], [["D1", "60+", "F", "5"]])
        _import(path)
        with pytest.raises(CommandError, match="--force"):
            _import(path)
        assert Ballot.objects.count() == 1
        _import(path, "--force")
        assert Ballot.objects.count() == 2
        assert AuditEvent.objects.filter(action="ballots.import_paper", data__forced=True).count() == 1

    def test_dry_run_checks_and_imports_nothing(self, tmp_path, residents):
        u1, _u2 = _units(residents)
        path = _csv(tmp_path, ["district", "age", "sex", f"{u1}:overall"], [["D1", "60+", "F", "5"]] * 3)
        out, _err = _import(path, "--dry-run")
        assert "3" in out and Ballot.objects.count() == 0 and PaperImport.objects.count() == 0

    def test_gb18030_csv_from_excel_is_read(self, tmp_path, residents):
        u1, _u2 = _units(residents)
        path = _csv(tmp_path, ["district", "age", "sex", f"{u1}:overall"], [["甲区", "60+", "女", "非常满意"]],
                    encoding="gb18030")
        _import(path)
        assert Ballot.objects.get().profile["district"] == "D1"

    def test_a_closed_campaign_accepts_paper_ballots_a_scored_one_does_not(self, tmp_path, residents):
        from surveys.models import Campaign

        u1, _u2 = _units(residents)
        path = _csv(tmp_path, ["district", "age", "sex", f"{u1}:overall"], [["D1", "60+", "F", "5"]])
        Campaign.objects.filter(pk=residents.campaign_id).update(status="scored")
        assert _import_refused(path)
        Campaign.objects.filter(pk=residents.campaign_id).update(status="closed")
        _import(path)
        assert Ballot.objects.count() == 1

    def test_unsupported_or_missing_file(self, tmp_path, residents):
        (tmp_path / "x.txt").write_text("hello")
        with pytest.raises(CommandError):
            _import(tmp_path / "x.txt")
        with pytest.raises(CommandError):
            _import(tmp_path / "missing.csv")


class TestExportRoundTrip:
    def test_export_gives_back_what_was_imported(self, tmp_path, residents):
        u1, u2 = _units(residents)
        keys = ["district", "age", "sex", f"{u1}:overall", f"{u1}:attitude", f"{u2}:overall", "comments"]
        rows = [["D1", "60+", "F", "5", "", "", "谢谢"], ["D2", "35-59", "M", "", "", "非常不满意", ""],
                ["D1", "18-34", "M", "3", "4", "4", ""]]
        _import(_csv(tmp_path, keys, rows))
        out = tmp_path / "export.csv"
        call_command("export_ballots", "open-2026", "--group", "residents", "--out", str(out), stdout=io.StringIO())
        exported = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
        assert len(exported) == 3 and "comments" not in exported[0]
        scores = {"5": 100.0, "4": 80.0, "3": 60.0, "非常不满意": 0.0}
        by_profile = {(r["district"], r["age"], r["sex"]): r for r in exported}
        for row in rows:
            got = by_profile[tuple(row[:3])]
            assert got["channel"] == "paper"
            for key, value in zip(keys[3:6], row[3:6], strict=True):
                assert (float(got[key]) if got[key] else None) == (scores[value] if value else None)
        third = by_profile[("D1", "18-34", "M")]
        assert float(third[f"score:{u1}"]) == pytest.approx((0.5 * 60 + 0.1 * 80) / 0.6)
        codebook = (tmp_path / "export.codebook.csv").read_text(encoding="utf-8-sig")
        assert "非常满意" in codebook and "score:<unit>" in codebook

    def test_comments_only_in_staff_exports(self, tmp_path, residents):
        u1, _u2 = _units(residents)
        _import(_csv(tmp_path, ["district", "age", "sex", f"{u1}:overall", "comments"], [["D1", "60+", "F", "5", "秘密意见"]]))
        public, staff = tmp_path / "public.xlsx", tmp_path / "staff.xlsx"
        call_command("export_ballots", "open-2026", "--group", "residents", "--out", str(public), stdout=io.StringIO())
        call_command("export_ballots", "open-2026", "--group", "residents", "--out", str(staff), "--with-comments",
                     stdout=io.StringIO())

        def cells(path):
            workbook = load_workbook(path, read_only=True)
            return [v for row in workbook.worksheets[0].iter_rows(values_only=True) for v in row]
        assert "秘密意见" not in cells(public) and "秘密意见" in cells(staff)
        assert load_workbook(public, read_only=True).sheetnames == ["评议票", "编码表"]


class TestAdminUpload:
    URL = "/admin/surveys/paperimport/upload/"

    def _file(self, tmp_path, residents, rows):
        u1, _u2 = _units(residents)
        return _csv(tmp_path, ["district", "age", "sex", f"{u1}:overall"], rows)

    def _check(self, client, path, residents) -> Job:
        """Upload: the check runs as a background job (at once under the test settings)."""
        with path.open("rb") as handle:
            response = client.post(self.URL, {"group": residents.pk, "file": handle})
        job = Job.objects.order_by("-created_at").first()
        assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
        return job

    def test_check_then_confirm_imports_the_checked_file(self, client, staff, tmp_path, residents,
                                                          django_capture_on_commit_callbacks):
        client.force_login(staff)
        path = self._file(tmp_path, residents, [["D1", "60+", "F", "5"], ["D2", "18-34", "M", "满意"]])
        check = self._check(client, path, residents)
        assert check.status == Job.Status.SUCCEEDED and check.result["ok"]
        assert Ballot.objects.count() == 0  # checking imports nothing
        page = client.get(reverse("jobs:detail", args=[check.pk])).content.decode()
        assert check.result["message"] in page and "2" in check.result["message"]
        assert check.result["confirm"]["token"] in page and 'name="confirm"' in page
        with django_capture_on_commit_callbacks(execute=True):
            confirmed = client.post(self.URL, {"confirm": "1", "token": check.result["confirm"]["token"]}, follow=True)
        imported = Job.objects.order_by("-created_at").first()
        assert imported.status == Job.Status.SUCCEEDED and "已导入 2 张纸质评议票" in confirmed.content.decode()
        assert Ballot.objects.filter(channel="paper").count() == 2
        assert PaperImport.objects.get().filename == "ballots.csv"
        assert not paper.upload_storage().listdir("paper")[1]   # the imported file is not kept

    def test_a_checked_file_waits_in_the_shared_upload_storage_not_on_a_servers_disk(
            self, client, staff, tmp_path, residents, settings):
        """A confirm reaching another app server (or a worker elsewhere) finds the file: it lives in
        the `uploads` storage, here moved to another folder, and the job reads it from there."""
        other = tmp_path / "shared-bucket"
        settings.STORAGES = {**settings.STORAGES, "uploads": {**settings.STORAGES["uploads"],
                                                               "OPTIONS": {"location": str(other)}}}
        client.force_login(staff)
        check = self._check(client, self._file(tmp_path, residents, [["D1", "60+", "F", "5"]]), residents)
        assert [p.name for p in (other / "paper").iterdir()] and check.result["ok"]
        client.post(self.URL, {"confirm": "1", "token": check.result["confirm"]["token"]})
        assert Ballot.objects.filter(channel="paper").count() == 1

    def test_problems_are_listed_and_no_confirm_is_offered(self, client, staff, tmp_path, residents,
                                                            django_capture_on_commit_callbacks):
        client.force_login(staff)
        path = self._file(tmp_path, residents, [["D1", "60+", "F", "5"], ["D9", "60+", "F", "5"]])
        with django_capture_on_commit_callbacks(execute=True):
            check = self._check(client, path, residents)
        body = client.get(reverse("jobs:detail", args=[check.pk])).content.decode()
        assert not check.result["ok"] and "第 4 行，district 列" in body and 'name="confirm"' not in body
        assert Ballot.objects.count() == 0
        assert not paper.upload_storage().listdir("paper")[1]   # a refused file is not kept

    def test_a_file_imported_meanwhile_fails_the_import_job_and_imports_nothing_twice(
            self, client, staff, tmp_path, residents):
        client.force_login(staff)
        path = self._file(tmp_path, residents, [["D1", "60+", "F", "5"]])
        first, second = self._check(client, path, residents), self._check(client, path, residents)
        client.post(self.URL, {"confirm": "1", "token": first.result["confirm"]["token"]})
        client.post(self.URL, {"confirm": "1", "token": second.result["confirm"]["token"]})
        failed = Job.objects.order_by("-created_at").first()
        assert failed.status == Job.Status.FAILED and "已" in failed.error
        assert Ballot.objects.count() == 1

    def test_a_forged_token_imports_nothing(self, client, staff, residents):
        client.force_login(staff)
        response = client.post(self.URL, {"confirm": "1", "token": "forged"}, follow=True)
        assert "过期" in response.content.decode() and Ballot.objects.count() == 0

    def test_unit_contacts_cannot_import(self, client, staff_flagged_contact, residents):
        client.force_login(staff_flagged_contact)
        assert client.get(self.URL).status_code == 403
