"""Reads on the collection side that more than one place needs: campaign status for casting,
invitation turnout, pending ballots."""
from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Ballot, Campaign, EvaluatorGroup, Invitation, PendingBallot, SpentTag, Unit


def campaigns_with_ballot_counts(campaigns: QuerySet[Campaign]) -> QuerySet[Campaign]:
    """`campaigns` with `ballot_total`: written-out ballots and those cast but not yet settled, since
    both are ballots."""
    def count(model):
        rows = model.objects.filter(campaign=OuterRef("pk")).order_by().values("campaign").annotate(n=Count("*"))
        return Coalesce(Subquery(rows.values("n"), output_field=IntegerField()), Value(0))

    return campaigns.annotate(ballot_total=count(Ballot) + count(PendingBallot))


def invitation_turnout(*, group: EvaluatorGroup) -> tuple[int, int]:
    """(invitations used, invitations issued) of `group`: used ones are counted by their spent tags,
    since no invitation row records its own use."""
    return SpentTag.objects.filter(group=group).count(), Invitation.objects.filter(group=group).count()


def current_campaign(campaign_id: int) -> Campaign:
    """The campaign's status and period as they are now (never cached)."""
    return Campaign.objects.only("status", "opens_at", "closes_at").get(pk=campaign_id)


def campaign_closed_reason(campaign: Campaign, now=None) -> str | None:
    """Why ballots cannot be cast now, or None when they can (`campaign_open_sql` in SQL)."""
    now = now or timezone.now()
    if campaign.status != Campaign.Status.OPEN:
        return _("This evaluation is not open (status: %(status)s).") % {"status": campaign.get_status_display()}
    if campaign.opens_at and now < campaign.opens_at:
        return _("This evaluation opens on %(date)s.") % {"date": f"{timezone.localtime(campaign.opens_at):%Y-%m-%d %H:%M}"}
    if campaign.closes_at and now >= campaign.closes_at:
        return _("This evaluation closed on %(date)s.") % {"date": f"{timezone.localtime(campaign.closes_at):%Y-%m-%d %H:%M}"}
    return None


def campaign_refusal(campaign_id: int, *, known_open: bool = False) -> str | None:
    """Why a campaign takes no ballots now, or None; `known_open` from a query that just said so."""
    return None if known_open else campaign_closed_reason(current_campaign(campaign_id))


def campaign_open_now(campaign_id: int) -> bool:
    """Does the campaign take ballots at this moment? (`campaign_closed_reason` in one query.)"""
    is_open, params = campaign_open_sql("c")
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Campaign._meta.db_table)
        cursor.execute(f"SELECT {is_open} FROM {table} c WHERE c.id = %s", [*params, campaign_id])
        row = cursor.fetchone()
    return bool(row and row[0])


def campaign_open_sql(alias: str) -> tuple[str, list]:
    """An SQL condition, true while campaign `alias` takes ballots: campaign_closed_reason is None."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    return (f"({alias}.status = %s AND ({alias}.opens_at IS NULL OR {alias}.opens_at <= %s) "
            f"AND ({alias}.closes_at IS NULL OR {alias}.closes_at > %s))", [Campaign.Status.OPEN.value, now, now])


def pending_ballots_rating(unit: Unit):
    """The pending ballots that may rate `unit`: their packed answers name units by id, with no foreign key."""
    return PendingBallot.objects.filter(group__units=unit)
