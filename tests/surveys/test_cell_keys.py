"""Every score row points at its ballot's weighting cell (DESIGN.md §4), on every write path:
online casting through the API, paper imports, the demo seeder, and the migrations that filled
the rows written before cells were stored."""
import csv
import io
import uuid

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db.models import F

from surveys.ballots import CELL_SEPARATOR, ballots_settle, cell_ids, cell_key, cell_levels
from surveys.models import Ballot, BallotUnitScore, Campaign, WeightingCell
from surveys.services import invitations_issue

from .conftest import valid_answers

pytestmark = pytest.mark.django_db

SEP = CELL_SEPARATOR


def _cells(**filters) -> set[str]:
    return set(BallotUnitScore.objects.filter(**filters).values_list("cell__key", flat=True))


def test_cell_key_joins_the_design_keys_in_order_and_reads_back():
    profile = {"sex": "F", "district": "D1", "age": "60+", "other": "x"}
    assert cell_key(["district", "age", "sex"], profile) == f"D1{SEP}60+{SEP}F"
    assert cell_key(["sex"], profile) == "F"
    assert cell_key([], profile) == ""
    assert cell_key(["district", "age"], {"district": "D2"}) == f"D2{SEP}"  # unanswered: empty part
    # Read back as `profile->>key` gives them: None for an unanswered key, () for no design.
    assert cell_levels(f"D1{SEP}60+{SEP}F", 3) == ("D1", "60+", "F")
    assert cell_levels(f"D2{SEP}", 2) == ("D2", None)
    assert cell_levels("", 1) == (None,)
    assert cell_levels("", 0) == ()
    # A key of another width stays that width, so it matches no cell of the current design.
    assert len(cell_levels(f"D1{SEP}F", 3)) == 2 and cell_levels("D1", 0) == ("D1",)


def test_a_ballot_cast_through_the_api_stores_its_cell(client, residents):
    cache.clear()  # rate limits
    code = invitations_issue(group=residents, count=1, actor="tests")[0]
    response = client.post(f"/api/v1/ballots/{code}/", {"answers": valid_answers(residents)},
                           content_type="application/json")
    assert response.status_code == 201 and ballots_settle(min_batch=1) == 1
    ballot = Ballot.objects.get()
    assert residents.design_keys() == ["district", "age", "sex"]
    assert _cells(ballot=ballot) == {f"D1{SEP}60+{SEP}F"}
    assert BallotUnitScore.objects.filter(ballot=ballot).count() == residents.units.count()


def test_a_paper_import_stores_each_ballots_cell(tmp_path, residents):
    u1, u2 = residents.units.order_by("code").values_list("code", flat=True)
    keys = ["district", "age", "sex", f"{u1}:overall", f"{u2}:overall"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([keys, ["label"] * len(keys), ["D2", "18-34", "M", "3", ""], ["甲区", "60 岁及以上", "女", "", "5"]])
    path = tmp_path / "paper.csv"
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    call_command("import_ballots", "open-2026", "--group", "residents", str(path), stdout=io.StringIO())
    rows = set(BallotUnitScore.objects.filter(ballot__channel="paper").values_list("unit__code", "cell__key"))
    assert rows == {(u1, f"D2{SEP}18-34{SEP}M"), (u2, f"D1{SEP}60+{SEP}F")}


def test_the_seeder_stores_the_cells_of_each_groups_design():
    from surveys.demo import seed_demo

    result = seed_demo(ballots=400, base_url="http://testserver")
    groups = {g.key: g for g in result.campaign.groups.all()}
    assert groups["residents"].design_keys() == ["district", "age", "sex"]
    for key, group in groups.items():
        design = group.design_keys()
        rows = BallotUnitScore.objects.filter(group=group).values_list("cell__key", "ballot__profile")
        assert rows, key
        assert all(cell == cell_key(design, profile) for cell, profile in rows), key
    assert _cells(group=groups["delegates"]) == {""}  # an unweighted group: one cell
    assert all(len(c.split(SEP)) == 3 for c in _cells(group=groups["residents"]))


def test_the_migrations_fill_and_link_the_cells_of_existing_rows(transactional_db):
    """Unapply the cell migrations on a database that holds score rows, then apply them again:
    0005 computes each ballot's key from its profile, 0007/0008 turn keys into WeightingCell links."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from tests.factories import CampaignFactory

    campaign = CampaignFactory.ready()
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.OPEN)
    residents, delegates = campaign.groups.get(key="residents"), campaign.groups.get(key="delegates")
    unit, organ = residents.units.order_by("code").first(), delegates.units.order_by("code").first()
    blank = {group.pk: cell_ids(group.pk, [""])[""] for group in (residents, delegates)}  # as before 0005
    profiles = [{"district": "D1", "age": "60+", "sex": "F"}, {"district": "D2", "age": "18-34", "sex": "M"},
                {"district": "D2", "sex": "M"}]  # the last lacks an answer the design needs
    for profile in profiles:
        ballot = Ballot.objects.create(campaign=campaign, group=residents, channel="online",
                                       received_on="2026-03-01", profile=profile)
        BallotUnitScore.objects.create(ballot=ballot, group=residents, unit=unit, score=80, cell_id=blank[residents.pk])
    other = Ballot.objects.create(id=uuid.uuid4(), campaign=campaign, group=delegates, channel="online",
                                  received_on="2026-03-01", profile={"district": "D1"})
    BallotUnitScore.objects.create(ballot=other, group=delegates, unit=organ, score=60, cell_id=blank[delegates.pk])
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("surveys", "0003_paper_imports_and_roster")])
    finally:  # forward again, to the latest state, for this test and the ones that follow
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    got = dict(BallotUnitScore.objects.filter(group=residents).values_list("ballot__profile__age", "cell__key"))
    assert got == {"60+": f"D1{SEP}60+{SEP}F", "18-34": f"D2{SEP}18-34{SEP}M", None: f"D2{SEP}{SEP}M"}
    assert _cells(group=delegates) == {""}
    # One cell row per (group, key), every score row linked to its own group's cell.
    assert BallotUnitScore.objects.exclude(cell__group_id=F("group_id")).count() == 0
    assert WeightingCell.objects.filter(group=residents).count() == 3
