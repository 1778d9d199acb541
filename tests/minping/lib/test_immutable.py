"""The one guard for records written once (`minping.lib.immutable`): ballots, answers and ballot unit
scores are refused every change and delete through the ORM — instance and bulk — with a clear error
in the user's language; a deliberate purge is the one named way past it. The control shows the same
operations do change a model without the guard."""
import pytest
from django.db import transaction
from django.utils import translation

from minping.lib.immutable import ImmutableRecordError
from surveys.models import Answer, Ballot, BallotUnitScore, Region
from surveys.record import campaign_purge_allow
from tests.publicity.factories import scored_campaign

pytestmark = pytest.mark.django_db

CHANGES = {Ballot: ("channel", "paper"), Answer: ("number", 0.0), BallotUnitScore: ("score", 100.0)}


@pytest.fixture
def campaign():
    return scored_campaign()


def _stored(model, campaign) -> list[tuple]:
    rows = model.objects.filter(**{"campaign" if model is Ballot else "ballot__campaign": campaign})
    return sorted(map(tuple, rows.values_list()), key=str)


@pytest.mark.parametrize("model", list(CHANGES), ids=lambda m: m.__name__)
def test_a_written_row_cannot_be_saved_again_or_deleted(campaign, model):
    before = _stored(model, campaign)
    row = model.objects.filter(pk=before[0][0]).get()
    field, value = CHANGES[model]
    setattr(row, field, value)
    for attempt in (row.save, row.delete):
        with pytest.raises(ImmutableRecordError):
            attempt()
    assert _stored(model, campaign) == before


@pytest.mark.parametrize("model", list(CHANGES), ids=lambda m: m.__name__)
def test_bulk_updates_and_deletes_are_refused_too(campaign, model):
    before = _stored(model, campaign)
    field, value = CHANGES[model]
    with pytest.raises(ImmutableRecordError):
        model.objects.all().update(**{field: value})
    with pytest.raises(ImmutableRecordError):
        model.objects.all().delete()
    assert _stored(model, campaign) == before


@pytest.mark.parametrize("language,message", [("en", "Ballots cannot be changed once written."),
                                              ("zh-hans", "评议票一经写入即不可更改。")])
def test_the_error_names_the_records_in_the_users_language(campaign, language, message):
    row = Ballot.objects.filter(campaign=campaign).first()
    with translation.override(language), pytest.raises(ImmutableRecordError) as refused:
        row.save()
    assert str(refused.value) == message


def test_new_rows_are_written_whatever_their_preset_random_id(campaign):
    """Ballots get their uuid before the first save: the guard asks whether the row is new, not
    whether it has a primary key."""
    model = Ballot.objects.filter(campaign=campaign).first()
    fresh = Ballot(campaign=campaign, group=model.group, channel="paper", received_on=model.received_on)
    assert fresh.pk is not None
    fresh.save()
    assert Ballot.objects.filter(pk=fresh.pk).exists()


def test_a_purge_is_the_one_named_way_to_remove_a_campaigns_ballots(campaign):
    ballots = Ballot.objects.filter(campaign=campaign).values("id")
    with transaction.atomic():
        campaign_purge_allow(campaign)   # the PostgreSQL triggers' permission, for this transaction
        BallotUnitScore.objects.filter(ballot_id__in=ballots).purge()
        Answer.objects.filter(ballot_id__in=ballots).purge()
        Ballot.objects.filter(campaign=campaign).purge()
    assert not Ballot.objects.filter(campaign=campaign).exists()
    assert not Answer.objects.filter(ballot__campaign=campaign).exists()


def test_control_the_same_operations_change_a_model_without_the_guard(campaign):
    region = Region.objects.create(code="R-X", name="甲区", level="district")
    region.name = "乙区"
    region.save()
    Region.objects.filter(pk=region.pk).update(name="丙区")
    assert Region.objects.get(pk=region.pk).name == "丙区"
    Region.objects.filter(pk=region.pk).delete()
    assert not Region.objects.filter(pk=region.pk).exists()
