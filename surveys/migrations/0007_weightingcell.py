"""Score rows point at a WeightingCell by id instead of carrying the cell key as text.

One WeightingCell per distinct (group, stored key), then one UPDATE … FROM over the score rows.
Reversible: going back copies the keys into the text column again. 0008 drops the text column,
in a migration (a transaction) of its own.
"""
import django.db.models.deletion
from django.db import migrations, models


def keys_to_cells(apps, schema_editor):
    cell_model = apps.get_model("surveys", "WeightingCell")
    score_model = apps.get_model("surveys", "BallotUnitScore")
    pairs = score_model.objects.order_by().values_list("group_id", "cell_key").distinct()
    cell_model.objects.bulk_create([cell_model(group_id=group, key=key) for group, key in sorted(pairs)],
                                   ignore_conflicts=True)
    scores, cells = _tables(schema_editor, score_model, cell_model)
    # One pass over the score rows (UPDATE … FROM: PostgreSQL, and SQLite since 3.33).
    schema_editor.execute(f"UPDATE {scores} SET cell_id = c.id FROM {cells} c "
                          f"WHERE c.group_id = {scores}.group_id AND c.key = {scores}.cell_key")


def cells_to_keys(apps, schema_editor):
    scores, cells = _tables(schema_editor, apps.get_model("surveys", "BallotUnitScore"),
                            apps.get_model("surveys", "WeightingCell"))
    schema_editor.execute(f"UPDATE {scores} SET cell_key = (SELECT c.key FROM {cells} c WHERE c.id = {scores}.cell_id)")


def _tables(schema_editor, *models):
    return [schema_editor.connection.ops.quote_name(model._meta.db_table) for model in models]


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0006_pendingballot"),
    ]

    operations = [
        migrations.CreateModel(
            name="WeightingCell",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.TextField(blank=True, verbose_name="key")),
                ("group", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="cells",
                                            to="surveys.evaluatorgroup", verbose_name="group")),
            ],
            options={
                "verbose_name": "weighting cell",
                "verbose_name_plural": "weighting cells",
                "constraints": [models.UniqueConstraint(fields=("group", "key"), name="unique_weighting_cell")],
            },
        ),
        migrations.RenameField(model_name="ballotunitscore", old_name="cell", new_name="cell_key"),
        migrations.AddField(
            model_name="ballotunitscore",
            name="cell",
            field=models.ForeignKey(db_index=False, editable=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="surveys.weightingcell", verbose_name="weighting cell"),
        ),
        migrations.RunPython(keys_to_cells, cells_to_keys),
    ]
