import pytest
from django.core.management import call_command
from django.db import connection, transaction

from publicity.services import notice_publish, notice_render

from .factories import PUBLISHED_AT, scored_campaign


@pytest.fixture
def signing_key(tmp_path, settings):
    """The organ's signing key and certificate (self-signed, as `make demo` makes them)."""
    path = tmp_path / "signing.p12"
    call_command("notice_signing_cert", "--out", str(path), "--passphrase", "demo-pass")
    settings.MINPING_SIGNING_P12 = str(path)
    settings.MINPING_SIGNING_PASSPHRASE = "demo-pass"
    return path


@pytest.fixture
def scored(db):
    return scored_campaign()


@pytest.fixture
def published(scored):
    """The publicity notice of `scored`, published on PUBLISHED_AT (period until DEADLINE)."""
    return notice_publish(campaign=scored, kind="publicity", actor="tests", now=PUBLISHED_AT)


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker):
    """One campaign rendered twice (same run, same date) — for the read-back tests, without a
    render per test. The data is rolled back at once; the bytes and the run's result stay.

    pytest-django sets up the test database only for sessions with a `django_db` test, so modules
    using this fixture carry `pytestmark = pytest.mark.django_db`; the check below makes sure.
    """
    with django_db_blocker.unblock():
        name = str(connection.settings_dict["NAME"])
        assert "test" in name or "memory" in name, f"not a test database: {name}"
    with django_db_blocker.unblock(), transaction.atomic():
        campaign = scored_campaign()
        first = notice_render(campaign=campaign, kind="publicity", issued_on=PUBLISHED_AT.date(), preview=False)
        second = notice_render(campaign=campaign, kind="publicity", issued_on=PUBLISHED_AT.date(), preview=False)
        out = {"pdf": first.pdf, "again": second.pdf, "result": first.run.result, "title": first.data.title,
               "campaign_title": campaign.title}
        transaction.set_rollback(True)
    return out
