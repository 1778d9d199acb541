"""Shared fixtures: named actors (staff, contact, outsider) and a ready campaign."""
import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from surveys.roles import EVALUATION_STAFF, UNIT_CONTACTS

from .factories import CampaignFactory, UserFactory

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` run only when DATABASE_URL points at PostgreSQL."""
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (make test runs the suite on it too)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def fresh_ballot_sheets():
    """Rolled-back tests reuse database ids, which a cached sheet would confuse."""
    from surveys.ballots import clear_sheet_cache

    clear_sheet_cache()
    yield
    clear_sheet_cache()


@pytest.fixture(autouse=True)
def fresh_media(settings, tmp_path):
    """Storage is not rolled back with a test's transaction: published notices and the public chain
    file (one per site) must not leak from one test into the next."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def staff(db):
    """A member of the evaluation office: all campaign work."""
    user = UserFactory(username="staff", is_staff=True)
    user.groups.add(Group.objects.get(name=EVALUATION_STAFF))
    return user


@pytest.fixture
def contact(db):
    """A unit contact: sees only their own units' results (later features)."""
    user = UserFactory(username="contact")
    user.groups.add(Group.objects.get(name=UNIT_CONTACTS))
    return user


@pytest.fixture
def staff_flagged_contact(contact):
    """A unit contact given `is_staff` by mistake: the admin lets them in, and must show them nothing."""
    contact.is_staff = True
    contact.save(update_fields=["is_staff"])
    return contact


@pytest.fixture
def outsider(db):
    """A logged-in user with no role."""
    return UserFactory(username="outsider")


@pytest.fixture
def campaign(db):
    """A draft campaign that is ready to open: standard questionnaire, two groups, margins."""
    return CampaignFactory.ready()
