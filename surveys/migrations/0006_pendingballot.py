import uuid

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0005_fill_ballotunitscore_cell"),
    ]

    operations = [
        migrations.CreateModel(
            name="PendingBallot",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("channel", models.CharField(choices=[("online", "Online"), ("paper", "Paper"), ("kiosk", "Kiosk")],
                                             max_length=8, verbose_name="channel")),
                ("received_on", models.DateField(verbose_name="received on")),
                ("profile", models.JSONField(blank=True, default=dict, verbose_name="profile")),
                ("suspected_duplicate", models.BooleanField(default=False, verbose_name="suspected duplicate")),
                ("answers", models.JSONField(verbose_name="answers")),
                ("campaign", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                               to="surveys.campaign", verbose_name="campaign")),
                ("group", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                            to="surveys.evaluatorgroup", verbose_name="group")),
            ],
            options={
                "verbose_name": "pending ballot",
                "verbose_name_plural": "pending ballots",
            },
        ),
    ]
