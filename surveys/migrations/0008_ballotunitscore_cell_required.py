"""Drop the text cell keys of the score rows, now that each row points at its WeightingCell (0007)."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0007_weightingcell"),
    ]

    operations = [
        migrations.RemoveField(model_name="ballotunitscore", name="cell_key"),
        migrations.AlterField(
            model_name="ballotunitscore",
            name="cell",
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="surveys.weightingcell", verbose_name="weighting cell"),
        ),
    ]
