"""Fill BallotUnitScore.cell for the score rows written before it existed.

Per group: read its ballots' profiles in chunks, compute each ballot's cell key with the helper that
casting, paper imports and the seeder use (`surveys.ballots.cell_key`), and set it with one UPDATE
per (chunk, cell). Correct for good: ballots exist only in open or closed campaigns, whose groups
(and so design keys) are frozen (surveys.admin.CampaignDraftOnlyInlineMixin).
"""
from django.db import migrations

from surveys.ballots import cell_key
from surveys.models import EvaluatorGroup

CHUNK = 900  # ballot ids per UPDATE … WHERE ballot_id IN (…): below SQLite's oldest variable limit (999)


def group_design_keys(group) -> list[str]:
    # The model's own method, applied to the historical instance: it reads only stratify_by,
    # poststratify_by and rake_on, which this migration state has.
    return EvaluatorGroup.design_keys(group)


def fill_cells(apps, schema_editor):
    group_model = apps.get_model("surveys", "EvaluatorGroup")
    ballot_model = apps.get_model("surveys", "Ballot")
    score_model = apps.get_model("surveys", "BallotUnitScore")
    for group in group_model.objects.order_by("pk"):
        keys = group_design_keys(group)
        if not keys:
            continue  # an unweighted group's cell is "", the column's default
        profiles = ballot_model.objects.filter(group_id=group.pk).order_by().values_list("id", "profile")
        by_cell: dict[str, list] = {}
        pending = 0
        for ballot_id, profile in profiles.iterator(chunk_size=2000):
            by_cell.setdefault(cell_key(keys, profile or {}), []).append(ballot_id)
            pending += 1
            if pending >= CHUNK:
                _update(score_model, by_cell)
                by_cell, pending = {}, 0
        _update(score_model, by_cell)


def _update(score_model, by_cell: dict[str, list]) -> None:
    for cell, ballot_ids in by_cell.items():
        score_model.objects.filter(ballot_id__in=ballot_ids).update(cell=cell)


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0004_ballotunitscore_cell"),
    ]

    operations = [
        migrations.RunPython(fill_cells, migrations.RunPython.noop, elidable=True),
    ]
