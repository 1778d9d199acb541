"""The record's guard in the database: PostgreSQL triggers refuse UPDATE and DELETE on audit events,
ballots, answers, ballot unit scores and notices (surveys/migrations/0011_append_only_triggers.py).

The one deliberate exception the application uses is purging a whole campaign's ballots, for the demo
city's `seed_demo --reset`: this module is where that permission is given, for one transaction only.
"""
from django.db import connection, transaction


def campaign_purge_allow(campaign) -> None:
    """Let the current transaction delete `campaign`'s ballots, answers and scores (PostgreSQL triggers)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("campaign_purge_allow must be called inside the transaction that purges")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # set_config(…, true) is SET LOCAL: it ends with the transaction.
            cursor.execute("SELECT set_config('minping.purge_campaign', %s, true)", [str(campaign.pk)])
