"""Schemathesis against /api/schema/: generated requests (bounded; schema-valid and schema-invalid
ones), every response a documented status and content type with a documented body, schema-invalid
requests refused, no server error. Runs in the suite against the WSGI app (same database).

One check is left out: `positive_data_acceptance` ("a schema-valid body must get a 2xx"). The schema
can say what shape a ballot has, not which question keys, units and options a campaign's
questionnaire has; a well-shaped ballot with an unknown question gets its documented 400.
"""
import zlib

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance

from minping.wsgi import application
from surveys.services import invitations_issue

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

EXAMPLES = 60  # per operation: bounded, so the suite stays fast


@pytest.fixture(autouse=True)
def connection_kept_between_requests():
    """What Django's test client does: the WSGI app closes the database connection after each request
    (request_finished), which would end the test's transaction on PostgreSQL."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def live_codes(residents):
    """Real invitation codes, so that generated ballots reach validation instead of a 404."""
    return invitations_issue(group=residents, count=40, actor="tests")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_api_conforms_to_its_schema(case, live_codes):
    pick = zlib.crc32(repr(case.body).encode())  # stable across runs, unlike hash()
    if "code" in (case.path_parameters or {}) and pick % 2 == 0:  # half the cases reach a real ballot
        case.path_parameters["code"] = live_codes[pick % len(live_codes)]
    # Schemathesis' WSGI transport would not undo the GZip middleware's compression: ask for none.
    case.call_and_validate(headers={"Accept-Encoding": "identity"}, excluded_checks=[positive_data_acceptance])


def test_control_a_response_outside_the_schema_is_caught(monkeypatch, live_codes):
    """The checks do look at the answers: a ballot description of the wrong shape fails them."""
    monkeypatch.setattr("surveys.api.ballot_payload", lambda sheet: {"campaign": "not an object"})
    case = schema["/api/v1/ballots/{code}/"]["GET"].Case(path_parameters={"code": live_codes[0]})
    with pytest.raises(FailureGroup, match="failure"):
        case.call_and_validate(headers={"Accept-Encoding": "identity"})
