from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from pbyp.core.forms import save_once
from pbyp.evidence.models import Evidence, Status
from pbyp.evidence.selectors import gallery_for_ladder
from pbyp.ladders import services
from pbyp.ladders.access import (
    access_framework,
    access_ladder,
    access_ladder_for_edit,
    access_own_target,
    access_step,
    access_step_for_edit,
    access_strand_for_edit,
)
from pbyp.ladders.forms import (
    BaselineForm,
    FrameworkForm,
    LadderForm,
    StepForm,
    StrandForm,
    UseFrameworksForm,
)
from pbyp.ladders.models import (
    LEVELS,
    Framework,
    FrameworkVersion,
    SchoolFramework,
    Step,
    Target,
    VersionStatus,
)
from pbyp.ladders.selectors import (
    learner_board,
    levels_for,
    progress_grid,
    rungs_for,
    used_versions,
    version_tree,
)
from pbyp.schools.access import manager_required, role_required, staff_required
from pbyp.schools.forms import apply_errors
from pbyp.schools.models import Membership, Role, TutorGroup, Year

GRID_PAGE_SIZE = 40
GRID_FILTERS = "progress_filters"


# --- learners -------------------------------------------------------------------------------


@role_required(Role.LEARNER)
def my_ladders(request):
    me = request.ctx.learner_membership
    board = learner_board(me, me.phase)
    targets = [view for strand in board for view in strand.ladders if view.target]
    return render(request, "ladders/my_ladders.html", {"board": board, "targets": targets})


@role_required(Role.LEARNER)
def next_steps(request):
    me = request.ctx.learner_membership
    board = learner_board(me, me.phase)
    choices = [view for strand in board for view in strand.ladders if view.next_step]
    return render(request, "ladders/next_steps.html", {"board": board, "count": len(choices)})


@login_required
def ladder_page(request, identifier):
    """One ladder: all nine steps; for a learner, where they are and their next step to choose."""
    ladder = access_ladder(request.ctx, identifier)
    prefetch_related_objects([ladder], Prefetch("steps", queryset=Step.objects.order_by("level")))
    me = request.ctx.learner_membership
    level, target, phase = 0, None, ""
    if me is not None:
        phase = me.phase
        level = levels_for(request.ctx.school, [me.user_id], [ladder.identifier]).get(
            (me.user_id, ladder.identifier), 0
        )
        target = Target.objects.filter(
            school=request.ctx.school, learner=me.user_id, ladder_identifier=ladder.identifier
        ).first()
    rungs = list(reversed(rungs_for(ladder, level, phase)))
    open_work = None
    if me is not None and level < LEVELS:
        open_work = (
            Evidence.objects.filter(
                school=request.ctx.school,
                learner=me.user_id,
                ladder_identifier=ladder.identifier,
                level=level + 1,
                status__in=[Status.AWAITING, Status.NOT_YET],
            )
            .order_by("-version")
            .first()
        )
    gallery = gallery_for_ladder(request.ctx.school, ladder)
    for rung in rungs:
        rung.gallery = gallery.get(rung.step.level, [])
    return render(
        request,
        "ladders/ladder.html",
        {
            "ladder": ladder,
            "rungs": rungs,
            "level": level,
            "target": target,
            "me": me,
            "open_work": open_work,
        },
    )


def _back(request, fallback: str):
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    return redirect(fallback)


@role_required(Role.LEARNER)
@require_POST
def target_choose(request):
    step = access_step(request.ctx, request.POST.get("step"))
    try:
        services.target_choose(learner=request.ctx.learner_membership, step=step)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Great choice! “{step.ladder.title}” step {step.level} is now one of your targets.",
        )
    return _back(request, reverse("ladder", args=[step.ladder.identifier]))


@role_required(Role.LEARNER)
@require_POST
def target_drop(request, target_id):
    target = access_own_target(request.ctx, target_id)
    services.target_drop(target=target)
    messages.success(request, "That target is off your list. You can choose it again any time.")
    return _back(request, reverse("my_ladders"))


# --- staff: progress and baselines -----------------------------------------------------------


@staff_required
def progress(request):
    """Learners × ladders: the level of each learner on each ladder. Filters remember themselves."""
    school = request.ctx.school
    if "group" in request.GET or "year" in request.GET:
        request.session[GRID_FILTERS] = {k: request.GET.get(k, "") for k in ("group", "year")}
    filters = request.session.get(GRID_FILTERS) or {}
    groups = list(TutorGroup.objects.filter(school=school))
    group, year = filters.get("group", ""), filters.get("year", "")
    if not group and not year:
        mine = next((g for g in groups if g.tutor_id == request.user.pk), None)
        group = str(mine.pk) if mine else ""
    learners = Membership.objects.learners().filter(school=school).select_related("user")
    if group.isdigit():
        learners = learners.filter(tutor_group_id=int(group))
    if year.lstrip("-").isdigit():
        learners = learners.filter(year=int(year))
    learners = learners.order_by("user__last_name", "user__first_name", "pk")
    page = Paginator(learners, GRID_PAGE_SIZE).get_page(request.GET.get("page"))
    strands = version_tree(used_versions(school), steps=False)
    rows = progress_grid(school, list(page), strands)
    return render(
        request,
        "ladders/progress.html",
        {
            "strands": strands,
            "rows": rows,
            "page": page,
            "groups": groups,
            "years": Year.choices,
            "group": group,
            "year": year,
            "filters": {"group": group, "year": year},
        },
    )


@staff_required
def baselines(request):
    school = request.ctx.school
    ladders = [
        lad
        for strand in version_tree(used_versions(school), steps=False)
        for lad in strand.ladders.all()
    ]
    form = BaselineForm(request.POST or None, school=school, ladders=ladders)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.baseline_set(
                school=school,
                learners=form.chosen_learners(school),
                ladders=form.chosen_ladders(),
                level=form.cleaned_data["level"],
                by=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, f"Baseline saved for {count} learner{'s' if count != 1 else ''}."
            )
            return redirect("progress")
    return render(request, "ladders/baselines.html", {"form": form})


# --- managers: frameworks --------------------------------------------------------------------


@manager_required
def framework_list(request):
    school = request.ctx.school
    frameworks = Framework.objects.filter(school=school).prefetch_related(
        Prefetch("versions", queryset=FrameworkVersion.objects.order_by("-number"))
    )
    used = set(SchoolFramework.objects.filter(school=school).values_list("framework_id", flat=True))
    publishable = Framework.objects.filter(school=school, versions__status=VersionStatus.PUBLISHED)
    form = UseFrameworksForm(
        request.POST or None, frameworks=publishable, initial={"frameworks": list(used)}
    )
    if request.method == "POST" and form.is_valid():
        services.school_frameworks_set(
            school=school, frameworks=list(form.cleaned_data["frameworks"]), by=request.user
        )
        messages.success(request, "Saved. Learners see the ladders of the frameworks you use.")
        return redirect("framework_list")
    return render(
        request,
        "ladders/framework_list.html",
        {"frameworks": frameworks, "used": used, "form": form},
    )


@manager_required
@save_once
def framework_new(request):
    form = FrameworkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        package = {**form.cleaned_data, "strands": []}
        try:
            version = services.framework_import(
                school=request.ctx.school,
                package=package,
                by=request.user,
                publish=False,
                strict_steps=False,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("framework_detail", framework_id=version.framework_id)
    return render(
        request,
        "schools/form_page.html",
        {"form": form, "title": "Start a new framework", "back": "framework_list"},
    )


def _latest(framework) -> FrameworkVersion:
    return framework.versions.order_by("-number").first()


@manager_required
def framework_detail(request, framework_id):
    framework = access_framework(request.ctx, framework_id)
    versions = list(framework.versions.order_by("-number"))
    version = versions[0]
    strands = version_tree(version)
    used = SchoolFramework.objects.filter(school=request.ctx.school, framework=framework).exists()
    return render(
        request,
        "ladders/framework_detail.html",
        {
            "framework": framework,
            "version": version,
            "versions": versions,
            "strands": strands,
            "used": used,
        },
    )


@manager_required
@require_POST
def framework_draft(request, framework_id):
    framework = access_framework(request.ctx, framework_id)
    services.draft_for_editing(framework=framework, by=request.user)
    messages.success(
        request,
        "This is a new draft. Learners keep seeing the published version until you publish.",
    )
    return redirect("framework_detail", framework_id=framework.pk)


@manager_required
@require_POST
def framework_publish(request, framework_id):
    framework = access_framework(request.ctx, framework_id)
    try:
        version = services.version_publish(version=_latest(framework), by=request.user)
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
    else:
        messages.success(
            request,
            f"Version {version.number} is published. "
            "Work already done keeps the wording it was done against.",
        )
    return redirect("framework_detail", framework_id=framework.pk)


@manager_required
def step_edit(request, step_id):
    step = access_step_for_edit(request.ctx, step_id)
    framework = step.ladder.version.framework
    initial = {f: getattr(step, f) for f in ("statement", "early_years", "primary", "secondary")}
    form = StepForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.step_update(step=step, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Step saved in the draft.")
            return redirect(
                reverse("framework_detail", args=[framework.pk]) + f"#ladder-{step.ladder_id}"
            )
    return render(
        request,
        "ladders/edit_page.html",
        {"form": form, "title": f"{step.ladder.title}: step {step.level}", "framework": framework},
    )


def _draft_of(request, item, framework_id):
    """The framework and draft version a strand or ladder is added to or edited in; the version
    is None (with a message) when there is no draft to change."""
    framework = item.version.framework if item else access_framework(request.ctx, framework_id)
    version = item.version if item else _latest(framework)
    if not version.is_draft:
        messages.error(request, "Start a new draft before changing the framework.")
        return framework, None
    return framework, version


@manager_required
@save_once
def strand_edit(request, framework_id=None, strand_id=None):
    strand = access_strand_for_edit(request.ctx, strand_id) if strand_id else None
    framework, version = _draft_of(request, strand, framework_id)
    if version is None:
        return redirect("framework_detail", framework_id=framework.pk)
    initial = (
        {f: getattr(strand, f) for f in ("title", "code", "description", "colour")}
        if strand
        else {}
    )
    form = StrandForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.strand_save(version=version, strand=strand, by=request.user, **form.cleaned_data)
        return redirect("framework_detail", framework_id=framework.pk)
    title = f"Edit strand {strand.title}" if strand else "Add a strand"
    return render(
        request, "ladders/edit_page.html", {"form": form, "title": title, "framework": framework}
    )


@manager_required
@save_once
def ladder_edit(request, framework_id=None, ladder_id=None):
    ladder = access_ladder_for_edit(request.ctx, ladder_id) if ladder_id else None
    framework, version = _draft_of(request, ladder, framework_id)
    if version is None:
        return redirect("framework_detail", framework_id=framework.pk)
    initial = (
        {"strand": ladder.strand_id, "title": ladder.title, "description": ladder.description}
        if ladder
        else {}
    )
    form = LadderForm(
        request.POST or None, initial=initial, version=version, with_steps=ladder is None
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.ladder_save(
                version=version,
                strand=form.cleaned_data["strand"],
                ladder=ladder,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                statements=form.statements(),
                by=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("framework_detail", framework_id=framework.pk)
    title = f"Edit ladder {ladder.title}" if ladder else "Add a ladder"
    return render(
        request, "ladders/edit_page.html", {"form": form, "title": title, "framework": framework}
    )
