"""Published notices never change; objections keep what the public filed and are answered once."""
import pytest
from django.urls import reverse

from minping.lib.immutable import ImmutableRecordError
from publicity.models import Notice, Objection
from publicity.services import ObjectionRefused, objection_answer, objection_file

from .factories import PUBLISHED_AT


def test_a_published_notice_cannot_be_changed_or_deleted(published):
    published.title = "改过的标题"
    with pytest.raises(ImmutableRecordError):
        published.save()
    with pytest.raises(ImmutableRecordError):
        published.delete()
    with pytest.raises(ImmutableRecordError):
        Notice.objects.filter(pk=published.pk).update(sha256="0" * 64)
    with pytest.raises(ImmutableRecordError):
        Notice.objects.all().delete()
    assert Notice.objects.get().title != "改过的标题"


def test_objections_keep_their_text_and_are_answered_once(published, staff):
    objection = objection_file(notice=published, text="有异议", contact="138", now=PUBLISHED_AT)
    objection.text = "改了"
    with pytest.raises(ImmutableRecordError):
        objection.save()
    with pytest.raises(ImmutableRecordError):
        objection.delete()
    with pytest.raises(ImmutableRecordError):
        Objection.objects.filter(pk=objection.pk).update(reply="x")
    objection = objection_answer(objection=Objection.objects.get(pk=objection.pk), reply="已复核", actor=staff)
    assert objection.status == Objection.Status.ANSWERED and objection.answered_by == staff
    with pytest.raises(ObjectionRefused):
        objection_answer(objection=objection, reply="再答一次", actor=staff)
    objection.reply = "偷偷改答复"
    with pytest.raises(ImmutableRecordError):
        objection.save()


def test_admin_shows_notices_read_only_and_answers_objections(client, published, staff):
    client.force_login(staff)
    url = reverse("admin:publicity_notice_change", args=[published.pk])
    page = client.get(url)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(url, {"title": "x"}).status_code == 403
    assert client.post(reverse("admin:publicity_notice_delete", args=[published.pk])).status_code == 403
    objection = objection_file(notice=published, text="有异议", now=PUBLISHED_AT)
    url = reverse("admin:publicity_objection_change", args=[objection.pk])
    response = client.post(url, {"status": "answered", "reply": "经复核无误"})
    assert response.status_code == 302
    objection = Objection.objects.get(pk=objection.pk)
    assert objection.status == "answered" and objection.reply == "经复核无误" and objection.text == "有异议"


def test_admin_is_closed_to_people_without_the_staff_role(client, published, staff_flagged_contact):
    client.force_login(staff_flagged_contact)
    assert client.get(reverse("admin:publicity_notice_changelist")).status_code == 403
