"""A PostgreSQL trigger refusing UPDATE and DELETE on published notices (the function and the exceptions
by design: surveys/migrations/0011_append_only_triggers.py). Deleting the user who published a notice
clears `published_by_id` (ON DELETE SET NULL); `published_by_label` keeps the name."""
from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE TRIGGER publicity_notice_append_only BEFORE UPDATE OR DELETE ON publicity_notice "
            "FOR EACH ROW EXECUTE FUNCTION minping_refuse_rewrite('published_by_id', '')")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS publicity_notice_append_only ON publicity_notice")


class Migration(migrations.Migration):

    dependencies = [
        ("publicity", "0001_initial"),
        ("surveys", "0011_append_only_triggers"),
    ]

    operations = [migrations.RunPython(create, drop)]
