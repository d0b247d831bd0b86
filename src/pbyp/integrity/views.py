import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone

from pbyp.evidence.models import EvidenceFile, FileKind, Route
from pbyp.evidence.services import AlreadyDecided
from pbyp.integrity import services, text
from pbyp.integrity.access import access_flag
from pbyp.integrity.checks import statement_tokens, texts_of
from pbyp.integrity.models import CheckRun, CheckState, Flag, FlagKind, FlagState
from pbyp.schools.access import manager_required, staff_required

TEXT_KINDS = (FlagKind.EXACT_TEXT, FlagKind.NEAR_TEXT, FlagKind.OWN_REUSE)
PERIODS = (30, 90, 365)


def reference(evidence_id: int) -> str:
    """An anonymous reference to work at another school: stable, and reveals nothing."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{evidence_id}".encode()).hexdigest()
    return f"W-{digest[:8].upper()}"


def _passages(spans) -> list[str]:
    """Only the matched runs of words, for work a teacher may not see whole."""
    runs, current = [], []
    for piece, matched in spans:
        if matched:
            current.append(piece)
        elif current and piece.strip():
            runs.append(" ".join(current))
            current = []
    if current:
        runs.append(" ".join(current))
    return runs


@staff_required
def flags(request):
    """Open flags at the school: held work first, then softer flags and patterns."""
    items = (
        Flag.objects.filter(school=request.ctx.school, state=FlagState.OPEN)
        .select_related("evidence__step__ladder", "subject")
        .order_by("-holds", "created_at")[:200]
    )
    return render(request, "integrity/flags.html", {"flags": items})


@staff_required
def flag_detail(request, flag_id):
    flag = access_flag(request.ctx, flag_id)
    if request.method == "POST":
        return _decide(request, flag)
    evidence, other = flag.evidence, flag.other
    same_school = other is not None and other.school_id == request.ctx.school.pk
    context = {"flag": flag, "evidence": evidence, "other": other, "same_school": same_school}
    if other is not None:
        context["reference"] = reference(other.pk)
    if evidence is not None and other is not None and flag.kind in TEXT_KINDS:
        found = texts_of([evidence.pk, other.pk])
        ignore = set(text.ngrams(statement_tokens(evidence), text.VERIFY_N))
        mine, theirs = found.get(evidence.pk, ""), found.get(other.pk, "")
        context["mine"] = text.matched_spans(mine, text.words(theirs), ignore=ignore)
        their_spans = text.matched_spans(theirs, text.words(mine), ignore=ignore)
        context["theirs"] = their_spans if same_school else None
        context["their_passages"] = _passages(their_spans)
    if evidence is not None and flag.kind in (FlagKind.NEAR_IMAGE, FlagKind.EXACT_FILE):
        ids = [evidence.pk, other.pk] if same_school else [evidence.pk]
        files = EvidenceFile.objects.filter(evidence__in=ids, kind=FileKind.IMAGE)
        context["my_images"] = [f for f in files if f.evidence_id == evidence.pk]
        context["their_images"] = [f for f in files if same_school and f.evidence_id == other.pk]
    if evidence is not None:
        context["run"] = CheckRun.objects.filter(evidence=evidence).first()
    return render(request, "integrity/flag.html", context)


def _decide(request, flag):
    action, note = request.POST.get("action"), request.POST.get("note", "")
    evidence = flag.evidence
    try:
        if flag.holds and evidence is not None and evidence.route == Route.HELD:
            if action == "release":
                services.held_release(evidence=evidence, by=request.user)
                messages.success(request, "Released: the work goes on to be assessed.")
            elif action == "return":
                services.held_return(evidence=evidence, by=request.user, note=note)
                messages.success(
                    request, "Returned to the learner with your note. Their tutor has been told."
                )
            else:
                raise ValidationError("Choose what to do.")
        else:
            services.flag_mark(flag=flag, by=request.user, problem=action == "problem", note=note)
            messages.success(request, "Saved.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("flag_detail", flag_id=flag.pk)
    except AlreadyDecided:
        messages.info(request, "Another teacher dealt with this a moment ago.")
    return redirect("flags")


@manager_required
def integrity_figures(request):
    """Is the checking fair? Flags per check, and how many teachers cleared (SPEC §7)."""
    try:
        days = int(request.GET.get("days", 90))
    except ValueError:
        days = 90
    days = days if days in PERIODS else 90
    since = timezone.now() - timezone.timedelta(days=days)
    school = request.ctx.school
    runs = CheckRun.objects.filter(school=school, checked_at__gte=since).aggregate(
        checked=Count("pk"), incomplete=Count("pk", filter=Q(state=CheckState.INCOMPLETE))
    )
    by_kind = {
        row["kind"]: row
        for row in Flag.objects.filter(school=school, created_at__gte=since)
        .values("kind")
        .annotate(
            raised=Count("pk"),
            held=Count("pk", filter=Q(holds=True)),
            cleared=Count("pk", filter=Q(state=FlagState.CLEARED)),
            problem=Count("pk", filter=Q(state=FlagState.PROBLEM)),
            open=Count("pk", filter=Q(state=FlagState.OPEN)),
        )
    }
    rows = []
    for kind, label in FlagKind.choices:
        row = by_kind.get(kind, {"raised": 0, "held": 0, "cleared": 0, "problem": 0, "open": 0})
        decided = row["cleared"] + row["problem"]
        rows.append(
            {
                "kind": kind,
                "label": label,
                **row,
                "rate": 100 * row["raised"] / runs["checked"] if runs["checked"] else 0,
                "cleared_share": 100 * row["cleared"] / decided if decided else None,
            }
        )
    return render(
        request,
        "integrity/figures.html",
        {"rows": rows, "runs": runs, "days": days, "periods": PERIODS},
    )
