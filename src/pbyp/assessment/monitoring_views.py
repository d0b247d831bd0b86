"""Monitoring of assessment: the school's figures for managers, each peer assessor's reliability
for managers and tutors, and pausing (or restoring) a learner's assessing (SPEC §6, §10)."""

import csv
import io
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from pbyp.assessment import figures, services
from pbyp.assessment.reliability import WATCH_AGREEMENT, WATCH_MIN_CHECKS, WATCH_MIN_DECISIONS
from pbyp.core.audit import audit
from pbyp.schools.access import access_learner, manager_required, staff_required

PAGE_SIZE = 50
PERIODS = {30: "Last 30 days", 90: "Last 90 days", 365: "Last year"}
DEFAULT_DAYS = 90
CSV_CHUNK = 500  # assessors per figures lookup: stays under every database's parameter limit
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _days(request) -> int:
    value = request.GET.get("days", "")
    return int(value) if value.isdigit() and int(value) in PERIODS else DEFAULT_DAYS


def _cell(value):
    """A spreadsheet cell that can't run as a formula (names are typed by people)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    # A byte-order mark first, so Excel reads the file as UTF-8.
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


ASSESSOR_HEADER = [
    "Last name",
    "First name",
    "Year",
    "Tutor group",
    "Peer decisions",
    "Said meets",
    "Share said meets (%)",
    "Spot checks",
    "Teacher agreed",
    "Agreement with teachers (%)",
    "Median minutes to decide",
    "Watched",
    "Assessing",
]


def _assessors_csv(request, assessors, filename: str) -> HttpResponse:
    """Every assessor in the list (not one page): 1 query for the list, 3 per 500 assessors."""
    memberships = list(assessors)
    rows = []
    for start in range(0, len(memberships), CSV_CHUNK):
        for row in figures.assessor_rows(memberships[start : start + CSV_CHUNK]):
            m, f = row.membership, row.figures
            rows.append(
                [
                    m.user.last_name,
                    m.user.first_name,
                    m.year_name,
                    m.tutor_group.name if m.tutor_group else "",
                    f.decisions,
                    f.approved,
                    row.approved_percent if f.decisions else "",
                    f.checks,
                    f.agreed,
                    row.agreement_percent if f.checks else "",
                    "" if f.median_minutes is None else round(f.median_minutes, 1),
                    "yes" if f.watched else "no",
                    "suspended" if m.assessor_suspended else "active",
                ]
            )
    audit(
        school=request.ctx.school,
        actor=request.user,
        action="assessors.export",
        detail=f"{len(rows)} learners",
    )
    return _csv_response(filename, ASSESSOR_HEADER, rows)


# What "watched" means, for the page to explain (pbyp.assessment.reliability decides it).
WATCH = {
    "checks": WATCH_MIN_CHECKS,
    "agreement": round(WATCH_AGREEMENT * 100),
    "decisions": WATCH_MIN_DECISIONS,
}


def _assessor_table(request, assessors) -> dict:
    """One page of assessors with their figures: 2 queries (count, page) + 3 for the figures."""
    page = Paginator(assessors, PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "page": page,
        "rows": figures.assessor_rows(page),
        "filters": request.GET.copy(),
        "watch": WATCH,
    }


@manager_required
def assessment_monitoring(request):
    """The school's assessment at a glance: charts first, the numbers one click away, then every
    peer assessor with their figures."""
    school = request.ctx.school
    assessors = figures.school_assessors(school)
    if request.GET.get("format") == "csv":
        return _assessors_csv(request, assessors, f"{school.slug}-assessors.csv")
    days = _days(request)
    now = timezone.now()
    numbers = figures.school_assessment_figures(school, now - timedelta(days=days), now=now)
    return render(
        request,
        "assessment/monitoring/school.html",
        {
            "figures": numbers,
            "days": days,
            "periods": PERIODS.items(),
            "period": PERIODS[days],
            **_assessor_table(request, assessors),
        },
    )


@manager_required
def assessment_figures_csv(request):
    school = request.ctx.school
    days = _days(request)
    now = timezone.now()
    numbers = figures.school_assessment_figures(school, now - timedelta(days=days), now=now)
    return _csv_response(
        f"{school.slug}-assessment-{days}-days.csv",
        ["Figure", "Group", "Value"],
        numbers.csv_rows(),
    )


@staff_required
def tutor_assessors(request):
    """The peer assessors in the tutor's own groups, to keep an eye on and pause if needed."""
    assessors = figures.tutor_assessors(request.ctx.school, request.user)
    if request.GET.get("format") == "csv":
        return _assessors_csv(request, assessors, "my-groups-assessors.csv")
    return render(request, "assessment/monitoring/tutor.html", _assessor_table(request, assessors))


@staff_required
@require_POST
def assessor_suspend(request, membership_id):
    """Pause a learner's peer assessing (work they hold goes back to the queue), or restore it."""
    membership = access_learner(request.ctx, membership_id)
    suspended = request.POST.get("suspended") == "1"
    services.assessor_suspend(membership=membership, by=request.user, suspended=suspended)
    name = membership.user.display_name
    if suspended:
        messages.success(
            request,
            f"{name}'s assessing is paused. Any work they were assessing went back to the queue.",
        )
    else:
        messages.success(request, f"{name} can assess other learners' work again.")
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(nxt)
    return redirect("assessment_monitoring" if request.ctx.is_manager else "tutor_assessors")
