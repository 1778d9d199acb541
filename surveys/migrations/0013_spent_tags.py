"""Invitations no longer record their use: a spent tag (a keyed hash of the code) does.

Invitations used before this migration get a spent tag made of their unkeyed code hash (the codes
themselves are not known here); `surveys.ballots` checks that tag as well, so they stay used. Those
ballots were cast under the old design, whose links this cannot undo: run
`VACUUM FULL surveys_invitation, surveys_pendingballot` once afterwards on PostgreSQL so the dropped
`used` columns and old row versions leave the files too.
"""
import uuid

import django.db.models.deletion
from django.db import migrations, models


def legacy_tag(code_hash: str) -> uuid.UUID:
    """The spent tag of an invitation used before spent tags (`surveys.ballots.legacy_tag`)."""
    return uuid.UUID(hex=code_hash[:32])


def tag_used_invitations(apps, schema_editor):
    Invitation = apps.get_model("surveys", "Invitation")
    SpentTag = apps.get_model("surveys", "SpentTag")
    used = Invitation.objects.filter(used=True).values_list("code_hash", "group_id")
    SpentTag.objects.bulk_create([SpentTag(tag=legacy_tag(code_hash), group_id=group_id) for code_hash, group_id in used],
                                 batch_size=5000)


def untag(apps, schema_editor):
    Invitation = apps.get_model("surveys", "Invitation")
    SpentTag = apps.get_model("surveys", "SpentTag")
    hashes = {legacy_tag(h): h for h in Invitation.objects.values_list("code_hash", flat=True)}
    used = [hashes[tag] for tag in SpentTag.objects.values_list("tag", flat=True) if tag in hashes]
    Invitation.objects.filter(code_hash__in=used).update(used=True)


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0012_create_cache_table"),
    ]

    operations = [
        migrations.CreateModel(
            name='SpentTag',
            fields=[
                ('tag', models.UUIDField(editable=False, primary_key=True, serialize=False, verbose_name='tag')),
                ('retry_tag', models.UUIDField(blank=True, editable=False, null=True, verbose_name='retry tag')),
                ('group', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+',
                                            to='surveys.evaluatorgroup', verbose_name='group')),
            ],
            options={
                'verbose_name': 'spent tag',
                'verbose_name_plural': 'spent tags',
            },
        ),
        migrations.RunPython(tag_used_invitations, untag),
        migrations.RemoveConstraint(
            model_name='invitation',
            name='invitation_used_on_only_if_used',
        ),
        migrations.RemoveField(
            model_name='invitation',
            name='used',
        ),
        migrations.RemoveField(
            model_name='invitation',
            name='used_on',
        ),
    ]
