"""A retry is not a lost vote: the same ballot sent again with the same Idempotency-Key gets its
receipt back (200), never "already used", and nothing stored names the key or the receipt.
Spent codes stay spent when the secret is rotated and for invitations used before spent tags."""
import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from django.utils import timezone

from surveys.ballots import legacy_tag
from surveys.codes import hash_code, normalize_code
from surveys.models import Campaign, PendingBallot, SpentTag

from .conftest import stored_ballots, valid_answers

pytestmark = pytest.mark.django_db

KEY = "3f0b6c1e-2a4d-4b8e-9c7f-5d1e2a3b4c5d"


def post(client, code, answers, key=KEY):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(f"/api/v1/ballots/{code}/", {"answers": answers}, content_type="application/json", **headers)


def test_the_same_ballot_sent_again_with_its_key_gets_the_same_receipt(client, codes, residents):
    first = post(client, codes[0], valid_answers(residents))
    again = post(client, codes[0], valid_answers(residents))
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json() and len(first.json()["receipt"].replace("-", "")) == 12
    assert stored_ballots() == SpentTag.objects.count() == 1


def test_control_without_a_key_the_retry_is_told_already_used(client, codes, residents):
    assert post(client, codes[0], valid_answers(residents), key=None).status_code == 201
    again = post(client, codes[0], valid_answers(residents), key=None)
    assert again.status_code == 409 and stored_ballots() == 1


def test_another_key_or_other_answers_are_not_a_retry(client, codes, residents):
    assert post(client, codes[0], valid_answers(residents)).status_code == 201
    assert post(client, codes[0], valid_answers(residents), key="another-key").status_code == 409
    changed = [dict(a, value="2") if a["question"] == "overall" else a for a in valid_answers(residents)]
    assert post(client, codes[0], changed).status_code == 409
    invalid = [a for a in valid_answers(residents) if a["question"] != "age"]
    assert post(client, codes[0], invalid).status_code == 409   # not a 400: the code is used whatever it says
    assert stored_ballots() == 1


def test_keys_are_per_code(client, codes, residents):
    one, two = post(client, codes[0], valid_answers(residents)), post(client, codes[1], valid_answers(residents))
    assert one.status_code == two.status_code == 201 and one.json() != two.json()


def test_a_retry_after_closing_still_gets_its_receipt(client, codes, residents):
    first = post(client, codes[0], valid_answers(residents))
    Campaign.objects.filter(pk=residents.campaign_id).update(closes_at=timezone.now())
    again = post(client, codes[0], valid_answers(residents))
    assert again.status_code == 200 and again.json() == first.json()
    assert post(client, codes[1], valid_answers(residents)).status_code == 409   # a new ballot is refused


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_a_key_of_the_wrong_length_is_refused_and_nothing_stored(client, codes, residents, key):
    response = post(client, codes[0], valid_answers(residents), key=key)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["errors"][0]["message"]
    assert stored_ballots() == 0 and not SpentTag.objects.exists()


def test_nothing_stored_names_the_key_the_receipt_or_the_code(client, codes, residents):
    receipt = post(client, codes[0], valid_answers(residents)).json()["receipt"]
    dump = repr([list(SpentTag.objects.values()), list(PendingBallot.objects.values())]).upper()
    for secret_thing in (KEY, receipt, receipt.replace("-", ""), normalize_code(codes[0]), hash_code(normalize_code(codes[0]))):
        assert secret_thing.upper() not in dump


def test_the_schema_documents_the_header(client):
    schema = client.get("/api/schema/").content.decode()
    assert "Idempotency-Key" in schema and "'200':" in schema


def test_a_code_spent_before_the_secret_was_rotated_stays_spent(client, codes, residents):
    assert post(client, codes[0], valid_answers(residents)).status_code == 201
    with override_settings(SECRET_KEY="a-new-secret-key-for-the-rotation-test-0123456789abcdef",
                           SECRET_KEY_FALLBACKS=[django_settings.SECRET_KEY]):
        assert client.get(f"/api/v1/ballots/{codes[0]}/").status_code == 409
        assert post(client, codes[0], valid_answers(residents), key=None).status_code == 409
        assert post(client, codes[1], valid_answers(residents)).status_code == 201
    assert stored_ballots() == 2


def test_control_a_rotated_secret_without_fallbacks_would_free_spent_codes(client, codes, residents):
    assert post(client, codes[0], valid_answers(residents)).status_code == 201
    with override_settings(SECRET_KEY="a-new-secret-key-for-the-rotation-test-0123456789abcdef"):
        assert client.get(f"/api/v1/ballots/{codes[0]}/").status_code == 200


def test_an_invitation_used_before_spent_tags_stays_used(client, codes, residents):
    SpentTag.objects.create(tag=legacy_tag(hash_code(normalize_code(codes[0]))), group=residents)   # migration 0010
    assert client.get(f"/api/v1/ballots/{codes[0]}/").status_code == 409
    assert post(client, codes[0], valid_answers(residents)).status_code == 409
    assert stored_ballots() == 0


def test_migration_0010_keeps_invitations_used_before_it_used(transactional_db, client):
    """On a database from before spent tags, an invitation marked used gets a (legacy) spent tag: its
    code stays spent; an unused one stays usable."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from surveys.codes import generate_code
    from tests.factories import CampaignFactory

    campaign = CampaignFactory.ready()
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.OPEN)
    group = campaign.groups.get(key="residents")
    used, unused = generate_code(), generate_code()
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("surveys", "0009_pending_answers_text")])
        old = executor.loader.project_state([("surveys", "0009_pending_answers_text")]).apps
        Invitation = old.get_model("surveys", "Invitation")
        for code, is_used in ((used, True), (unused, False)):
            Invitation.objects.create(campaign_id=campaign.pk, group_id=group.pk, code_hash=hash_code(normalize_code(code)),
                                      used=is_used, used_on="2026-03-01" if is_used else None)
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert list(SpentTag.objects.values_list("tag", flat=True)) == [legacy_tag(hash_code(normalize_code(used)))]
    assert client.get(f"/api/v1/ballots/{used}/").status_code == 409
    assert client.get(f"/api/v1/ballots/{unused}/").status_code == 200
