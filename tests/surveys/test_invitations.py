"""Issuing invitations: codes shown once (CSV), stored hashed, audited by count only."""
import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from surveys.codes import hash_code, normalize_code
from surveys.models import AuditEvent, Invitation

pytestmark = pytest.mark.django_db


def _read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


class TestCommand:
    def test_writes_codes_and_urls_and_stores_only_hashes(self, open_campaign, tmp_path, settings):
        settings.MINPING_BASE_URL = "https://pingyi.example.gov.cn"
        out = tmp_path / "codes.csv"
        call_command("issue_invitations", "open-2026", "--group", "residents", "--count", "7", "--out", str(out),
                     stdout=io.StringIO())
        rows = _read_csv(out.read_text(encoding="utf-8-sig"))
        assert len(rows) == 7 and len({r["code"] for r in rows}) == 7
        for row in rows:
            assert row["url"] == f"https://pingyi.example.gov.cn/b/{row['code']}/"
            assert Invitation.objects.filter(code_hash=hash_code(normalize_code(row["code"]))).exists()
        stored = " ".join(Invitation.objects.values_list("code_hash", flat=True))
        assert not any(normalize_code(r["code"]) in stored for r in rows)

    def test_audited_by_count_never_by_code(self, open_campaign, tmp_path):
        out = tmp_path / "codes.csv"
        call_command("issue_invitations", "open-2026", "--group", "residents", "--count", "3", "--out", str(out),
                     stdout=io.StringIO())
        event = AuditEvent.objects.get(action="invitation.issue")
        assert event.data == {"count": 3}
        codes = [r["code"] for r in _read_csv(out.read_text(encoding="utf-8-sig"))]
        dump = repr(list(AuditEvent.objects.values()))
        assert not any(code in dump or normalize_code(code) in dump for code in codes)

    def test_never_overwrites_an_existing_file(self, open_campaign, tmp_path):
        out = tmp_path / "codes.csv"
        out.write_text("old codes")
        with pytest.raises(CommandError, match="已存在"):
            call_command("issue_invitations", "open-2026", "--group", "residents", "--count", "3", "--out", str(out))
        assert out.read_text() == "old codes" and not Invitation.objects.exists()

    @pytest.mark.parametrize("args,message", [
        (["nope", "--group", "residents", "--count", "1"], "不存在标识为“nope”的评议活动"),
        (["open-2026", "--group", "nobody", "--count", "1"], "没有评议主体"),
        (["open-2026", "--group", "residents", "--count", "0"], "1 至"),
    ])
    def test_bad_input_is_refused_and_changes_nothing(self, open_campaign, tmp_path, args, message):
        with pytest.raises(CommandError, match=message):
            call_command("issue_invitations", *args, "--out", str(tmp_path / "c.csv"))
        assert not Invitation.objects.exists() and not (tmp_path / "c.csv").exists()

    def test_open_access_groups_get_no_invitations(self, open_campaign, tmp_path):
        open_campaign.groups.filter(key="delegates").update(access="open")
        with pytest.raises(CommandError, match="开放链接"):
            call_command("issue_invitations", "open-2026", "--group", "delegates", "--count", "1",
                         "--out", str(tmp_path / "c.csv"))

    def test_no_more_invitations_than_the_group_has_people(self, open_campaign, tmp_path):
        open_campaign.groups.filter(key="delegates").update(population_size=5)
        args = ["open-2026", "--group", "delegates", "--count"]
        call_command("issue_invitations", *args, "3", "--out", str(tmp_path / "a.csv"), stdout=io.StringIO())
        with pytest.raises(CommandError, match="共有 5 人，已发放 3 份邀请：至多还能发放 2 份"):
            call_command("issue_invitations", *args, "3", "--out", str(tmp_path / "b.csv"))
        assert Invitation.objects.count() == 3 and not (tmp_path / "b.csv").exists()
        call_command("issue_invitations", *args, "2", "--out", str(tmp_path / "c.csv"), stdout=io.StringIO())
        assert Invitation.objects.count() == 5


class TestService:
    def test_issuing_beyond_the_population_is_refused_in_english_too(self, open_campaign):
        from django.utils import translation

        from surveys.services import invitations_issue

        group = open_campaign.groups.get(key="delegates")
        group.population_size = 2
        group.save()
        with translation.override("en"), pytest.raises(ValueError, match="has 2 people and 0 invitations already: "
                                                                         "at most 2 more can be issued"):
            invitations_issue(group=group, count=3, actor="tests")
        assert not Invitation.objects.exists()


class TestAdmin:
    def url(self, campaign):
        return reverse("admin:surveys_campaign_issue_invitations", args=[campaign.pk])

    def test_staff_download_the_codes_once(self, client, staff, open_campaign):
        client.force_login(staff)
        group = open_campaign.groups.get(key="delegates")
        assert client.get(self.url(open_campaign)).status_code == 200
        response = client.post(self.url(open_campaign), {"group": group.pk, "count": 4})
        assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
        assert "no-store" in response["Cache-Control"]
        rows = _read_csv(response.content.decode("utf-8"))
        assert len(rows) == 4 and Invitation.objects.filter(group=group).count() == 4
        assert AuditEvent.objects.get(action="invitation.issue").actor == staff

    def test_bad_count_shows_the_form_again(self, client, staff, open_campaign):
        client.force_login(staff)
        group = open_campaign.groups.get(key="delegates")
        response = client.post(self.url(open_campaign), {"group": group.pk, "count": 0})
        assert response.status_code == 200 and "errorlist" in response.content.decode()
        assert not Invitation.objects.exists()

    def test_more_than_the_population_shows_the_form_again_with_the_reason(self, client, staff, open_campaign):
        client.force_login(staff)
        group = open_campaign.groups.get(key="delegates")
        group.population_size = 3
        group.save()
        response = client.post(self.url(open_campaign), {"group": group.pk, "count": 4})
        assert response.status_code == 200 and "至多还能发放 3 份" in response.content.decode()
        assert not Invitation.objects.exists()

    def test_the_campaign_page_shows_turnout_per_group_from_the_spent_tags(self, client, staff, open_campaign):
        from surveys.services import invitations_issue

        from .conftest import valid_answers

        residents = open_campaign.groups.get(key="residents")
        codes = invitations_issue(group=residents, count=4, actor="tests")
        assert client.post(f"/api/v1/ballots/{codes[2]}/", {"answers": valid_answers(residents)},
                           content_type="application/json").status_code == 201
        client.force_login(staff)
        body = client.get(reverse("admin:surveys_campaign_change", args=[open_campaign.pk])).content.decode()
        assert "已使用 / 已发放邀请码" in body and "1 / 4" in body

    def test_unit_contacts_cannot_issue(self, client, staff_flagged_contact, open_campaign):
        client.force_login(staff_flagged_contact)
        assert client.get(self.url(open_campaign)).status_code == 403
