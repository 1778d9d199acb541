"""Every command that takes a campaign answers a missing one the same way, in the user's language,
before doing any work; a missing group of an existing campaign is named as such."""
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from surveys.models import AuditEvent

pytestmark = pytest.mark.django_db


def _commands(tmp_path) -> dict[str, list[str]]:
    out = str(tmp_path / "out.csv")
    return {
        "score": ["score", "nope"],
        "score --verify": ["score", "nope", "--verify", "1"],
        "publish": ["publish", "nope", "--kind", "publicity"],
        "notice": ["notice", "nope", "--out", str(tmp_path / "n.pdf")],
        "campaign_status": ["campaign_status", "nope", "closed"],
        "settle_ballots": ["settle_ballots", "--campaign", "nope"],
        "export_ballots": ["export_ballots", "nope", "--group", "residents", "--out", out],
        "reproduce": ["reproduce", "nope", "--group", "residents", "--out", out],
        "issue_invitations": ["issue_invitations", "nope", "--group", "residents", "--count", "1", "--out", out],
        "invitation_slips": ["invitation_slips", "nope", "--group", "residents", "--count", "1",
                             "--out", str(tmp_path / "s.pdf")],
        "import_ballots": ["import_ballots", "nope", "--group", "residents", str(tmp_path / "b.xlsx")],
        "ballot_template": ["ballot_template", "nope", "--group", "residents", "--out", str(tmp_path / "t.xlsx")],
    }


COMMANDS = ["score", "score --verify", "publish", "notice", "campaign_status", "settle_ballots", "export_ballots",
            "reproduce", "issue_invitations", "invitation_slips", "import_ballots", "ballot_template"]


def _refusal(args: list[str], language: str) -> str:
    with translation.override(language), pytest.raises(CommandError) as refused:
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
    return str(refused.value)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_campaign_gets_the_same_error_in_the_users_language(command, tmp_path):
    args = _commands(tmp_path)[command]
    assert _refusal(args, "zh-hans") == "不存在标识为“nope”的评议活动。"
    assert _refusal(args, "en") == "No campaign with the slug “nope”."
    assert not AuditEvent.objects.exists() and not list(tmp_path.iterdir())


def test_a_missing_group_of_an_existing_campaign_names_the_group(open_campaign, tmp_path):
    args = ["export_ballots", open_campaign.slug, "--group", "walrus", "--out", str(tmp_path / "x.csv")]
    assert _refusal(args, "en") == f"No group “walrus” in campaign “{open_campaign.slug}”."
