"""PostgreSQL triggers that refuse UPDATE and DELETE on the record: audit events, ballots, answers and
ballot unit scores (publicity adds notices). The models refuse such writes too; the triggers also stop
raw SQL, `QuerySet.update()` through another code path, a shell, or a stray script.

Exceptions, by design:
- Migrations. A later migration that must rewrite these rows drops the trigger, rewrites, and
  recreates it, in its own transaction — visibly, in the code history.
- The settler only inserts ballots, answers and scores (it deletes pending ballots, which are
  not part of the record).
- Deleting a user: Django's ON DELETE SET NULL clears `actor_id` (audit events) and nothing else
  in that row; the label kept with the record still names who it was.
- Purging a whole campaign's ballots, which only `surveys.demo.delete_demo` does (the demo city's
  `seed_demo --reset`): it sets `minping.purge_campaign` to the campaign's id for its own
  transaction (SET LOCAL), and only rows of that campaign may go.
- TRUNCATE (statement-level, fires no row trigger) and a superuser who disables triggers are not
  stopped: the record outside the database (the notices' chain file, signatures, timestamps) is what
  catches a database administrator.
SQLite has no such triggers; there the models' guards are the only ones.
"""
from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION minping_refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    user_column text := TG_ARGV[0];     -- a user reference Django's SET_NULL may clear, or ''
    campaign_path text := TG_ARGV[1];   -- 'campaign', 'ballot' (via the ballot) or '' (never purged)
    purge text := coalesce(current_setting('minping.purge_campaign', true), '');
    row_campaign text;
BEGIN
    IF TG_OP = 'UPDATE' AND user_column <> '' AND to_jsonb(NEW) ->> user_column IS NULL
       AND (to_jsonb(NEW) - user_column) = (to_jsonb(OLD) - user_column) THEN
        RETURN NEW;  -- the user was deleted; the row keeps its label and everything else
    END IF;
    IF TG_OP = 'DELETE' AND purge <> '' AND campaign_path <> '' THEN
        IF campaign_path = 'campaign' THEN
            row_campaign := to_jsonb(OLD) ->> 'campaign_id';
        ELSE
            SELECT campaign_id::text INTO row_campaign FROM surveys_ballot
             WHERE id = (to_jsonb(OLD) ->> 'ballot_id')::uuid;
        END IF;
        IF row_campaign = purge THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'minping: % on % refused: the record is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation',
              HINT = 'See surveys/migrations/0011_append_only_triggers.py for the exceptions by design.';
END
$$;
"""

# table → (user column SET_NULL may clear, how a row finds its campaign for a purge)
TABLES = {
    "surveys_auditevent": ("actor_id", ""),
    "surveys_ballot": ("", "campaign"),
    "surveys_answer": ("", "ballot"),
    "surveys_ballotunitscore": ("", "ballot"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, None)  # no parameters: its % signs are PL/pgSQL's
    for table, (user_column, campaign_path) in TABLES.items():
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION minping_refuse_rewrite('{user_column}', '{campaign_path}')")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS minping_refuse_rewrite()")


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0010_import_export_permissions_and_contact_results"),
    ]

    operations = [migrations.RunPython(create, drop)]
