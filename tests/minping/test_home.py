"""The home page shows the public what they can do now: take part, read results, check and object."""
import pytest
from django.utils import timezone

from publicity.services import notice_publish
from surveys.models import Campaign, EvaluatorGroup
from surveys.services import campaign_set_status
from tests.factories import CampaignFactory
from tests.publicity.factories import scored_campaign

pytestmark = pytest.mark.django_db


def home(client) -> str:
    return client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


def test_with_nothing_open_the_home_page_says_so_and_still_offers_the_code_entry(client):
    body = home(client)
    assert "目前没有正在进行的评议" in body and 'href="/b/"' in body
    assert "尚未发布任何公告" in body and 'href="/notices/"' in body and 'href="/notices/verify/"' in body
    assert 'href="/accounts/login/"' in body and 'href="/rectification/"' in body


def test_an_open_campaign_is_shown_with_how_to_take_part(client):
    campaign = CampaignFactory.ready(title="2026年度群众评议")
    campaign.closes_at = timezone.now() + timezone.timedelta(days=7)
    campaign.save()
    walk_ins = campaign.groups.order_by("key").first()
    EvaluatorGroup.objects.filter(pk=walk_ins.pk).update(access=EvaluatorGroup.Access.OPEN)
    before = home(client)
    assert "2026年度群众评议" not in before                      # a draft is not shown
    campaign_set_status(campaign=campaign, status=Campaign.Status.OPEN, actor="tests")
    body = home(client)
    assert "2026年度群众评议" in body and "目前没有正在进行的评议" not in body
    assert f'href="/c/{campaign.slug}/{walk_ins.key}/"' in body and f"以{walk_ins.name}身份评议" in body
    assert 'href="/b/"' in body


def test_a_published_notice_is_linked_with_its_objection_form_and_commitments(client):
    campaign = scored_campaign()
    notice = notice_publish(campaign=campaign, kind="publicity", actor="tests", now=timezone.now())
    body = home(client)
    assert f'href="/notices/{notice.pk}/"' in body and notice.title in body
    assert f'href="/notices/objections/{campaign.slug}/"' in body and 'href="/notices/objections/status/"' in body
    assert f'href="/commitments/{campaign.slug}/"' in body


def test_after_the_objection_period_the_objection_form_is_no_longer_offered(client):
    campaign = scored_campaign()
    notice_publish(campaign=campaign, kind="publicity", actor="tests",
                   now=timezone.now() - timezone.timedelta(days=60))
    body = home(client)
    assert f'href="/notices/objections/{campaign.slug}/"' not in body
    assert 'href="/notices/objections/status/"' in body


def test_signed_in_visitors_get_their_start_page_instead_of_sign_in(client, staff):
    client.force_login(staff)
    body = home(client)
    assert 'href="/accounts/start/"' in body and "登录（评议办公室与单位联系人）" not in body
