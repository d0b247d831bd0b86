"""The one door to each object (ARCHITECTURE.md, conventions 2-4).

Every view fetches objects through these functions. Each scopes by the asker's current school and
role, and raises Http404 both when the object is missing and when it is not the asker's to see,
so a page never tells an outsider that something exists.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from pbyp.schools.context import SchoolContext
from pbyp.schools.models import STAFF_ROLES, Membership, ParentLink, Role, School, TutorGroup


def role_required(*roles: str):
    """Views for some roles only. Other signed-in people get a friendly 403 page; anonymous
    visitors go to sign in."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            from django.contrib.auth.views import redirect_to_login

            ctx: SchoolContext = request.ctx
            if ctx.user is None:
                return redirect_to_login(request.get_full_path())
            if not ctx.roles & set(roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


staff_required = role_required(*STAFF_ROLES)
manager_required = role_required(Role.MANAGER)


def operator_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        from django.contrib.auth.views import redirect_to_login

        if request.ctx.user is None:
            return redirect_to_login(request.get_full_path())
        if not request.ctx.is_operator:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def get_or_404(queryset, pk):
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_school_for_operator(ctx: SchoolContext, school_id) -> School:
    if not ctx.is_operator:
        raise Http404
    return get_or_404(School.objects.all(), school_id)


def access_learner(ctx: SchoolContext, membership_id, *, change: bool = False) -> Membership:
    """A learner's membership. Viewing: the school's staff, the learner, their linked parents.
    Changing: the school's managers."""
    if ctx.school is None:
        raise Http404
    learners = Membership.objects.learners().filter(school=ctx.school)
    learners = learners.select_related("user", "tutor_group", "tutor_group__tutor")
    if change:
        if not ctx.is_manager:
            raise Http404
    elif not ctx.is_staff:
        mine = ParentLink.objects.filter(school=ctx.school, parent=ctx.user).values("learner")
        learners = learners.filter(Q(user=ctx.user) | Q(user__in=mine))
    return get_or_404(learners, membership_id)


def access_staff_member(ctx: SchoolContext, membership_id) -> Membership:
    """A staff membership, for the school's managers to edit."""
    if ctx.school is None or not ctx.is_manager:
        raise Http404
    staff = Membership.objects.staff().filter(school=ctx.school).select_related("user")
    return get_or_404(staff, membership_id)


def access_tutor_group(ctx: SchoolContext, group_id, *, change: bool = False) -> TutorGroup:
    """A tutor group: staff of the school may view it, managers may change it."""
    if ctx.school is None or not (ctx.is_manager if change else ctx.is_staff):
        raise Http404
    return get_or_404(
        TutorGroup.objects.filter(school=ctx.school).select_related("tutor"), group_id
    )


def access_parent_link(ctx: SchoolContext, link_id) -> ParentLink:
    if ctx.school is None or not ctx.is_manager:
        raise Http404
    links = ParentLink.objects.filter(school=ctx.school).select_related("parent", "learner")
    return get_or_404(links, link_id)
