"""Every list, queue and dashboard page uses a fixed number of SQL queries, whatever the data size.

Each page is measured with the small cast, then again after adding many more learners, groups,
parents and schools: the count must be the pinned number both times. Every page pays 3 queries
before its own work: the session, the user, and the person's memberships (CurrentSchoolMiddleware).
"""

import pytest

from pbyp.accounts.models import User
from pbyp.schools.models import Membership, ParentLink, Role, School, TutorGroup
from tests.cast import make_learner, make_user

BASE = 3  # session + user + memberships with their schools

PAGES = [
    # (url, who, own queries, why)
    (
        "/me/",
        "learner",
        7,
        "tutor group; targets; open work; unread messages; parent links; "
        "work held for checking; steps achieved (an assessor adds the count of work waiting)",
    ),
    ("/parent/", "parent", 2, "links; the children with their groups"),
    ("/tutor/", "tutor", 3, "work waiting; groups; their learners (one prefetch)"),
    ("/tutor/assessors/", "tutor", 1, "count of assessors (none yet: no page, no figures)"),
    ("/groups/{group_a}/", "tutor", 2, "the group (access); its learners"),
    ("/learners/{learner_m}/", "tutor", 3, "the learner (access); audit row; parent links"),
    ("/school/", "manager", 4, "people by role; learners by year; staff count; group count"),
    (
        "/school/assessment/",
        "manager",
        5,
        "evidence figures; first-review times; calendar; spot checks; count of assessors "
        "(none yet: no page, no figures)",
    ),
    ("/school/staff/", "manager", 1, "staff memberships with users"),
    ("/school/learners/", "manager", 3, "count; one page of learners; groups for the filter"),
    ("/school/groups/", "manager", 1, "groups with tutors and sizes"),
    ("/school/parents/", "manager", 2, "count; one page of links"),
    ("/school/calendar/", "manager", 1, "terms and holidays (the deadline is worked from them)"),
    ("/operator/", "operator", 1, "schools with counts"),
    ("/status/", "manager", 3, "SELECT 1; heartbeats; queue figures"),
]


def grow(cast, n=40):
    """Many more of everything, in both schools."""
    for i in range(n):
        group = TutorGroup.objects.create(
            school=cast.school_a, name=f"G{i}", year=7, tutor=cast.tutor
        )
        m = make_learner(
            cast.school_a, f"extra{i}", year=7 + i % 5, group=group if i % 2 else cast.group_a
        )
        parent = make_user(f"extraparent{i}")
        Membership.objects.create(school=cast.school_a, user=parent, role=Role.PARENT)
        ParentLink.objects.create(school=cast.school_a, parent=parent, learner=m.user)
        if i % 3 == 0:
            ParentLink.objects.create(school=cast.school_a, parent=cast.parent, learner=m.user)
        make_learner(cast.school_b, f"bextra{i}", group=cast.group_b)
        School.objects.create(name=f"School {i}", slug=f"school-{i}")
    teacher = User.objects.create(username="extra-teacher")
    Membership.objects.create(school=cast.school_a, user=teacher, role=Role.TEACHER)


@pytest.mark.parametrize(("url", "who", "own", "why"), PAGES, ids=[p[0] for p in PAGES])
def test_page_query_count_is_fixed(cast, as_user, django_assert_num_queries, url, who, own, why):
    url = url.format(group_a=cast.group_a.pk, learner_m=cast.learner_m.pk)
    client = as_user(getattr(cast, who))
    with django_assert_num_queries(BASE + own):
        assert client.get(url).status_code == 200
    grow(cast)
    with django_assert_num_queries(BASE + own):
        assert client.get(url).status_code == 200
