"""Anonymity: nothing on a ballot, an invitation or in the logs links a person to a ballot."""
import logging
import random

import pytest
from django.conf import settings
from django.db import models
from scipy import stats

from minping.lib.logmask import MaskInvitationCodes, mask_codes
from surveys.ballots import ballots_settle
from surveys.models import Answer, Ballot, BallotUnitScore, Invitation, PendingBallot, SpentTag, WeightingCell

from .conftest import valid_answers

pytestmark = pytest.mark.django_db


def test_ballot_has_no_link_to_an_invitation_or_a_person():
    for model in (PendingBallot, Ballot, Answer, BallotUnitScore, WeightingCell):
        for field in model._meta.get_fields():
            assert field.related_model not in (Invitation, settings.AUTH_USER_MODEL), (model, field.name)
            assert not any(word in field.name for word in ("invitation", "code", "ip", "agent", "user", "session"))


def test_ballot_keeps_no_time_finer_than_the_date():
    for model in (PendingBallot, Ballot, Answer, BallotUnitScore, WeightingCell, Invitation, SpentTag):
        kinds = {f.get_internal_type() for f in model._meta.concrete_fields}
        assert not kinds & {"DateTimeField", "TimeField"}, model


def test_an_invitation_records_nothing_about_its_use_and_a_spent_tag_nothing_about_the_invitation():
    assert {f.name for f in Invitation._meta.concrete_fields} == {"id", "campaign", "group", "code_hash", "created_on"}
    assert {f.name for f in SpentTag._meta.concrete_fields} == {"tag", "group", "retry_tag"}
    assert not any(f.related_model is Invitation for f in SpentTag._meta.get_fields())


def test_ballot_keys_are_random_uuid4():
    assert isinstance(Ballot._meta.pk, models.UUIDField)


def test_the_order_of_use_of_invitations_cannot_be_matched_to_the_order_of_ballots(client, residents):
    from surveys.services import invitations_issue

    n = 40
    codes = invitations_issue(group=residents, count=n, actor="tests")
    order = list(range(n))
    random.Random(5).shuffle(order)
    for position, index in enumerate(order):
        answers = [dict(a, value=f"ballot {position}") if a["question"] == "comments" else a
                   for a in valid_answers(residents)]
        assert client.post(f"/api/v1/ballots/{codes[index]}/", {"answers": answers},
                           content_type="application/json").status_code == 201
    ballots_settle(min_batch=1)
    # Ballots listed in their natural order (random ids) do not follow the order of submission,
    # and neither do their answers' ids, which settling gives out shuffled.
    comments = Answer.objects.filter(question__key="comments")
    for order_by in ("ballot_id", "id"):
        submitted = [int(text.split()[1]) for text in comments.order_by(order_by).values_list("text", flat=True)]
        assert len(submitted) == n and submitted != sorted(submitted)
        rho, _p = stats.spearmanr(range(n), submitted)
        assert abs(rho) < 0.6


class TestCodesNeverReachTheLogs:
    CODE = "ABCD-EFGH-JKMN-PQRS-TVW1"

    def test_masking(self):
        assert mask_codes(f'"POST /api/v1/ballots/{self.CODE}/ HTTP/1.1" 201') == '"POST /api/v1/ballots/****/ HTTP/1.1" 201'
        assert mask_codes(f"Not Found: /b/{self.CODE}/") == "Not Found: /b/****/"
        assert mask_codes("/b/") == "/b/"

    @pytest.mark.parametrize("logger_name", ["django.request", "django.server", "gunicorn.access", "root"])
    def test_every_handler_of_the_request_loggers_masks_codes(self, logger_name):
        logger = logging.getLogger(None if logger_name == "root" else logger_name)
        handlers = []
        while logger is not None:  # the handlers a record reaches by propagation
            # pytest adds capture handlers of its own; the ones that matter are the configured ones.
            handlers += [h for h in logger.handlers if not type(h).__module__.startswith("_pytest")]
            logger = logger.parent if logger.propagate else None
        assert handlers
        for handler in handlers:
            record = logging.LogRecord(logger_name, logging.WARNING, __file__, 1, "Not Found: %s", (f"/b/{self.CODE}/",), None)
            assert any(isinstance(f, MaskInvitationCodes) for f in handler.filters), handler
            for f in handler.filters:
                f.filter(record)
            assert self.CODE not in record.getMessage() and "/b/****/" in record.getMessage()
