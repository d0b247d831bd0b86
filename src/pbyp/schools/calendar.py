"""School days, from the school calendar that managers edit (terms and holidays).

A school day is a weekday inside a term and outside every holiday. A school that has entered no
terms yet counts every weekday outside its holidays, so deadlines work from the first day; so does
a calendar that has run out (the days after its last term), so no deadline waits for next year's
dates to be typed in.
Deadlines "in school days" count only the hours that fall on school days, in the school's time
zone: 48 hours from Friday 15:00 is Tuesday 15:00, and work sent on a Saturday starts its clock on
Monday morning.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from pbyp.schools.models import CalendarPeriod, PeriodKind

LOOK_AHEAD_DAYS = 400  # far more than the longest holiday


@dataclass(frozen=True)
class Calendar:
    terms: tuple[tuple[date, date], ...]
    holidays: tuple[tuple[date, date], ...]

    @classmethod
    def of(cls, school) -> "Calendar":
        """The school's calendar (1 query)."""
        terms, holidays = [], []
        for period in CalendarPeriod.objects.filter(school=school).only(
            "kind", "starts_on", "ends_on"
        ):
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
