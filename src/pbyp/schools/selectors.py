"""Reads about people at a school."""

from pbyp.schools.models import Membership, Role


def tutor_of(school_id, learner_id):
    """The learner's tutor at the school (1 query), or None."""
    member = (
        Membership.objects.filter(school=school_id, user=learner_id, role=Role.LEARNER)
        .select_related("tutor_group__tutor")
        .first()
    )
    return member.tutor_group.tutor if member and member.tutor_group else None
