from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_tasks_db.models import DBTaskResult

from pbyp.core.forms import save_once
from pbyp.core.models import Heartbeat
from pbyp.schools import services
from pbyp.schools.access import access_school_for_operator, operator_required
from pbyp.schools.context import SESSION_KEY
from pbyp.schools.forms import SchoolForm, apply_errors
from pbyp.schools.models import Membership, Role, School

# Heartbeats older than this mean the process has stopped (the scheduler beats every minute).
STALE_AFTER_SECONDS = 300


def ping(request):
    """A trivial view on the full middleware stack: the baseline for bench/pages.py."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def home(request):
    """Send each person to the home page of their main role."""
    ctx = request.ctx
    if ctx.is_manager:
        return redirect("school_overview")
    if ctx.is_staff:
        return redirect("tutor_home")
    if ctx.is_learner:
        return redirect("learner_home")
    if ctx.is_parent:
        return redirect("parent_home")
    if ctx.is_operator:
        return redirect("operator_home")
    return render(request, "core/no_role.html")


@login_required
@require_POST
def switch_school(request):
    wanted = request.POST.get("school", "")
    if wanted.isdigit() and any(s.pk == int(wanted) for s in request.ctx.schools):
        request.session[SESSION_KEY] = int(wanted)
    return redirect("home")


@login_required
def status(request):
    """Is the platform healthy? For operators and school managers."""
    if not (request.ctx.is_operator or request.ctx.is_manager):
        raise PermissionDenied
    now = timezone.now()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database_ok = True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        database_ok = False
    beats = {b.name: (now - b.beat_at).total_seconds() for b in Heartbeat.objects.all()}
    queue = DBTaskResult.objects.aggregate(
        ready=Count("id", filter=Q(status="READY")),
        running=Count("id", filter=Q(status="RUNNING")),
        failed=Count(
            "id", filter=Q(status="FAILED", finished_at__gte=now - timezone.timedelta(days=1))
        ),
    )
    checks = [
        {
            "name": "Database",
            "ok": database_ok,
            "detail": "reachable" if database_ok else "not reachable",
        },
    ]
    for name in ("worker", "scheduler"):
        age = beats.get(name)
        checks.append(
            {
                "name": name.capitalize(),
                "ok": age is not None and age < STALE_AFTER_SECONDS,
                "detail": "never seen" if age is None else f"last heartbeat {int(age)} seconds ago",
                "age": age,
            }
        )
    return render(request, "core/status.html", {"checks": checks, "queue": queue})


@operator_required
def operator_home(request):
    schools = School.objects.annotate(
        learners=Count("memberships", filter=Q(memberships__role=Role.LEARNER)),
        staff=Count(
            "memberships__user",
            filter=Q(memberships__role__in=[Role.TEACHER, Role.MANAGER]),
            distinct=True,
        ),
    ).order_by("name")
    return render(request, "core/operator_home.html", {"schools": schools})


@operator_required
@save_once
def school_new(request):
    form = SchoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            school = services.school_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, f"{school.name} is ready. Its manager has been emailed an invitation."
            )
            return redirect("operator_school", school_id=school.pk)
    return render(
        request,
        "schools/form_page.html",
        {"form": form, "title": "Create a school", "back": "operator_home"},
    )


@operator_required
def operator_school(request, school_id):
    school = access_school_for_operator(request.ctx, school_id)
    managers = Membership.objects.filter(school=school, role=Role.MANAGER).select_related("user")
    return render(request, "core/operator_school.html", {"school": school, "managers": managers})
