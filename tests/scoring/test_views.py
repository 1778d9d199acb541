"""Results pages: permission matrix (page × role) and what each role sees."""
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from scoring.models import ScoreRun
from scoring.services import score_run_create
from surveys.models import Campaign, Unit, UnitContact
from surveys.services import campaign_set_status

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def scored(open_campaign):
    campaign_set_status(campaign=open_campaign, status=Campaign.Status.CLOSED, actor="tests")
    score_run_create(campaign=open_campaign, actor="tests")
    return open_campaign


@pytest.fixture
def units(open_campaign):
    offices = list(Unit.objects.filter(kind=Unit.Kind.STREET_OFFICE).order_by("code"))
    return {"own": offices[0], "other": offices[1]}


@pytest.fixture
def contact_of_own(contact, units):
    UnitContact.objects.create(user=contact, unit=units["own"])
    return contact


def _urls(campaign, units):
    return {
        "index": reverse("scoring:index"),
        "campaign": reverse("scoring:campaign", args=[campaign.slug]),
        "own_unit": reverse("scoring:unit", args=[campaign.slug, units["own"].code]),
        "other_unit": reverse("scoring:unit", args=[campaign.slug, units["other"].code]),
    }


EXPECTED = {  # role → page → status
    "anonymous": {"index": 302, "campaign": 302, "own_unit": 302, "other_unit": 302},
    "outsider": {"index": 403, "campaign": 403, "own_unit": 403, "other_unit": 403},
    "contact": {"index": 200, "campaign": 403, "own_unit": 200, "other_unit": 403},
    "staff": {"index": 200, "campaign": 200, "own_unit": 200, "other_unit": 200},
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_permission_matrix(client, scored, units, role, request):
    if role == "contact":
        client.force_login(request.getfixturevalue("contact_of_own"))
    elif role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    for page, url in _urls(scored, units).items():
        response = client.get(url)
        assert response.status_code == EXPECTED[role][page], (role, page)
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role,allowed", [("staff", True), ("contact_of_own", False), ("outsider", False)])
def test_score_button_only_for_staff(client, open_campaign, role, allowed, request):
    client.force_login(request.getfixturevalue(role))
    response = client.post(reverse("scoring:score", args=[open_campaign.slug]))
    assert response.status_code == (302 if allowed else 403)
    assert ScoreRun.objects.count() == (1 if allowed else 0)
    if allowed:
        run = ScoreRun.objects.get()
        assert run.provisional and run.created_by.username == "staff"


def test_score_button_needs_post(client, staff, open_campaign):
    client.force_login(staff)
    assert client.get(reverse("scoring:score", args=[open_campaign.slug])).status_code == 405
    assert not ScoreRun.objects.exists()


def test_campaign_page_shows_one_forest_marker_per_ranked_unit_sorted(client, staff, scored):
    client.force_login(staff)
    html = client.get(reverse("scoring:campaign", args=[scored.slug])).content.decode()
    run = ScoreRun.objects.get()
    for kind in ("street_office", "city_organ"):
        section = html[html.index(f'id="kind-{kind}"'):]
        svg = ET.fromstring(section[section.index("<svg"):section.index("</svg>") + 6])
        markers = svg.findall(f"{SVG}circle[@class='marker']")
        ranked = [u for u in run.result["units"] if u["kind"] == kind and not u["suppressed"]]
        assert len(markers) == len(ranked)
        assert [float(m.get("data-estimate")) for m in markers] == sorted((u["score"] for u in ranked), reverse=True)
    suppressed = next(u for u in run.result["units"] if u["suppressed"])
    assert suppressed["code"] in html


def test_contact_sees_own_unit_breakdown_dimensions_and_comments(client, contact_of_own, scored, units):
    # This campaign lets contacts see results once scored (the default waits for publication:
    # tests/scoring/test_contact_visibility.py).
    Campaign.objects.filter(pk=scored.pk).update(results_for_contacts=Campaign.ContactResults.SCORED)
    client.force_login(contact_of_own)
    response = client.get(reverse("scoring:unit", args=[scored.slug, units["own"].code]))
    assert response.status_code == 200
    body = response.content.decode()
    assert scored.groups.get(key="residents").name in body  # the breakdown names the groups
    assert response.context["entry"].code == units["own"].code
    assert {d["question"].key for d in response.context["dimensions"]} >= {"overall", "attitude"}
    comments = response.context["comments"]
    assert comments and all(c.startswith("意见") for c in comments)
    for comment in comments:
        assert comment in body


def test_contact_does_not_see_provisional_runs(client, contact_of_own, open_campaign, units):
    score_run_create(campaign=open_campaign, actor="tests")  # open → provisional
    client.force_login(contact_of_own)
    response = client.get(reverse("scoring:unit", args=[open_campaign.slug, units["own"].code]) + "?run=1")
    assert response.status_code == 200 and response.context["run"] is None


def test_dimension_means_are_plain_averages_of_the_answers(client, staff, scored, units):
    from surveys.models import Answer

    client.force_login(staff)
    response = client.get(reverse("scoring:unit", args=[scored.slug, units["own"].code]))
    overall = next(d for d in response.context["dimensions"] if d["question"].key == "overall")
    scores = [float(a.option.score) for a in Answer.objects.filter(unit=units["own"], question__key="overall")
              .select_related("option")]
    assert overall["n"] == len(scores) and overall["mean"] == pytest.approx(sum(scores) / len(scores))
