"""Ballot pages and answers go out compressed: a delegate's ballot of 40 units stays under 15 KB."""
import gzip

import pytest
from django.core.cache import cache

from surveys.ballots import clear_sheet_cache
from surveys.models import Unit
from surveys.services import invitations_issue

from ..factories import UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def delegates_of_40(open_campaign):
    cache.clear()
    group = open_campaign.groups.get(key="delegates")
    group.units.set([UnitFactory(kind=Unit.Kind.CITY_ORGAN, name=f"市第{i}局") for i in range(40)])
    clear_sheet_cache()
    return group


def test_a_delegates_ballot_is_gzipped_under_15_kb(client, delegates_of_40):
    code = invitations_issue(group=delegates_of_40, count=1, actor="tests")[0]
    response = client.get(f"/b/{code}/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    html = gzip.decompress(response.content)
    assert html.count(b'value="dk"') == 40 * 6 and len(html) > 100_000   # all 40 units, six grades each
    assert len(response.content) <= 15_000


def test_the_api_answers_compressed_json(client, delegates_of_40):
    code = invitations_issue(group=delegates_of_40, count=1, actor="tests")[0]
    response = client.get(f"/api/v1/ballots/{code}/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip" and b'"units"' in gzip.decompress(response.content)


def test_without_accept_encoding_nothing_is_compressed(client, delegates_of_40):
    code = invitations_issue(group=delegates_of_40, count=1, actor="tests")[0]
    response = client.get(f"/b/{code}/")
    assert not response.has_header("Content-Encoding") and b"</html>" in response.content
