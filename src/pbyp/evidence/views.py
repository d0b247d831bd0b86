import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pbyp.assessment.models import SpotCheck
from pbyp.core.audit import audit
from pbyp.core.forms import save_once
from pbyp.evidence import services
from pbyp.evidence.access import (
    access_evidence,
    access_evidence_to_assess,
    access_file,
    access_own_evidence,
)
from pbyp.evidence.forms import STARTERS_BETTER, STARTERS_WELL, DecisionForm, EvidenceForm
from pbyp.evidence.models import Evidence, FileKind, Notification, Route, Status
from pbyp.evidence.selectors import history_of, teacher_queue, with_files_and_feedback
from pbyp.integrity.models import Flag, FlagState
from pbyp.ladders.access import access_step
from pbyp.ladders.selectors import used_versions, version_tree
from pbyp.schools.access import role_required, staff_required
from pbyp.schools.forms import apply_errors
from pbyp.schools.models import Role

QUEUE_PAGE = 50
PORTFOLIO_PAGE = 30


def _uploads(request, limit_bytes: int) -> list[services.Upload]:
    """The uploaded files, read no further than the school's limit (a bigger file is refused by
    its size without being read whole)."""
    return [
        services.Upload(name=f.name, data=f.read(limit_bytes + 1))
        for f in request.FILES.getlist("photo") + request.FILES.getlist("files")
    ]


def _submit(request, form, *, step, replaces=None):
    me = request.ctx.learner_membership
    try:
        return services.evidence_submit(
            learner=me,
            step=step,
            reflection=form.cleaned_data["reflection"],
            context=form.cleaned_data["context"],
            text=form.cleaned_data["text"],
            links=form.cleaned_data["links"],
            uploads=_uploads(request, me.school.max_file_mb * 1024 * 1024),
            share_in_gallery=form.cleaned_data["share_in_gallery"],
            replaces=replaces,
        )
    except ValidationError as error:
        apply_errors(form, error)
        return None


@role_required(Role.LEARNER)
@save_once
def evidence_new(request, step_id):
    step = access_step(request.ctx, step_id)
    form = EvidenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        evidence = _submit(request, form, step=step)
        if evidence is not None:
            messages.success(request, "Your evidence is sent! A teacher will look at it soon.")
            return redirect("evidence_detail", evidence_id=evidence.pk)
    return render(
        request, "evidence/evidence_form.html", {"form": form, "step": step, "replaces": None}
    )


@role_required(Role.LEARNER)
@save_once
def evidence_again(request, evidence_id):
    previous = access_own_evidence(request.ctx, evidence_id)
    if previous.status not in services.SENDABLE_AGAIN:
        messages.error(request, "Only work marked “not yet” or returned can be sent again.")
        return redirect("evidence_detail", evidence_id=previous.pk)
    initial = {
        "reflection": previous.reflection,
        "context": previous.context,
        "text": previous.text,
        "share_in_gallery": previous.share_in_gallery,
    }
    form = EvidenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        evidence = _submit(request, form, step=previous.step, replaces=previous)
        if evidence is not None:
            messages.success(request, "Your new version is sent!")
            return redirect("evidence_detail", evidence_id=evidence.pk)
    return render(
        request,
        "evidence/evidence_form.html",
        {"form": form, "step": previous.step, "replaces": previous},
    )


@login_required
def evidence_detail(request, evidence_id):
    evidence, relation = access_evidence(request.ctx, evidence_id)
    if relation in ("staff", "parent"):  # who looked at a child's work is recorded
        audit(
            school=request.ctx.school,
            actor=request.user,
            action="evidence.view",
            subject=evidence.learner,
            detail=f"evidence {evidence.pk}",
        )
    versions = (
        history_of(evidence)
        if relation != "gallery"
        else list(with_files_and_feedback(Evidence.objects.filter(pk=evidence.pk)))
    )
    returned_note = (
        Flag.objects.filter(evidence=versions[0].pk, state=FlagState.PROBLEM)
        .values_list("note", flat=True)
        .first()
        if versions[0].status == Status.RETURNED and relation != "gallery"
        else None
    )
    return render(
        request,
        "evidence/evidence_detail.html",
        {
            "evidence": evidence,
            "versions": versions,
            "relation": relation,
            "current": versions[0],
            "returned_note": returned_note,
        },
    )


@role_required(Role.LEARNER)
def portfolio(request):
    me = request.ctx.learner_membership
    items = with_files_and_feedback(
        Evidence.objects.filter(school=me.school, learner=me.user_id)
        .exclude(status=Status.SUPERSEDED)
        .select_related("step__ladder__strand")
    ).order_by("-submitted_at")
    ladder, status = request.GET.get("ladder", ""), request.GET.get("status", "")
    if ladder:
        items = items.filter(ladder_identifier=ladder) if _is_uuid(ladder) else items.none()
    if status in Status.values:
        items = items.filter(status=status)
    page = Paginator(items, PORTFOLIO_PAGE).get_page(request.GET.get("page"))
    ladders = [
        lad
        for strand in version_tree(used_versions(me.school), steps=False)
        for lad in strand.ladders.all()
    ]
    return render(
        request,
        "evidence/portfolio.html",
        {
            "page": page,
            "ladders": ladders,
            "ladder": ladder,
            "status": status,
            "statuses": [c for c in Status.choices if c[0] != Status.SUPERSEDED],
            "filters": request.GET.copy(),
        },
    )


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@login_required
def evidence_file(request, file_id, thumbnail=False):
    """Files only ever leave through here: access checked, a safe name, never sniffed or run."""
    item = access_file(request.ctx, file_id)
    path = item.thumbnail_path if thumbnail else item.path
    if not path or not default_storage.exists(path):
        raise Http404
    inline = (
        thumbnail
        or item.kind in (FileKind.IMAGE, FileKind.AUDIO, FileKind.VIDEO)
        or item.extension == "pdf"
    )
    response = FileResponse(
        default_storage.open(path, "rb"),
        content_type="image/jpeg" if thumbnail else item.content_type,
        as_attachment=not inline,
        filename=item.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- teachers -------------------------------------------------------------------------------


@staff_required
def queue(request):
    """Work routed to teachers; `?with=peers` shows work still with peers (a teacher may decide
    it too: a teacher's decision is final)."""
    school = request.ctx.school
    with_peers = request.GET.get("with") == "peers"
    route = Route.PEER if with_peers else Route.TEACHER
    page = Paginator(teacher_queue(school, request.user, route=route), QUEUE_PAGE).get_page(
        request.GET.get("page")
    )
    other = teacher_queue(school, request.user, route=Route.TEACHER if with_peers else Route.PEER)
    return render(
        request,
        "evidence/queue.html",
        {
            "page": page,
            "with_peers": with_peers,
            "other_count": other.count(),
            "spot_checks": SpotCheck.objects.filter(school=school, decided_at__isnull=True).count(),
            "filters": {"with": "peers"} if with_peers else {},
        },
    )


@staff_required
def assess(request, evidence_id):
    evidence = access_evidence_to_assess(request.ctx, evidence_id)
    if evidence.route == Route.HELD and evidence.status == Status.AWAITING:
        held = Flag.objects.filter(evidence=evidence, holds=True, state=FlagState.OPEN).first()
        if held is not None:
            messages.info(
                request, "An integrity check held this work: decide about the flag first."
            )
            return redirect("flag_detail", flag_id=held.pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.evidence_decide(evidence=evidence, assessor=request.user, **form.cleaned_data)
        except services.AlreadyDecided:
            messages.error(
                request, "Someone else decided this work a moment ago. Here is what they said."
            )
            return redirect("evidence_detail", evidence_id=evidence.pk)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Decision saved. The learner has been told.")
            following = (
                teacher_queue(request.ctx.school, request.user).exclude(pk=evidence.pk).first()
            )
            return redirect("assess", evidence_id=following.pk) if following else redirect("queue")
    versions = history_of(evidence)
    return render(
        request,
        "evidence/assess.html",
        {
            "evidence": evidence,
            "current": versions[0]
            if versions[0].pk == evidence.pk
            else next(v for v in versions if v.pk == evidence.pk),
            "earlier": [v for v in versions if v.pk != evidence.pk],
            "form": form,
            "starters_well": STARTERS_WELL,
            "starters_better": STARTERS_BETTER,
        },
    )


@login_required
@require_POST
def gallery_choice(request, evidence_id):
    """The learner shares or stops sharing; a teacher hides or shows again."""
    evidence, relation = access_evidence(request.ctx, evidence_id)
    choice = request.POST.get("choice")
    if relation == "owner" and choice in ("share", "unshare"):
        services.gallery_share(evidence=evidence, share=choice == "share")
    elif relation == "staff" and choice in ("hide", "show"):
        services.gallery_hide(evidence=evidence, by=request.user, hidden=choice == "hide")
    else:
        raise Http404
    messages.success(request, "Saved.")
    return redirect(
        request.POST.get("next")
        if request.POST.get("next", "").startswith("/")
        else reverse("evidence_detail", args=[evidence.pk])
    )


@login_required
def notifications(request):
    school = request.ctx.school
    items = (
        list(Notification.objects.filter(user=request.user, school=school)[:50]) if school else []
    )
    if school:
        services.notifications_read(user=request.user, school=school)
    return render(request, "evidence/notifications.html", {"items": items})
