"""An answered objection stays answered: the admin shows it read-only and a re-save is a clear 403."""
from django.urls import reverse

from publicity.models import Objection
from publicity.services import objection_answer, objection_file

from .factories import PUBLISHED_AT


def test_resaving_an_answered_objection_is_refused_cleanly_and_changes_nothing(client, published, staff):
    objection = objection_file(notice=published, text="有异议", now=PUBLISHED_AT)
    objection_answer(objection=objection, reply="经复核无误", actor=staff)
    client.force_login(staff)
    url = reverse("admin:publicity_objection_change", args=[objection.pk])
    page = client.get(url)
    assert page.status_code == 200 and "经复核无误".encode() in page.content
    assert b'name="_save"' not in page.content  # nothing left to save
    # The probe's request: the same form posted again (it used to crash with KeyError: 'reply').
    response = client.post(url, {"_save": "1"})
    assert response.status_code == 403
    response = client.post(url, {"status": "dismissed", "reply": "改写"})
    assert response.status_code == 403
    objection.refresh_from_db()
    assert (objection.status, objection.reply) == (Objection.Status.ANSWERED, "经复核无误")


def test_an_open_objection_is_still_answered_in_the_admin(client, published, staff):
    objection = objection_file(notice=published, text="有异议", now=PUBLISHED_AT)
    client.force_login(staff)
    url = reverse("admin:publicity_objection_change", args=[objection.pk])
    assert b'name="_save"' in client.get(url).content
    assert client.post(url, {"status": "answered", "reply": "已复核"}).status_code == 302
    objection.refresh_from_db()
    assert objection.status == Objection.Status.ANSWERED and objection.reply == "已复核"
