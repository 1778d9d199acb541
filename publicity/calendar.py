"""Working days in mainland China: statutory holidays and the adjusted working days (调休).

The State Council publishes each year's holiday schedule in the autumn before; the
`chinese-calendar` package carries it. A year it does not know yet is an error, never a guess:
guessing Monday–Friday would silently shorten a period across 春节 or 国庆. Then either upgrade the
package or give the deadline explicitly (`publish --deadline`).
"""
import datetime as dt
from dataclasses import dataclass

import chinese_calendar

# The package's English holiday names, as a notice prints them.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


class CalendarUnavailable(Exception):
    """The holiday schedule of a year is not known to the installed calendar package."""


@dataclass(frozen=True)
class Period:
    start: dt.date          # first working day (the publication date when it is one)
    end: dt.date            # last working day, inclusive
    working_days: int
    holidays: tuple[str, ...]   # Chinese names of the statutory holidays skipped, in order


def is_working_day(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        raise CalendarUnavailable(
            f"The installed chinese-calendar does not know the holidays of {day.year}: upgrade it, "
            f"or give the end of the period explicitly."
        ) from None


def working_day_period(start: dt.date, working_days: int) -> Period:
    """`working_days` working days counted from `start` (included if it is a working day)."""
    if working_days < 1:
        raise ValueError("A period has at least one working day.")
    day, counted, holidays = start, 0, []
    first = None
    while True:
        if is_working_day(day):
            counted += 1
            first = first or day
            if counted == working_days:
                return Period(first, day, working_days, tuple(holidays))
        else:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            label = HOLIDAY_NAMES_ZH.get(name, name) if on_holiday and name else None
            if first is not None and label and label not in holidays:
                holidays.append(label)
        day += dt.timedelta(days=1)
