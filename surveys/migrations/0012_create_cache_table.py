"""The limits' shared cache table (settings: CACHES, a DatabaseCache unless Redis is configured).

Created by `migrate` itself, so that no deployment, benchmark or demo can forget
`manage.py createcachetable` and answer every ballot with a 500. Idempotent; nothing for Redis.
"""
from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0011_append_only_triggers")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=False)]
