"""People read words, not keys: group names instead of group keys, a labelled standard error instead
of an unlabelled ±, audit actions and census levels by their labels."""
import re

import pytest
from django.urls import reverse

from scoring.models import ScoreRun
from scoring.services import score_run_create
from surveys.audit import action_label
from surveys.models import AuditEvent, Campaign, CensusMargin
from surveys.services import campaign_set_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(open_campaign):
    campaign_set_status(campaign=open_campaign, status=Campaign.Status.CLOSED, actor="tests")
    score_run_create(campaign=open_campaign, actor="tests")
    return open_campaign


def test_the_results_table_names_groups_and_labels_the_standard_error(client, staff, scored):
    client.force_login(staff)
    html = client.get(reverse("scoring:campaign", args=[scored.slug]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "±" not in html and "<th>标准误</th>" in html
    unit = next(u for u in ScoreRun.objects.get().result["units"] if not u["suppressed"])
    row = html[html.index(f"{unit['code']} {unit['name']}"):]
    row = row[:row.index("</tr>")]
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert f"{unit['published']['score']:.1f}" in cells and f"{unit['se']:.2f}" in cells
    names = dict(scored.groups.values_list("key", "name"))
    assert unit["groups"] and all(names[g["key"]] != g["key"] for g in unit["groups"])
    for group in unit["groups"]:
        assert f"{names[group['key']]} {group['n']}" in row and f"{group['key']} {group['n']}" not in row


@pytest.mark.parametrize(("action", "words"), [
    ("auth.signed_in", "登录"), ("campaign.status", "变更评议活动状态"), ("import.unit", "导入单位"),
    ("notice.publish.publicity", "发布公告（公示）"), ("objection.answered", "答复异议（已答复）"),
    ("something.new", "something.new"),   # an action nobody labelled yet: its key rather than nothing
])
def test_audit_actions_have_labels(action, words):
    from django.utils import translation

    with translation.override("zh-hans"):
        assert action_label(action) == words


def test_the_audit_admin_lists_actions_by_their_labels(client, staff, open_campaign):
    client.force_login(staff)
    html = client.get("/admin/surveys/auditevent/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert AuditEvent.objects.filter(action="campaign.status").exists()
    assert "变更评议活动状态" in html and ">campaign.status<" not in html
    event = AuditEvent.objects.filter(action="campaign.status").first()
    detail = client.get(f"/admin/surveys/auditevent/{event.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "变更评议活动状态" in detail


def test_the_census_admin_shows_levels_by_their_labels(client, staff, open_campaign):
    client.force_login(staff)
    margin = CensusMargin.objects.filter(campaign=open_campaign).first()
    option = open_campaign.questionnaire.questions.get(key=margin.variable).options.get(value=margin.level)
    html = client.get("/admin/surveys/censusmargin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"{option.label} ({margin.level})" in html

