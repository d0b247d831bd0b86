from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from pbyp.assessment import services
from pbyp.assessment.access import access_review, access_spot_check
from pbyp.assessment.models import ReviewState, SpotCheck
from pbyp.assessment.selectors import peer_summary
from pbyp.assessment.tasks import PEER_LINK
from pbyp.evidence.forms import STARTERS_BETTER, STARTERS_WELL, DecisionForm
from pbyp.evidence.models import Decision, Evidence, EvidenceFile, Notification
from pbyp.evidence.services import AlreadyDecided
from pbyp.schools.access import role_required, staff_required
from pbyp.schools.forms import apply_errors
from pbyp.schools.models import Role

# Sentence starters for young assessors, kinder than a blank box.
PEER_STARTERS_WELL = ["I like how you…", "You showed the step when you…", "The best part is…"]
PEER_STARTERS_BETTER = ["Next time you could…", "It would be even better if…", "Try adding…"]


def _work(evidence_id):
    """The work to judge, without anyone's decision on it (judges decide independently)."""
    return (
        Evidence.objects.filter(pk=evidence_id)
        .select_related("step__ladder__strand", "learner")
        .prefetch_related(
            Prefetch("files", queryset=EvidenceFile.objects.order_by("position", "pk")), "links"
        )
        .get()
    )


# --- learners assessing -----------------------------------------------------------------------


@role_required(Role.LEARNER)
def peer_home(request):
    """Work waiting for you: how much, the one you hold, and what you decided lately."""
    me = request.ctx.learner_membership
    Notification.objects.filter(user=request.user, link=PEER_LINK, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    recent = (
        Decision.objects.filter(assessor=request.user, by_teacher=False)
        .select_related("evidence__step__ladder")
        .order_by("-decided_at")[:5]
    )
    return render(
        request, "assessment/peer_home.html", {"peer": peer_summary(me), "recent": recent}
    )


@role_required(Role.LEARNER)
@require_POST
def peer_next(request):
    try:
        review = services.take_next(assessor=request.ctx.learner_membership)
    except services.NotAnAssessor:
        messages.error(request, "A teacher has paused your checking for now. Ask your tutor.")
        return redirect("peer_home")
    if review is None:
        messages.info(request, "Nothing is waiting for you right now. Thank you for checking!")
        return redirect("peer_home")
    return redirect("peer_review", review_id=review.pk)


@role_required(Role.LEARNER)
def peer_review(request, review_id):
    review = access_review(request.ctx, review_id)
    if review.state != ReviewState.LEASED:
        return _review_over(request, review)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_decide(review=review, **form.cleaned_data)
        except (services.LeaseLost, AlreadyDecided):
            review.refresh_from_db()
            return _review_over(request, review)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Thank you! Your feedback helps another learner climb.")
            return redirect("peer_home")
    evidence = _work(review.evidence_id)
    at_my_school = evidence.school_id == request.ctx.school.pk
    return render(
        request,
        "assessment/peer_review.html",
        {
            "review": review,
            "evidence": evidence,
            "who": evidence.learner.short_name if at_my_school else "A learner at another school",
            "form": form,
            "starters_well": PEER_STARTERS_WELL,
            "starters_better": PEER_STARTERS_BETTER,
        },
    )


def _review_over(request, review):
    if review.state == ReviewState.DONE:
        messages.success(request, "Your decision is saved. Thank you!")
    elif review.state == ReviewState.EXPIRED:
        messages.info(request, "Your time to check this ran out, so someone else will check it.")
    else:
        messages.info(request, "Someone has already finished checking this work. Thank you!")
    return redirect("peer_home")


@role_required(Role.LEARNER)
@require_POST
def peer_return(request, review_id):
    review = access_review(request.ctx, review_id)
    services.review_return(review=review)
    messages.info(request, "You gave it back. Someone else will check it.")
    return redirect("peer_home")


# --- teachers' spot checks ------------------------------------------------------------------


def open_spot_checks(school):
    return (
        SpotCheck.objects.filter(school=school, decided_at__isnull=True)
        .select_related("evidence__step__ladder__strand", "evidence__learner")
        .order_by("created_at", "pk")
    )


@staff_required
def spot_checks(request):
    checks = list(open_spot_checks(request.ctx.school)[:100])
    return render(request, "assessment/spot_checks.html", {"checks": checks})


@staff_required
def spot_check(request, check_id):
    check = access_spot_check(request.ctx, check_id)
    form = DecisionForm(request.POST or None)
    if check.decided_at is None and request.method == "POST" and form.is_valid():
        try:
            check = services.spot_check_decide(
                check=check, teacher=request.user, **form.cleaned_data
            )
        except AlreadyDecided:
            messages.info(request, "Another teacher checked this a moment ago.")
            return redirect("spot_check", check_id=check.pk)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                "Saved. You agreed with the learners who checked it."
                if check.agrees
                else "Saved. You disagreed with the learners who checked it: this counts in their "
                "figures.",
            )
            following = open_spot_checks(request.ctx.school).first()
            return redirect("spot_check", check_id=following.pk) if following else redirect("queue")
    return render(
        request,
        "assessment/spot_check.html",
        {
            "check": check,
            "evidence": _work(check.evidence_id),
            "form": form,
            "starters_well": STARTERS_WELL,
            "starters_better": STARTERS_BETTER,
        },
    )
