"""Deployment checks reuse the ballot fixtures: an open campaign and its residents group."""
from tests.surveys.conftest import open_campaign, residents  # noqa: F401
