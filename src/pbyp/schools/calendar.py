"""School days, from the school calendar that managers edit (terms and holidays).

A school day is a weekday inside a term and outside every holiday. A school that has entered no
terms yet counts every weekday outside its holidays, so deadlines work from the first day; so does
a calendar that has run out (the days after its last term), so no deadline waits for next year's
dates to be typed in.
Deadlines "in school days" count only the hours that fall on school days, in the school's time
zone: 48 hours from Friday 15:00 is Tuesday 15:00, and work sent on a Saturday starts its clock on
Monday morning.

Managers edit the calendar (pbyp.schools.services.calendar_period_save); `typical_english_year`
suggests a year's dates to start from.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.http import Http404
from django.utils import timezone

from pbyp.schools.access import get_or_404
from pbyp.schools.context import SchoolContext
from pbyp.schools.models import CalendarPeriod, PeriodKind

LOOK_AHEAD_DAYS = 400  # far more than the longest holiday


@dataclass(frozen=True)
class Calendar:
    terms: tuple[tuple[date, date], ...]
    holidays: tuple[tuple[date, date], ...]

    @classmethod
    def of(cls, school) -> "Calendar":
        """The school's calendar (1 query)."""
        return cls.from_periods(
            CalendarPeriod.objects.filter(school=school).only("kind", "starts_on", "ends_on")
        )

    @classmethod
    def from_periods(cls, periods: Iterable[CalendarPeriod]) -> "Calendar":
        """A calendar from periods already fetched (no query)."""
        terms, holidays = [], []
        for period in periods:
            (terms if period.kind == PeriodKind.TERM else holidays).append(
                (period.starts_on, period.ends_on)
            )
        return cls(tuple(terms), tuple(holidays))

    def is_school_day(self, day: date) -> bool:
        if day.weekday() >= 5:
            return False
        if any(start <= day <= end for start, end in self.holidays):
            return False
        if not self.terms or day > max(end for _, end in self.terms):
            return True
        return any(start <= day <= end for start, end in self.terms)

    def add_school_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` of school-day time after `start`."""
        zone = timezone.get_current_timezone()
        moment = timezone.localtime(start, zone)
        left = timedelta(hours=hours)
        for _ in range(LOOK_AHEAD_DAYS):
            midnight = datetime.combine(moment.date() + timedelta(days=1), time(), tzinfo=zone)
            if self.is_school_day(moment.date()):
                today = midnight - moment
                if left <= today:
                    return moment + left
                left -= today
            moment = midnight
        return moment + left  # never reached: weekdays after the last term are school days

    def school_days_between(self, start: datetime, end: datetime) -> float:
        """How many school days of time lie between two moments (for reporting)."""
        zone = timezone.get_current_timezone()
        moment, end = timezone.localtime(start, zone), timezone.localtime(end, zone)
        total = timedelta()
        while moment < end:
            midnight = datetime.combine(moment.date() + timedelta(days=1), time(), tzinfo=zone)
            if self.is_school_day(moment.date()):
                total += min(midnight, end) - moment
            moment = midnight
        return total / timedelta(days=1)


def access_calendar_period(ctx: SchoolContext, period_id) -> CalendarPeriod:
    """A term or holiday of the asker's school, for its managers to change (404 otherwise)."""
    if ctx.school is None or not ctx.is_manager:
        raise Http404
    return get_or_404(CalendarPeriod.objects.filter(school=ctx.school), period_id)


# --- a typical school year in England ---------------------------------------------------------
#
# Local authorities and academy trusts each publish their own dates, so this is a starting point
# that managers then check: terms start in early September, early January and after the Easter
# break; half-terms fall in late October, mid-February and the week of the late-May bank holiday.
# The Christmas and Easter breaks lie between terms, so they need no holiday of their own.

MONDAY, WEDNESDAY, FRIDAY = 0, 2, 4


@dataclass(frozen=True)
class SuggestedPeriod:
    kind: str
    name: str
    starts_on: date
    ends_on: date


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the Meeus/Jones/Butcher method)."""
    golden = year % 19
    century, year_of_century = divmod(year, 100)
    leap_centuries, century_rest = divmod(century, 4)
    correction = (century + 8) // 25
    moon_correction = (century - correction + 1) // 3
    epact = (19 * golden + century - leap_centuries - moon_correction + 15) % 30
    leap_years, year_rest = divmod(year_of_century, 4)
    to_sunday = (32 + 2 * century_rest + 2 * leap_years - epact - year_rest) % 7
    shift = (golden + 11 * epact + 22 * to_sunday) // 451
    month, day = divmod(epact + to_sunday - 7 * shift + 114, 31)
    return date(year, month, day + 1)


def _on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _on_or_before(day: date, weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def _weekday_on_or_after(day: date) -> date:
    return day if day.weekday() < 5 else _on_or_after(day, MONDAY)


def _weekday_on_or_before(day: date) -> date:
    return day if day.weekday() < 5 else _on_or_before(day, FRIDAY)


def _week(monday: date) -> tuple[date, date]:
    return monday, monday + timedelta(days=4)


def school_year_of(day: date) -> int:
    """The calendar year in which the school year holding `day` began (September; August counts
    as the run-up to the next year)."""
    return day.year if day.month >= 8 else day.year - 1


def school_year_span(autumn_year: int) -> tuple[date, date]:
    """The first and last day of the school year starting in `autumn_year`."""
    return date(autumn_year, 9, 1), date(autumn_year + 1, 8, 31)


def typical_english_year(autumn_year: int) -> list[SuggestedPeriod]:
    """Terms, half-terms and the early-May bank holiday of the school year starting in September
    of `autumn_year`, in date order."""
    spring_year = autumn_year + 1
    easter = easter_sunday(spring_year)
    easter_break_starts = easter - timedelta(days=6)  # the Monday of Holy Week
    summer_starts = easter + timedelta(days=8)  # the Monday after Easter Monday's week
    october = _week(_on_or_before(date(autumn_year, 10, 31), MONDAY))
    february = _week(_on_or_after(date(spring_year, 2, 12), MONDAY))
    may_bank_holiday = _on_or_after(date(spring_year, 5, 1), MONDAY)
    late_may = _week(_on_or_before(date(spring_year, 5, 31), MONDAY))
    term, holiday = PeriodKind.TERM.value, PeriodKind.HOLIDAY.value
    periods = [
        SuggestedPeriod(
            term,
            f"Autumn term {autumn_year}",
            _weekday_on_or_after(date(autumn_year, 9, 3)),
            _on_or_before(date(autumn_year, 12, 20), FRIDAY),
        ),
        SuggestedPeriod(holiday, "October half-term", *october),
        SuggestedPeriod(
            term,
            f"Spring term {spring_year}",
            _on_or_after(date(spring_year, 1, 4), MONDAY),
            easter_break_starts - timedelta(days=3),
        ),
        SuggestedPeriod(holiday, "February half-term", *february),
        SuggestedPeriod(
            term,
            f"Summer term {spring_year}",
            summer_starts,
            _weekday_on_or_before(date(spring_year, 7, 22)),
        ),
        SuggestedPeriod(holiday, "Early May bank holiday", may_bank_holiday, may_bank_holiday),
        SuggestedPeriod(holiday, "May half-term", *late_may),
    ]
    return sorted(periods, key=lambda p: (p.starts_on, p.kind))
