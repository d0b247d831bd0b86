"""Monitoring figures about assessment (SPEC §6 and §10): how much work peers decide, how long
work waits for its first review, why work goes to teachers, how often teachers agree with peers,
and each peer assessor's reliability. Reads only; each function costs a fixed number of queries
whatever the size of the school.

The school's figures, for a period that starts at `since` and ends now:

- **Decided by peers or teachers, by phase**: work decided in the period (its `decided_at`), counted
  by who made the final decision. Peers decide when enough of them agree; a teacher decides
  otherwise (work routed to teachers, or decided by a teacher on any route). Work a teacher's spot
  check turned from "not yet" to "meets" counts as the teacher's. The phase is the submitter's when
  they sent it (early years count as primary).
- **Time to first review**: for work whose first decision (a peer's or a teacher's) came in the
  period, the time from sending it to that decision: the median and the 90th percentile (linear
  interpolation between the nearest ranks), in hours of clock time and in school days (only the
  time that falls on school days of the school calendar counts).
- **Sent to a teacher, and why**: of the work sent in the period (its `submitted_at`), the pieces
  now routed to teachers, counted by the reason they went there (no eligible peer when sent, peers
  did not take it before the deadline, peers disagreed with no third peer left).
- **Spot checks**: spot checks a teacher decided in the period. Agreement is the share where the
  teacher's outcome matched the peers'; the others are overturns, counted both ways.
- **Waiting now**: work waiting to be decided at this moment (not limited to the period), by who it
  waits for, with how long the oldest piece has waited.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median

from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.utils import timezone

from pbyp.assessment.models import SpotCheck
from pbyp.assessment.reliability import AssessorFigures, assessor_figures
from pbyp.evidence.models import Decision, Evidence, Outcome, Route, RouteReason, Status
from pbyp.schools.calendar import Calendar
from pbyp.schools.models import Membership, Phase

PHASES = (Phase.PRIMARY, Phase.SECONDARY, Phase.ADULT)
DECIDED = (Status.ACHIEVED, Status.NOT_YET, Status.SUPERSEDED)
REASONS = (RouteReason.NO_PEER, RouteReason.DEADLINE, RouteReason.DISAGREEMENT)
ROUTES = (Route.PEER, Route.NETWORK, Route.TEACHER)
# How long work waited for its first review, in bands a manager can read at a glance.
WAIT_BANDS = (
    (1, "Within an hour"),
    (24, "1 to 24 hours"),
    (48, "1 to 2 days"),
    (24 * 7, "2 to 7 days"),
    (None, "More than a week"),
)
DAY = timedelta(days=1)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def percent(part: int, whole: int) -> int:
    """A whole-number percentage for bar widths and labels (0 when there is nothing)."""
    return round(100 * part / whole) if whole else 0


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile (0–100) of sorted values, interpolating between the nearest ranks."""
    if not values:
        return None
    rank = (len(values) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (rank - low)


@dataclass
class Split:
    """Decided work in one phase (or all phases): how much peers decided, how much teachers."""

    key: str
    label: str
    peers: int = 0
    teachers: int = 0

    @property
    def total(self) -> int:
        return self.peers + self.teachers

    @property
    def share_peers(self) -> float | None:
        return _share(self.peers, self.total)

    @property
    def peers_percent(self) -> int:
        return percent(self.peers, self.total)

    @property
    def teachers_percent(self) -> int:
        return 100 - self.peers_percent if self.total else 0


@dataclass
class Bar:
    """One bar of a chart: a label, a number, its width against the chart's largest bar."""

    key: str
    label: str
    n: int = 0
    width: int = 0
    oldest: datetime | None = None  # waiting work only: when the oldest piece was sent


def _widths(rows: list[Bar]) -> list[Bar]:
    widest = max((row.n for row in rows), default=0)
    for row in rows:
        row.width = percent(row.n, widest)
    return rows


@dataclass
class SchoolFigures:
    since: datetime
    until: datetime
    phases: list[Split]
    decided: Split
    reviewed: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None
    median_school_days: float | None = None
    p90_school_days: float | None = None
    wait_bands: list[Bar] = field(default_factory=list)
    submitted: int = 0
    to_teacher: list[Bar] = field(default_factory=list)
    checks_decided: int = 0
    checks_agreed: int = 0
    overturned_to_meets: int = 0
    overturned_to_not_yet: int = 0
    checks_waiting: int = 0
    waiting: list[Bar] = field(default_factory=list)

    @property
    def to_teacher_total(self) -> int:
        return sum(row.n for row in self.to_teacher)

    @property
    def to_teacher_percent(self) -> int:
        return percent(self.to_teacher_total, self.submitted)

    @property
    def overturned(self) -> int:
        return self.checks_decided - self.checks_agreed

    @property
    def agreement(self) -> float | None:
        return _share(self.checks_agreed, self.checks_decided)

    @property
    def agreement_percent(self) -> int:
        return percent(self.checks_agreed, self.checks_decided)

    @property
    def overturn_percent(self) -> int:
        return percent(self.overturned, self.checks_decided) if self.checks_decided else 0

    @property
    def waiting_total(self) -> int:
        return sum(row.n for row in self.waiting)

    def csv_rows(self) -> list[tuple]:
        """(figure, group, value) rows: every figure on the page, for a spreadsheet."""
        zone = timezone.get_current_timezone()
        rows: list[tuple] = [
            ("Period start", "", timezone.localtime(self.since, zone).strftime("%Y-%m-%d %H:%M")),
            ("Period end", "", timezone.localtime(self.until, zone).strftime("%Y-%m-%d %H:%M")),
        ]
        for split in [*self.phases, self.decided]:
            rows += [
                ("Work decided by peers", split.label, split.peers),
                ("Work decided by teachers", split.label, split.teachers),
                ("Share decided by peers (%)", split.label, _rounded(split.share_peers, 100)),
            ]
        rows += [
            ("Work given its first review", "", self.reviewed),
            ("Hours to first review", "Median", _rounded(self.median_hours)),
            ("Hours to first review", "90th percentile", _rounded(self.p90_hours)),
            ("School days to first review", "Median", _rounded(self.median_school_days, 1, 2)),
            (
                "School days to first review",
                "90th percentile",
                _rounded(self.p90_school_days, 1, 2),
            ),
        ]
        rows += [("Work given its first review", band.label, band.n) for band in self.wait_bands]
        rows.append(("Work sent", "", self.submitted))
        rows += [("Work sent to a teacher", row.label, row.n) for row in self.to_teacher]
        rows += [
            ("Work sent to a teacher", "All reasons", self.to_teacher_total),
            ("Spot checks decided", "", self.checks_decided),
            ("Spot checks: teacher agreed with peers", "", self.checks_agreed),
            ("Spot checks: teacher agreed with peers (%)", "", _rounded(self.agreement, 100)),
            (
                "Spot checks: overturned",
                "Peers said not yet, teacher said meets",
                self.overturned_to_meets,
            ),
            (
                "Spot checks: overturned",
                "Peers said meets, teacher said not yet",
                self.overturned_to_not_yet,
            ),
            ("Spot checks waiting for a teacher", "", self.checks_waiting),
        ]
        rows += [("Work waiting now", row.label, row.n) for row in self.waiting]
        return rows


def _rounded(value: float | None, scale: float = 1, places: int = 1):
    return "" if value is None else round(value * scale, places)


def school_assessment_figures(school, since: datetime, *, now: datetime | None = None):
    """The school's assessment figures for the period from `since` to now (definitions above).
    4 queries: one aggregate over evidence, the first-review times of the period, one aggregate
    over spot checks, the school calendar."""
    now = now or timezone.now()
    counts = _evidence_counts(school, since)
    phase_labels = dict(Phase.choices)
    phases = [
        Split(p, str(phase_labels[p]), counts[f"peers_{p}"], counts[f"teachers_{p}"])
        for p in PHASES
    ]
    decided = Split(
        "all",
        "All phases",
        sum(s.peers for s in phases),
        sum(s.teachers for s in phases),
    )
    reason_labels = dict(RouteReason.choices)
    to_teacher = [Bar(r, str(reason_labels[r]), counts[f"reason_{r}"]) for r in REASONS]
    if counts["reason_other"]:
        to_teacher.append(Bar("other", "Other reasons", counts["reason_other"]))
    route_labels = dict(Route.choices)
    waiting = [
        Bar(r, str(route_labels[r]), counts[f"waiting_{r}"], oldest=counts[f"oldest_{r}"])
        for r in ROUTES
    ]
    figures = SchoolFigures(
        since=since,
        until=now,
        phases=phases,
        decided=decided,
        submitted=counts["submitted"],
        to_teacher=_widths(to_teacher),
        waiting=_widths(waiting),
    )
    _first_reviews(figures, school, since, now)
    _spot_checks(figures, school, since)
    return figures


def _evidence_counts(school, since) -> dict:
    """One aggregate over the school's evidence that the period or the queues touch."""
    decided = Q(status__in=DECIDED, decided_at__gte=since)
    sent = Q(submitted_at__gte=since)
    waiting = Q(status=Status.AWAITING)
    to_teacher = sent & Q(route=Route.TEACHER)
    aggregates = {"submitted": Count("pk", filter=sent)}
    for phase in PHASES:
        aggregates[f"peers_{phase}"] = Count(
            "pk", filter=decided & Q(phase=phase, decided_by_peers=True)
        )
        aggregates[f"teachers_{phase}"] = Count(
            "pk", filter=decided & Q(phase=phase, decided_by_peers=False)
        )
    for reason in REASONS:
        aggregates[f"reason_{reason}"] = Count("pk", filter=to_teacher & Q(route_reason=reason))
    aggregates["reason_other"] = Count("pk", filter=to_teacher & ~Q(route_reason__in=REASONS))
    for route in ROUTES:
        aggregates[f"waiting_{route}"] = Count("pk", filter=waiting & Q(route=route))
        aggregates[f"oldest_{route}"] = Min("submitted_at", filter=waiting & Q(route=route))
    return Evidence.objects.filter(Q(school=school) & (decided | sent | waiting)).aggregate(
        **aggregates
    )


def _first_reviews(figures: SchoolFigures, school, since, now) -> None:
    """Times from sending to first review, for work first reviewed in the period (2 queries)."""
    pairs = list(
        Evidence.objects.filter(
            school=school, first_review_at__gte=since, first_review_at__lte=now
        ).values_list("submitted_at", "first_review_at")
    )
    calendar = Calendar.of(school)  # always asked, so the page's query count never varies
    figures.reviewed = len(pairs)
    bands = [Bar(str(limit), label) for limit, label in WAIT_BANDS]
    figures.wait_bands = bands
    if not pairs:
        return
    hours = sorted(max(0.0, (end - start).total_seconds() / 3600) for start, end in pairs)
    for value in hours:
        for (limit, _), band in zip(WAIT_BANDS, bands, strict=True):
            if limit is None or value < limit:
                band.n += 1
                break
    _widths(bands)
    figures.median_hours = median(hours)
    figures.p90_hours = percentile(hours, 90)
    # The clock covers every moment: a review recorded before sending (imported or seeded
    # data) counts as no wait rather than breaking the page.
    moments = [moment for pair in pairs for moment in pair]
    clock = SchoolDayClock(calendar, min(moments), max(moments))
    days = sorted(max(0.0, clock.at(end) - clock.at(start)) for start, end in pairs)
    figures.median_school_days = median(days)
    figures.p90_school_days = percentile(days, 90)


class SchoolDayClock:
    """School days elapsed since a fixed start, for any moment between two dates: the same
    measure as Calendar.school_days_between, but each day of the range is looked at once, so
    measuring thousands of waits costs one pass over the calendar rather than one per wait."""

    def __init__(self, calendar: Calendar, first: datetime, last: datetime):
        self.zone = timezone.get_current_timezone()
        self.calendar = calendar
        day = timezone.localtime(first, self.zone).date()
        end = timezone.localtime(last, self.zone).date()
        self.before: dict[date, float] = {}
        self.school_day: dict[date, bool] = {}
        total = 0.0
        while day <= end:
            self.before[day] = total
            self.school_day[day] = calendar.is_school_day(day)
            if self.school_day[day]:
                total += (self._midnight(day + DAY) - self._midnight(day)) / DAY
            day += DAY

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.zone)

    def at(self, moment: datetime) -> float:
        local = timezone.localtime(moment, self.zone)
        day = local.date()
        elapsed = self.before[day]
        if self.school_day[day]:
            elapsed += (local - self._midnight(day)) / DAY
        return elapsed


def _spot_checks(figures: SchoolFigures, school, since) -> None:
    """Spot checks decided in the period, and those still waiting for a teacher (1 query)."""
    decided = Q(decided_at__gte=since)
    agreed = decided & Q(outcome=F("peer_outcome"))
    row = SpotCheck.objects.filter(school=school).aggregate(
        decided=Count("pk", filter=decided),
        agreed=Count("pk", filter=agreed),
        to_meets=Count(
            "pk", filter=decided & Q(peer_outcome=Outcome.NOT_YET, outcome=Outcome.MEETS)
        ),
        to_not_yet=Count(
            "pk", filter=decided & Q(peer_outcome=Outcome.MEETS, outcome=Outcome.NOT_YET)
        ),
        waiting=Count("pk", filter=Q(decided_at__isnull=True)),
    )
    figures.checks_decided = row["decided"]
    figures.checks_agreed = row["agreed"]
    figures.overturned_to_meets = row["to_meets"]
    figures.overturned_to_not_yet = row["to_not_yet"]
    figures.checks_waiting = row["waiting"]


# --- peer assessors --------------------------------------------------------------------------


def _assessors(learners):
    """Learners who have made peer decisions, or whose assessing is paused (so it can be
    restored from the same table), by name."""
    decided = Decision.objects.filter(assessor=OuterRef("user"), by_teacher=False)
    return (
        learners.filter(Q(Exists(decided)) | Q(assessor_suspended=True))
        .select_related("user", "tutor_group")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def school_assessors(school):
    """Every peer assessor at the school (a queryset: page it)."""
    return _assessors(Membership.objects.learners().filter(school=school))


def tutor_assessors(school, tutor):
    """The peer assessors in this tutor's own tutor groups (a queryset: page it)."""
    return _assessors(Membership.objects.learners().filter(school=school, tutor_group__tutor=tutor))


@dataclass
class AssessorRow:
    membership: Membership
    figures: AssessorFigures

    @property
    def approved_percent(self) -> int:
        return percent(self.figures.approved, self.figures.decisions)

    @property
    def agreement_percent(self) -> int:
        return percent(self.figures.agreed, self.figures.checks)

    @property
    def time_to_decide(self) -> str:
        """The median time from taking work to deciding it, in minutes (hours when long)."""
        minutes = self.figures.median_minutes
        if minutes is None:
            return ""
        if minutes < 90:
            return f"{round(minutes)} min"
        return f"{minutes / 60:.1f} h"


def assessor_rows(memberships) -> list[AssessorRow]:
    """Each membership with its assessor figures (the figures cost 3 queries; none when the
    list is empty)."""
    memberships = list(memberships)
    if not memberships:
        return []
    figures = assessor_figures(m.user_id for m in memberships)
    return [AssessorRow(m, figures[m.user_id]) for m in memberships]
