from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from pbyp.assessment.selectors import peer_summary
from pbyp.core.audit import audit
from pbyp.core.forms import save_once
from pbyp.evidence.selectors import open_work_of, teacher_queue, unread_count
from pbyp.ladders.selectors import current_targets
from pbyp.schools import services
from pbyp.schools.access import (
    access_learner,
    access_parent_link,
    access_staff_member,
    access_tutor_group,
    manager_required,
    role_required,
    staff_required,
)
from pbyp.schools.calendar import (
    Calendar,
    access_calendar_period,
    school_year_of,
    school_year_span,
)
from pbyp.schools.forms import (
    CalendarPeriodForm,
    FillYearForm,
    LearnerForm,
    ParentLinkForm,
    SchoolSettingsForm,
    StaffForm,
    TutorGroupForm,
    apply_errors,
)
from pbyp.schools.models import CalendarPeriod, Membership, ParentLink, Role, TutorGroup, Year

PAGE_SIZE = 50


# --- learners and parents -------------------------------------------------------------------


@role_required(Role.LEARNER)
def learner_home(request):
    """The learner's own page: where they are in the learning cycle and what to do next."""
    me = request.ctx.learner_membership
    tutor_group = (
        TutorGroup.objects.select_related("tutor").filter(pk=me.tutor_group_id).first()
        if me.tutor_group_id
        else None
    )
    parents = ParentLink.objects.filter(
        school=request.ctx.school, learner=request.user
    ).select_related("parent")
    return render(
        request,
        "schools/learner_home.html",
        {
            "me": me,
            "tutor_group": tutor_group,
            "parents": parents,
            "targets": current_targets(me),
            "open_work": open_work_of(me),
            "unread": unread_count(request.user, me.school),
            "peer": peer_summary(me),
        },
    )


@role_required(Role.PARENT)
def parent_home(request):
    links = (
        ParentLink.objects.filter(school=request.ctx.school, parent=request.user)
        .select_related("learner")
        .order_by("learner__first_name")
    )
    children = (
        Membership.objects.learners()
        .filter(school=request.ctx.school, user__in=[link.learner_id for link in links])
        .select_related("user", "tutor_group")
    )
    return render(request, "schools/parent_home.html", {"children": children})


@login_required
def learner_detail(request, membership_id):
    learner = access_learner(request.ctx, membership_id)
    if request.user != learner.user:
        audit(
            school=request.ctx.school,
            actor=request.user,
            action="learner.view",
            subject=learner.user,
        )
    parents = ParentLink.objects.filter(
        school=request.ctx.school, learner=learner.user
    ).select_related("parent")
    return render(request, "schools/learner_detail.html", {"learner": learner, "parents": parents})


# --- tutors ---------------------------------------------------------------------------------


def _learners_prefetch():
    return Prefetch(
        "learners",
        queryset=Membership.objects.learners()
        .select_related("user")
        .order_by("user__last_name", "user__first_name"),
    )


@staff_required
def tutor_home(request):
    groups = TutorGroup.objects.filter(
        school=request.ctx.school, tutor=request.user
    ).prefetch_related(_learners_prefetch())
    waiting = teacher_queue(request.ctx.school, request.user).count()
    return render(request, "schools/tutor_home.html", {"groups": groups, "waiting": waiting})


@staff_required
def group_detail(request, group_id):
    group = access_tutor_group(request.ctx, group_id)
    learners = (
        Membership.objects.learners()
        .filter(school=request.ctx.school, tutor_group=group)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )
    return render(request, "schools/group_detail.html", {"group": group, "learners": learners})


# --- managers -------------------------------------------------------------------------------


@manager_required
def school_overview(request):
    school = request.ctx.school
    by_role = dict(
        Membership.objects.filter(school=school)
        .values_list("role")
        .annotate(n=Count("user", distinct=True))
        .values_list("role", "n")
    )
    by_year = (
        Membership.objects.learners()
        .filter(school=school)
        .values("year")
        .annotate(n=Count("id"))
        .order_by("year")
    )
    labels = dict(Year.choices)
    years = [{"label": labels.get(row["year"], "No year"), "n": row["n"]} for row in by_year]
    widest = max((row["n"] for row in years), default=1)
    counts = {
        "learners": by_role.get(Role.LEARNER, 0),
        "staff": Membership.objects.staff().filter(school=school).values("user").distinct().count(),
        "parents": by_role.get(Role.PARENT, 0),
        "groups": TutorGroup.objects.filter(school=school).count(),
    }
    return render(
        request,
        "schools/school_overview.html",
        {"counts": counts, "years": years, "widest": widest},
    )


@manager_required
def staff_list(request):
    staff = (
        Membership.objects.staff()
        .filter(school=request.ctx.school)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "role")
    )
    people: dict[int, dict] = {}
    for m in staff:
        row = people.setdefault(m.user_id, {"membership": m, "user": m.user, "roles": []})
        row["roles"].append(m.get_role_display())
    return render(request, "schools/staff_list.html", {"people": list(people.values())})


@manager_required
@save_once
def staff_add(request):
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_add(school=request.ctx.school, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"{form.cleaned_data['first_name']} has been added and emailed an invitation.",
            )
            return redirect("staff_list")
    return render(
        request,
        "schools/form_page.html",
        {"form": form, "title": "Add a member of staff", "back": "staff_list"},
    )


@manager_required
def staff_edit(request, membership_id):
    membership = access_staff_member(request.ctx, membership_id)
    user = membership.user
    roles = list(
        Membership.objects.staff()
        .filter(school=request.ctx.school, user=user)
        .values_list("role", flat=True)
    )
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "roles": roles,
    }
    form = StaffForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_update(membership=membership, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("staff_list")
    return render(
        request,
        "schools/form_page.html",
        {"form": form, "title": f"Edit {user.display_name}", "back": "staff_list"},
    )


@manager_required
def learner_list(request):
    school = request.ctx.school
    learners = (
        Membership.objects.learners()
        .filter(school=school)
        .select_related("user", "tutor_group")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    year = request.GET.get("year", "")
    group = request.GET.get("group", "")
    query = request.GET.get("q", "").strip()
    if year.lstrip("-").isdigit():
        learners = learners.filter(year=int(year))
    if group.isdigit():
        learners = learners.filter(tutor_group_id=int(group))
    if query:
        learners = learners.filter(
            Q(user__first_name__icontains=query)
            | Q(user__last_name__icontains=query)
            | Q(user__username__icontains=query)
        )
    page = Paginator(learners, PAGE_SIZE).get_page(request.GET.get("page"))
    groups = TutorGroup.objects.filter(school=school)
    return render(
        request,
        "schools/learner_list.html",
        {
            "page": page,
            "groups": groups,
            "years": Year.choices,
            "year": year,
            "group": group,
            "q": query,
            "filters": request.GET.copy(),
        },
    )


def _show_passphrase(request, membership, passphrase):
    """The passphrase is shown once, on the page after the change, and never stored in clear."""
    request.session["new_passphrase"] = {"membership": membership.pk, "passphrase": passphrase}


@manager_required
@save_once
def learner_add(request):
    form = LearnerForm(request.POST or None, school=request.ctx.school)
    if request.method == "POST" and form.is_valid():
        try:
            membership, passphrase = services.learner_add(
                school=request.ctx.school, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            _show_passphrase(request, membership, passphrase)
            return redirect("learner_edit", membership_id=membership.pk)
    return render(
        request,
        "schools/form_page.html",
        {"form": form, "title": "Add a learner", "back": "learner_list"},
    )


@manager_required
def learner_edit(request, membership_id):
    membership = access_learner(request.ctx, membership_id, change=True)
    user = membership.user
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "year": membership.year,
        "tutor_group": membership.tutor_group_id,
        "username": user.username,
        "parent_gallery_consent": membership.parent_gallery_consent,
    }
    form = LearnerForm(request.POST or None, initial=initial, school=request.ctx.school)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "username": form.cleaned_data["username"] or user.username}
        try:
            services.learner_update(membership=membership, by=request.user, **data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("learner_list")
    shown = request.session.pop("new_passphrase", None)
    passphrase = shown["passphrase"] if shown and shown["membership"] == membership.pk else None
    return render(
        request,
        "schools/learner_edit.html",
        {"form": form, "learner": membership, "passphrase": passphrase},
    )


@manager_required
@require_POST
def learner_passphrase(request, membership_id):
    membership = access_learner(request.ctx, membership_id, change=True)
    _show_passphrase(
        request,
        membership,
        services.learner_reset_passphrase(membership=membership, by=request.user),
    )
    return redirect("learner_edit", membership_id=membership.pk)


@manager_required
def group_list(request):
    groups = (
        TutorGroup.objects.filter(school=request.ctx.school)
        .select_related("tutor")
        .annotate(size=Count("learners"))
    )
    return render(request, "schools/group_list.html", {"groups": groups})


@manager_required
@save_once
def group_edit(request, group_id=None):
    group = access_tutor_group(request.ctx, group_id, change=True) if group_id else None
    initial = {"name": group.name, "year": group.year, "tutor": group.tutor_id} if group else {}
    form = TutorGroupForm(request.POST or None, initial=initial, school=request.ctx.school)
    if request.method == "POST" and form.is_valid():
        try:
            services.tutor_group_save(
                school=request.ctx.school, group=group, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("group_list")
    title = f"Edit {group.name}" if group else "Add a tutor group"
    return render(
        request, "schools/form_page.html", {"form": form, "title": title, "back": "group_list"}
    )


@manager_required
def parent_list(request):
    links = (
        ParentLink.objects.filter(school=request.ctx.school)
        .select_related("parent", "learner", "confirmed_by")
        .order_by("learner__last_name", "learner__first_name")
    )
    page = Paginator(links, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "schools/parent_list.html", {"page": page})


@manager_required
@save_once
def parent_add(request):
    form = ParentLinkForm(request.POST or None, school=request.ctx.school)
    if request.method == "POST" and form.is_valid():
        try:
            services.parent_link_add(
                school=request.ctx.school, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "The parent is linked and has been emailed.")
            return redirect("parent_list")
    return render(
        request,
        "schools/form_page.html",
        {"form": form, "title": "Link a parent or carer", "back": "parent_list"},
    )


@manager_required
@require_POST
def parent_remove(request, link_id):
    link = access_parent_link(request.ctx, link_id)
    services.parent_link_remove(link=link, by=request.user)
    messages.success(request, "The link has been removed.")
    return redirect("parent_list")


@manager_required
def school_settings(request):
    school = request.ctx.school
    initial = {name: getattr(school, name) for name in SchoolSettingsForm.base_fields}
    form = SchoolSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.school_settings_update(school=school, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Settings saved.")
            return redirect("school_overview")
    return render(request, "schools/school_settings.html", {"form": form})


# --- the school calendar --------------------------------------------------------------------


def _years_to_fill(periods: list[CalendarPeriod]) -> list[int]:
    """This school year and the next, where the calendar has nothing in them yet."""
    this_year = school_year_of(timezone.localdate())
    return [
        year
        for year in (this_year, this_year + 1)
        if not any(
            p.starts_on <= school_year_span(year)[1] and p.ends_on >= school_year_span(year)[0]
            for p in periods
        )
    ]


@manager_required
def school_calendar(request):
    school = request.ctx.school
    periods = list(CalendarPeriod.objects.filter(school=school).order_by("starts_on", "kind"))
    calendar = Calendar.from_periods(periods)
    now = timezone.now()
    return render(
        request,
        "schools/calendar.html",
        {
            "periods": periods,
            "has_terms": bool(calendar.terms),
            "today_counts": calendar.is_school_day(timezone.localdate()),
            "deadline": calendar.add_school_hours(now, school.peer_deadline_hours),
            "fill_form": FillYearForm(years=_years_to_fill(periods)),
        },
    )


@manager_required
@save_once
def calendar_period_edit(request, period_id=None):
    period = access_calendar_period(request.ctx, period_id) if period_id else None
    initial = (
        {
            "kind": period.kind,
            "name": period.name,
            "starts_on": period.starts_on,
            "ends_on": period.ends_on,
        }
        if period
        else {}
    )
    form = CalendarPeriodForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.calendar_period_save(
                school=request.ctx.school, period=period, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Saved “{saved.name}”.")
            return redirect("school_calendar")
    return render(
        request,
        "schools/calendar_period_form.html",
        {
            "form": form,
            "period": period,
            "title": f"Edit {period.name}" if period else "Add a term or holiday",
            "back": "school_calendar",
        },
    )


@manager_required
def calendar_period_delete(request, period_id):
    """GET asks to confirm; POST deletes."""
    period = access_calendar_period(request.ctx, period_id)
    if request.method == "POST":
        services.calendar_period_delete(period=period, by=request.user)
        messages.success(request, f"Deleted “{period.name}”.")
        return redirect("school_calendar")
    return render(request, "schools/calendar_period_delete.html", {"period": period})


@manager_required
@require_POST
def calendar_fill(request):
    school = request.ctx.school
    periods = list(CalendarPeriod.objects.filter(school=school))
    form = FillYearForm(request.POST, years=_years_to_fill(periods))
    if not form.is_valid():
        messages.error(request, "That school year already has dates. Change them one at a time.")
        return redirect("school_calendar")
    year = form.cleaned_data["autumn_year"]
    try:
        services.calendar_fill_typical_year(school=school, autumn_year=year, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Filled in a typical school year, {year} to {year + 1}. Check the dates against "
            "your school's own calendar and change any that differ.",
        )
    return redirect("school_calendar")
