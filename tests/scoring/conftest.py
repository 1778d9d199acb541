import pytest

from .factories import scored_campaign_data


@pytest.fixture
def open_campaign(db):
    """An open campaign with ballots from both groups (see tests/scoring/factories.py)."""
    return scored_campaign_data()
