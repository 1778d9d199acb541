"""Cases opened from a run: the lowest grade, a high share not satisfied, last place only when the rank
interval says so (never from a point rank alone), commitments rated below the threshold."""
import pytest

from rectification.models import RectificationCase, RectificationPolicy
from rectification.services import cases_open_from_run
from surveys.models import Commitment

from .conftest import PLAIN_DAY, build_run, organs, unit_entry

pytestmark = pytest.mark.django_db


def _league(closed, last_interval: tuple[int, int], size: int = 8) -> tuple[list, object]:
    """`size` organs, all 满意 and well liked; the last one last by point estimate with `last_interval`."""
    units = organs(closed, size)
    entries = [unit_entry(u, score=95 - i, rank=i + 1, rank_low=max(1, i), rank_high=min(size, i + 2))
               for i, u in enumerate(units[:-1])]
    entries.append(unit_entry(units[-1], score=86, rank=size, rank_low=last_interval[0], rank_high=last_interval[1]))
    return units, build_run(closed, entries)


def test_last_place_with_a_tight_rank_interval_opens_a_case(closed):
    units, run = _league(closed, (8, 8))
    opened = cases_open_from_run(run=run, actor="tests", today=PLAIN_DAY)
    assert [(c.unit, c.source) for c in opened] == [(units[-1], RectificationCase.Source.SCORE)]
    assert "8–8" in opened[0].problem


def test_control_last_by_point_estimate_with_a_wide_interval_gets_no_case(closed):
    """Last by its point estimate, but the interval reaches rank 2: not called last (bottom band 3)."""
    _units, run = _league(closed, (2, 8))
    assert cases_open_from_run(run=run, actor="tests", today=PLAIN_DAY) == []
    assert not RectificationCase.objects.exists()


def test_the_bottom_band_is_the_campaigns_setting(closed):
    """Best rank 6 of 8 is within the last three places (default), not within the last two."""
    units, run = _league(closed, (6, 8))
    RectificationPolicy.objects.create(campaign=closed, bottom_band=2)
    assert cases_open_from_run(run=run, actor="tests", today=PLAIN_DAY) == []
    RectificationPolicy.objects.filter(campaign=closed).update(bottom_band=3)
    assert [c.unit for c in cases_open_from_run(run=run, actor="tests", today=PLAIN_DAY)] == [units[-1]]


def test_the_bottom_band_never_covers_more_than_half_of_a_kind(closed):
    """Two units and a band of 3: an interval 1–2 is not "in the bottom band" (else every last unit
    would be, and the point rank would decide again); only 2–2 is."""
    _units, run = _league(closed, (1, 2), size=2)
    assert cases_open_from_run(run=run, actor="tests", today=PLAIN_DAY) == []
    units, run = _league(closed, (2, 2), size=2)
    assert [c.unit for c in cases_open_from_run(run=run, actor="tests", today=PLAIN_DAY)] == [units[-1]]


def test_lowest_grade_and_share_not_satisfied_open_cases_but_suppressed_units_never(closed):
    units = organs(closed, 4)
    run = build_run(closed, [
        unit_entry(units[0], score=55, rank=None, rank_low=None, rank_high=None, grade="不满意"),
        unit_entry(units[1], score=75, rank=None, rank_low=None, rank_high=None, satisfied=0.6),  # 40% > 30%
        unit_entry(units[2], score=75, rank=None, rank_low=None, rank_high=None, satisfied=0.75),  # 25%: no case
        unit_entry(units[3], score=20, rank=None, rank_low=None, rank_high=None, grade="不满意", satisfied=0.1,
                   suppressed=True),
    ])
    opened = {c.unit: c for c in cases_open_from_run(run=run, actor="tests", today=PLAIN_DAY)}
    assert set(opened) == {units[0], units[1]}
    assert "不满意" in opened[units[0]].problem
    assert "40.0%" in opened[units[1]].problem and "30.0%" in opened[units[1]].problem


def test_opening_again_from_the_same_run_adds_nothing(closed):
    _units, run = _league(closed, (8, 8))
    cases_open_from_run(run=run, actor="tests", today=PLAIN_DAY)
    assert cases_open_from_run(run=run, actor="tests", today=PLAIN_DAY) == []
    assert RectificationCase.objects.count() == 1


def test_a_commitment_rated_below_the_threshold_opens_its_own_case(closed):
    units = organs(closed, 2)
    kept = Commitment.objects.create(campaign=closed, unit=units[0], text="办照三个工作日内办结")
    broken = Commitment.objects.create(campaign=closed, unit=units[1], text="窗口午间不停办")
    run = build_run(closed, [unit_entry(u, score=90, rank=None, rank_low=None, rank_high=None) for u in units],
                    commitments=[{"id": kept.pk, "unit": units[0].code, "score": 82.0, "ci": [78, 86], "se": 2, "n": 40},
                                 {"id": broken.pk, "unit": units[1].code, "score": 51.5, "ci": [45, 58], "se": 3,
                                  "n": 38}])
    opened = cases_open_from_run(run=run, actor="tests", today=PLAIN_DAY)
    assert [(c.unit, c.source, c.commitment) for c in opened] == [(units[1], "commitment", broken)]
    assert "窗口午间不停办" in opened[0].problem and "51.5" in opened[0].problem
