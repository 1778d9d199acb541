"""A residence group's ballot: the units where the person lives, on the page, in the API and on paper.

The three channels share `sheet_for_residence` and `validate_answers`; each test here checks one
rule on all three, so a channel that skipped the shared path would fail it.
"""
import pytest
from django.core.cache import cache

from surveys.ballots import ballots_settle, cached_ballot_sheet, sheet_for_residence
from surveys.models import Ballot, BallotUnitScore, PendingBallot, SpentTag
from surveys.paper import import_paper_ballots
from surveys.services import invitations_issue

from .conftest import resident_answers, stored_ballots
from .test_ballot_pages import confirm, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture
def code(by_residence):
    return invitations_issue(group=by_residence, count=1, actor="tests")[0]


def api_post(client, code, answers, residence="C1"):
    body = {"answers": answers, **({"residence": residence} if residence is not None else {})}
    return client.post(f"/api/v1/ballots/{code}/", body, content_type="application/json")


def paper_file(tmp_path, rows: list[dict]):
    """A CSV of paper ballots: the keys row, a labels row, then one row per ballot."""
    keys = sorted({key for row in rows for key in row})
    lines = [",".join(keys), ",".join(keys)] + [",".join(str(row.get(k, "")) for k in keys) for row in rows]
    path = tmp_path / "paper.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def paper_row(answers: list[dict], residence="C1") -> dict:
    row = {f"{a['unit']}:{a['question']}" if a["unit"] else a["question"]: a["value"] for a in answers}
    return {**row, "residence": residence} if residence is not None else row


def import_rows(group, tmp_path, rows):
    return import_paper_ballots(group=group, path=paper_file(tmp_path, rows), actor="tests")


class TestPlaces:
    def test_each_community_gets_its_street_office_itself_and_the_city_wide_units(self, by_residence):
        places = cached_ballot_sheet(by_residence.id).places
        assert {code: sorted(p.unit_codes) for code, p in places.items()} == {
            "C1": ["CM-1", "SO-1", "W-1"], "C2": ["CM-2", "SO-1", "W-1"], "C3": ["CM-3", "SO-2", "W-1"]}
        assert places["C1"].label == "甲区 · 和平街道 · 东社区"

    def test_a_group_of_scope_all_ignores_residence(self, residents):
        sheet = cached_ballot_sheet(residents.id)
        assert sheet_for_residence(sheet, "C1") is sheet and not sheet.needs_residence


class TestPage:
    def test_the_ballot_first_asks_where_you_live_district_street_community(self, client, code):
        url = f"/b/{code}/"
        first = client.get(url)
        assert first.status_code == 200 and first.context["level"] == "您住在哪个区？"
        assert [c["region"].code for c in first.context["choices"]] == ["D1", "D2"]
        assert 'href="?place=D1"' in first.content.decode()
        streets = client.get(url, {"place": "D1"})
        assert [c["region"].code for c in streets.context["choices"]] == ["S1"]
        communities = client.get(url, {"place": "S1"}).content.decode()
        assert 'href="?residence=C1"' in communities and 'href="?residence=C2"' in communities
        assert "南社区" not in communities

    def test_a_resident_sees_only_the_units_where_they_live(self, client, code):
        page = client.get(f"/b/{code}/", {"residence": "C1"})
        assert [row.unit.code for row in page.context["rows"]] == ["CM-1", "SO-1", "W-1"]
        body = page.content.decode()
        assert "西社区" not in body and "人民街道办事处" not in body
        # The district comes from where they live: it is not asked again.
        assert 'name="q:district"' not in body and 'name="residence" value="C1"' in body

    def test_the_residence_gives_the_district_answer_the_weighting_uses(self, client, code):
        response = confirm(client, f"/b/{code}/", resident_answers(), residence="C1")
        assert response.status_code == 303
        ballots_settle(min_batch=1)
        ballot = Ballot.objects.get()
        assert ballot.profile["district"] == "D1"
        assert set(BallotUnitScore.objects.values_list("unit__code", flat=True)) == {"CM-1", "SO-1", "W-1"}

    def test_a_unit_outside_the_residence_is_refused_by_name(self, client, code):
        answers = resident_answers(units=("SO-1", "CM-2"))
        response = client.post(f"/b/{code}/", {**form_data(answers), "residence": "C1", "step": "confirm"})
        assert response.status_code == 400
        assert any("西社区" in e["message"] and "东社区" in e["message"] for e in response.context["error_summary"])
        assert stored_ballots() == 0 and not SpentTag.objects.exists()

    def test_without_a_residence_the_picker_comes_back(self, client, code):
        response = client.post(f"/b/{code}/", {**form_data(resident_answers()), "step": "confirm"})
        assert response.status_code == 400 and response.context["missing"] and stored_ballots() == 0


class TestApi:
    def test_get_lists_the_units_per_residence(self, client, code):
        body = client.get(f"/api/v1/ballots/{code}/").json()
        assert body["unit_scope"] == "residence" and body["residence"] is None
        c1 = next(p for p in body["residences"] if p["code"] == "C1")
        assert c1["path"] == ["甲区", "和平街道", "东社区"] and sorted(c1["units"]) == ["CM-1", "SO-1", "W-1"]

    def test_get_with_a_residence_lists_only_its_units(self, client, code):
        body = client.get(f"/api/v1/ballots/{code}/", {"residence": "C3"}).json()
        assert [u["code"] for u in body["units"]] == ["CM-3", "SO-2", "W-1"] and "residences" not in body
        assert client.get(f"/api/v1/ballots/{code}/", {"residence": "X9"}).status_code == 400

    def test_post_refuses_a_unit_outside_the_residence_with_a_400_naming_it(self, client, code):
        response = api_post(client, code, resident_answers(units=("SO-1", "CM-3")))
        assert response.status_code == 400
        (error,) = response.json()["errors"]
        assert error["unit"] == "CM-3" and "南社区" in error["message"]
        assert stored_ballots() == 0

    def test_post_without_or_with_an_unknown_residence_is_refused(self, client, code):
        for residence in (None, "X9"):
            response = api_post(client, code, resident_answers(), residence=residence)
            assert response.status_code == 400 and response.json()["errors"][0]["question"] == "residence"
        assert stored_ballots() == 0

    def test_a_contradicting_district_is_refused(self, client, code):
        answers = resident_answers() + [{"question": "district", "unit": None, "value": "D2"}]
        response = api_post(client, code, answers)
        assert response.status_code == 400 and response.json()["errors"][0]["question"] == "district"

    def test_a_valid_resident_ballot_is_cast(self, client, code):
        assert api_post(client, code, resident_answers()).status_code == 201
        assert PendingBallot.objects.count() == 1


class TestPaper:
    def test_the_rows_residence_decides_which_unit_columns_may_be_filled(self, by_residence, tmp_path):
        rows = [paper_row(resident_answers()), paper_row(resident_answers(units=("SO-2", "CM-3")), residence="C3"),
                paper_row(resident_answers(units=("SO-1", "CM-3")), residence="C1")]
        result = import_rows(by_residence, tmp_path, rows)
        assert [(p.row, p.column) for p in result.problems] == [(5, "CM-3:overall")]
        assert "南社区" in result.problems[0].message and Ballot.objects.count() == 0

    def test_a_row_without_a_residence_is_refused(self, by_residence, tmp_path):
        rows = [paper_row(resident_answers()), paper_row(resident_answers(), residence="")]
        result = import_rows(by_residence, tmp_path, rows)
        assert [(p.row, p.column) for p in result.problems] == [(4, "residence")]

    def test_a_file_without_the_residence_column_is_refused(self, by_residence, tmp_path):
        result = import_rows(by_residence, tmp_path, [paper_row(resident_answers(), residence=None)])
        assert any(p.column == "residence" and p.row is None for p in result.problems)

    def test_valid_rows_are_imported_with_their_district(self, by_residence, tmp_path):
        rows = [paper_row(resident_answers()), paper_row(resident_answers(units=("SO-2", "CM-3")), residence="南社区")]
        result = import_rows(by_residence, tmp_path, rows)
        assert result.ok and result.ballots == 2
        assert sorted(Ballot.objects.values_list("profile__district", flat=True)) == ["D1", "D2"]


def test_the_fill_in_workbook_of_a_residence_group_starts_with_the_residence(by_residence):
    from surveys.paper import ballot_template

    workbook = ballot_template(by_residence)
    keys = [cell.value for cell in workbook.worksheets[0][1]]
    assert keys[0] == "residence" and "district" in keys
    instructions = "\n".join(str(row[0].value) for row in workbook.worksheets[1].iter_rows())
    assert "C1  甲区 · 和平街道 · 东社区: CM-1、SO-1、W-1" in instructions
