"""Fixtures of the apps' test packages, reused here for the site-wide tests."""
import pytest

from publicity.services import notice_publish
from tests.publicity.conftest import scored  # noqa: F401
from tests.surveys.conftest import codes, open_campaign, residents  # noqa: F401


@pytest.fixture
def current(scored):  # noqa: F811
    """A publicity notice published today: its objection period is running."""
    return notice_publish(campaign=scored, kind="publicity", actor="tests")
