"""Score rows point at a WeightingCell by id instead of carrying the cell key as text.

Per group, one WeightingCell per distinct stored key, then one UPDATE per (group, key): a group has
a few dozen cells however many rows it has. Reversible: going back copies the keys into the text
column again. 0008 then drops the text column: on PostgreSQL a table with pending (deferred)
foreign-key checks from the UPDATEs cannot be altered in the same transaction.
"""
import django.db.models.deletion
from django.db import migrations, models


def keys_to_cells(apps, schema_editor):
    cell_model = apps.get_model("surveys", "WeightingCell")
    score_model = apps.get_model("surveys", "BallotUnitScore")
    pairs = score_model.objects.order_by().values_list("group_id", "cell_key").distinct()
    for group_id, key in list(pairs):
        cell, _created = cell_model.objects.get_or_create(group_id=group_id, key=key)
        score_model.objects.filter(group_id=group_id, cell_key=key).update(cell=cell)


def cells_to_keys(apps, schema_editor):
    cell_model = apps.get_model("surveys", "WeightingCell")
    score_model = apps.get_model("surveys", "BallotUnitScore")
    for cell in cell_model.objects.all():
        score_model.objects.filter(cell_id=cell.pk).update(cell_key=cell.key)


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0006_pendinganswers"),
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
