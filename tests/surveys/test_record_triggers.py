"""PostgreSQL refuses raw UPDATE and DELETE on the record: audit events, ballots, answers, ballot unit
scores and notices (surveys/migrations/0011_append_only_triggers.py), with the exceptions by design."""
import pytest
from django.db import IntegrityError, connection, transaction

from publicity.services import notice_publish
from surveys.audit import audit_record
from surveys.demo import CAMPAIGN_SLUG, delete_demo, seed_demo
from surveys.models import Answer, AuditEvent, Ballot, BallotUnitScore, Campaign
from surveys.record import campaign_purge_allow
from tests.factories import CampaignFactory, UserFactory
from tests.publicity.factories import PUBLISHED_AT, scored_campaign
from tests.record import append_only_triggers_off

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _sql(statement: str, params=()) -> int:
    """Run `statement` in a savepoint of its own; the number of rows it touched."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def _refused(statement: str, params=()) -> None:
    with pytest.raises(IntegrityError, match="append-only"):
        _sql(statement, params)


@pytest.fixture
def record_rows(db, request):
    """A scored campaign (published only for tests that touch notices): one row id per table of the record."""
    campaign = scored_campaign()
    rows = {
        "surveys_ballot": str(Ballot.objects.filter(campaign=campaign).values_list("pk", flat=True).first()),
        "surveys_answer": Answer.objects.filter(ballot__campaign=campaign).values_list("pk", flat=True).first(),
        "surveys_ballotunitscore": BallotUnitScore.objects.filter(ballot__campaign=campaign)
        .values_list("pk", flat=True).first(),
        "surveys_auditevent": AuditEvent.objects.values_list("pk", flat=True).first(),
    }
    if getattr(request, "param", None) == "publicity_notice":
        rows["publicity_notice"] = notice_publish(campaign=campaign, kind="publicity", actor="tests",
                                                  now=PUBLISHED_AT).pk
    return campaign, rows


# Per table: an UPDATE that would rewrite history.
REWRITES = {
    "surveys_ballot": "UPDATE surveys_ballot SET channel = 'paper' WHERE id = %s",
    "surveys_answer": "UPDATE surveys_answer SET number = 0, option_id = NULL WHERE id = %s",
    "surveys_ballotunitscore": "UPDATE surveys_ballotunitscore SET score = 100 WHERE id = %s",
    "surveys_auditevent": "UPDATE surveys_auditevent SET action = 'nothing.happened' WHERE id = %s",
    "publicity_notice": "UPDATE publicity_notice SET sha256 = repeat('f', 64) WHERE id = %s",
}


@pytest.mark.parametrize("record_rows,table", [(t, t) for t in sorted(REWRITES)], indirect=["record_rows"])
def test_raw_update_and_delete_are_refused(record_rows, table):
    _campaign, rows = record_rows
    _refused(REWRITES[table], [rows[table]])
    _refused(f"DELETE FROM {table} WHERE id = %s", [rows[table]])


@pytest.mark.parametrize("record_rows,table", [(t, t) for t in sorted(REWRITES)], indirect=["record_rows"])
def test_control_without_the_trigger_the_same_sql_rewrites_the_record(record_rows, table):
    _campaign, rows = record_rows
    with append_only_triggers_off(table):
        assert _sql(REWRITES[table], [rows[table]]) == 1
    _refused(f"DELETE FROM {table} WHERE id = %s", [rows[table]])  # and on again afterwards


def test_deleting_a_user_keeps_their_audit_events_and_notices(record_rows):
    user = UserFactory(username="leaving")
    campaign, _rows = record_rows
    with transaction.atomic():
        event = audit_record(actor=user, action="campaign.touch", obj=campaign)
    user.delete()  # Django's SET_NULL: UPDATE … SET actor_id = NULL, allowed by the trigger
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor is None and event.actor_label == "leaving" and event.action == "campaign.touch"


def test_the_set_null_exception_covers_nothing_else(record_rows):
    _campaign, rows = record_rows
    _refused("UPDATE surveys_auditevent SET actor_id = NULL, actor_label = 'someone else' WHERE id = %s",
             [rows["surveys_auditevent"]])


def test_inserts_still_work(record_rows):
    campaign, _rows = record_rows
    with transaction.atomic():
        audit_record(actor="tests", action="campaign.touch", obj=campaign)
    assert AuditEvent.objects.filter(action="campaign.touch").exists()


def test_a_purge_deletes_only_the_named_campaigns_ballots_and_only_in_its_transaction(record_rows):
    campaign, rows = record_rows
    other = CampaignFactory()
    with transaction.atomic():
        campaign_purge_allow(other)
        _refused("DELETE FROM surveys_answer WHERE id = %s", [rows["surveys_answer"]])  # not this campaign's
    _refused("DELETE FROM surveys_answer WHERE id = %s", [rows["surveys_answer"]])  # no permission given
    ballots = Ballot.objects.filter(campaign=campaign).values("id")
    with transaction.atomic():
        campaign_purge_allow(campaign)
        BallotUnitScore.objects.filter(ballot_id__in=ballots).purge()
        Answer.objects.filter(ballot_id__in=ballots).purge()
        Ballot.objects.filter(campaign=campaign).purge()
    assert not Ballot.objects.filter(campaign=campaign).exists()


def test_the_demo_reset_purges_through_the_exception(db):

    seed_demo(ballots=30, seed=1, base_url="http://testserver")
    seed_demo(ballots=30, seed=2, base_url="http://testserver", reset=True)
    assert Ballot.objects.filter(campaign__slug=CAMPAIGN_SLUG).count() == 30
    with transaction.atomic():
        delete_demo()
    assert not Campaign.objects.filter(slug=CAMPAIGN_SLUG).exists()
