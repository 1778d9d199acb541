"""The publicity period: working days with statutory holidays and adjusted working days."""
import datetime as dt

import pytest

from publicity.calendar import CalendarUnavailable, working_day_period
from publicity.services import PublishRefused, notice_publish


def test_five_working_days_across_national_day_2026_include_the_adjusted_saturday():
    period = working_day_period(dt.date(2026, 9, 29), 5)
    # 29, 30 September; 1–7 October 国庆 (with 中秋); 8, 9 and Saturday 10 October, a working day.
    assert (period.start, period.end) == (dt.date(2026, 9, 29), dt.date(2026, 10, 10))
    assert period.holidays == ("国庆节",)


def test_a_publication_on_a_weekend_starts_on_the_next_working_day():
    period = working_day_period(dt.date(2026, 9, 26), 5)  # Saturday
    assert period.start == dt.date(2026, 9, 28) and period.end == dt.date(2026, 10, 9)


def test_a_year_the_calendar_does_not_know_is_an_error_not_a_guess():
    # chinese-calendar 1.11.0 knows 2004–2026; the 2027 schedule is published in late 2026.
    with pytest.raises(CalendarUnavailable):
        working_day_period(dt.date(2026, 12, 28), 5)


def test_publishing_into_an_unknown_year_asks_for_an_explicit_deadline(scored):
    late = dt.datetime(2026, 12, 29, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with pytest.raises(PublishRefused, match="chinese-calendar"):
        notice_publish(campaign=scored, kind="publicity", actor="tests", now=late)
    notice = notice_publish(campaign=scored, kind="publicity", actor="tests", now=late, deadline=dt.date(2027, 1, 8))
    assert notice.objection_deadline == dt.date(2027, 1, 8) and notice.working_days is None
