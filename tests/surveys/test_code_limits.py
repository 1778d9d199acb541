"""The fair limit on wrong codes: typos never lock a shared connection out, guessing stays limited."""
import random
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from surveys.codes import ALPHABET, InvalidCode, normalize_code
from surveys.services import invitations_issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


def mistyped(code: str, rng: random.Random) -> str:
    """A code as a person mistypes it: one to three symbols changed (a slip, a look-alike)."""
    symbols = list(code.replace("-", ""))
    for position in rng.sample(range(len(symbols)), rng.randint(1, 3)):
        symbols[position] = rng.choice([s for s in ALPHABET if s != symbols[position]])
    return "".join(symbols)


def well_formed(typed: str) -> bool:
    try:
        normalize_code(typed)
    except InvalidCode:
        return False
    return True


def test_a_community_centre_of_200_people_with_10_percent_typos_is_not_locked_out(client, open_campaign):
    group = open_campaign.groups.get(key="delegates")
    group.population_size = 500   # the centre's 200 people are among the group's members
    group.save(update_fields=["population_size"])
    codes = invitations_issue(group=group, count=200, actor="tests")
    rng = random.Random(2026)
    typos = set(rng.sample(range(200), 20))
    refused, counted = [], 0
    for i, code in enumerate(codes):
        if i in typos:
            typed = mistyped(code, rng)
            counted += well_formed(typed)
            assert client.get(f"/api/v1/ballots/{typed}/").status_code in (404, 429)
            typed = code   # then they look again and type it right
        response = client.get(f"/api/v1/ballots/{code}/")
        if response.status_code != 200:
            refused.append(i)
    assert refused == []
    # The control: the typos number as many as the limit, so counting every wrong code (the old
    # rule) would have refused everybody after them; only well-formed ones are counted now.
    assert len(typos) >= settings.MINPING_CODE_FAILURES_LIMIT and counted < settings.MINPING_CODE_FAILURES_LIMIT


@override_settings(MINPING_CODE_FAILURES_LIMIT=3)
def test_mistyped_codes_are_never_counted(client, open_campaign):
    code = invitations_issue(group=open_campaign.groups.get(key="delegates"), count=1, actor="tests")[0]
    rng = random.Random(1)
    for _ in range(10):
        typo = mistyped(code, rng)
        while well_formed(typo):
            typo = mistyped(code, rng)
        assert client.get(f"/b/{typo}/").status_code == 404
    assert client.get(f"/b/{code}/").status_code == 200


@override_settings(MINPING_CODE_FAILURES_LIMIT=3)
def test_guessing_well_formed_codes_is_limited_and_the_page_says_until_when(client, open_campaign):
    code = invitations_issue(group=open_campaign.groups.get(key="delegates"), count=1, actor="tests")[0]
    for guess in ("0000-0000-0000-0000-0000", "1111-1111-1111-1111-1113", "2222-2222-2222-2222-2226"):
        assert well_formed(guess)
        assert client.get(f"/b/{guess}/").status_code == 404
    page = client.get(f"/b/{code}/")
    assert page.status_code == 429
    assert re.search(r"请在 \d\d:\d\d 之后再试", page.content.decode())
    api = client.get(f"/api/v1/ballots/{code}/")
    assert api.status_code == 429 and 0 < int(api["Retry-After"]) <= settings.MINPING_CODE_FAILURES_WINDOW
    assert re.search(r"\d\d:\d\d", api.json()["detail"])
