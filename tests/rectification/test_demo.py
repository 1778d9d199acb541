"""The demo: after seeding, closing, scoring and publishing, cases in several statuses, one overdue."""
import datetime as dt

import pytest
from django.core.management import call_command

from rectification.demo import seed_cases
from rectification.models import RectificationCase
from surveys.demo import CAMPAIGN_SLUG, seed_demo

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 27)


def test_the_demo_shows_the_whole_loop(django_user_model):
    seed_demo(ballots=600, seed=3, base_url="http://testserver", today=TODAY - dt.timedelta(days=20))
    seed_cases(today=TODAY)
    assert seed_cases(today=TODAY) == []   # once
    call_command("campaign_status", CAMPAIGN_SLUG, "closed")
    call_command("score", CAMPAIGN_SLUG)
    call_command("publish", CAMPAIGN_SLUG, "--kind", "publicity")
    cases = RectificationCase.objects.filter(campaign__slug=CAMPAIGN_SLUG)
    statuses = set(cases.values_list("status", flat=True))
    assert {"verified", "done", "overdue", "in_progress", "open", "rejected"} <= statuses
    overdue = cases.get(status="overdue")
    assert overdue.due_on < TODAY
    contact = django_user_model.objects.get(username="contact")
    assert cases.filter(unit__contacts__user=contact).exists()   # the demo contact has a case to act on
