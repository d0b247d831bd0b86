"""Who can reach what. Every view is tried by the outsider (a teacher and manager at school B:
404 for anything of school A), by every role that must not reach it (403 for role pages, 404 for
objects), and anonymously (sent to sign in)."""

import pytest

# (name, url builder, roles allowed). Roles: learner, peer, tutor, manager, parent, operator.
VIEWS = [
    ("learner_home", lambda c: "/me/", {"learner", "peer"}),
    ("parent_home", lambda c: "/parent/", {"parent"}),
    ("tutor_home", lambda c: "/tutor/", {"tutor", "manager"}),
    ("school_overview", lambda c: "/school/", {"manager"}),
    ("school_settings", lambda c: "/school/settings/", {"manager"}),
    ("staff_list", lambda c: "/school/staff/", {"manager"}),
    ("staff_add", lambda c: "/school/staff/add/", {"manager"}),
    ("learner_list", lambda c: "/school/learners/", {"manager"}),
    ("learner_add", lambda c: "/school/learners/add/", {"manager"}),
    ("group_list", lambda c: "/school/groups/", {"manager"}),
    ("group_add", lambda c: "/school/groups/add/", {"manager"}),
    ("parent_list", lambda c: "/school/parents/", {"manager"}),
    ("parent_add", lambda c: "/school/parents/add/", {"manager"}),
    ("status", lambda c: "/status/", {"manager", "operator"}),
    ("operator_home", lambda c: "/operator/", {"operator"}),
    ("school_new", lambda c: "/operator/schools/new/", {"operator"}),
]

# Views of one object of school A: (name, url builder, roles allowed).
OBJECT_VIEWS = [
    (
        "learner_detail",
        lambda c: f"/learners/{c.learner_m.pk}/",
        {"learner", "tutor", "manager", "parent"},
    ),
    ("learner_edit", lambda c: f"/school/learners/{c.learner_m.pk}/", {"manager"}),
    ("staff_edit", lambda c: f"/school/staff/{c.tutor_m.pk}/", {"manager"}),
    ("group_detail", lambda c: f"/groups/{c.group_a.pk}/", {"tutor", "manager"}),
    ("group_edit", lambda c: f"/school/groups/{c.group_a.pk}/", {"manager"}),
    ("operator_school", lambda c: f"/operator/schools/{c.school_a.pk}/", {"operator"}),
]

POST_OBJECT_VIEWS = [
    ("learner_passphrase", lambda c: f"/school/learners/{c.learner_m.pk}/passphrase/", {"manager"}),
    ("parent_remove", lambda c: f"/school/parents/{c.link.pk}/remove/", {"manager"}),
]

ROLES = ["learner", "peer", "tutor", "manager", "parent", "operator"]


@pytest.mark.parametrize(("name", "url", "allowed"), VIEWS, ids=[v[0] for v in VIEWS])
def test_role_pages(cast, as_user, client, name, url, allowed):
    assert client.get(url(cast)).status_code == 302  # anonymous: sent to sign in
    for role in ROLES:
        status = as_user(getattr(cast, role)).get(url(cast)).status_code
        assert status == (200 if role in allowed else 403), (role, status)


@pytest.mark.parametrize(("name", "url", "allowed"), OBJECT_VIEWS, ids=[v[0] for v in OBJECT_VIEWS])
def test_object_pages(cast, as_user, client, name, url, allowed):
    assert client.get(url(cast)).status_code == 302
    for role in ROLES:
        status = as_user(getattr(cast, role)).get(url(cast)).status_code
        assert status in ((200,) if role in allowed else (403, 404)), (role, status)
    # The outsider is a teacher and manager at school B: school A's objects don't exist for them.
    assert as_user(cast.outsider).get(url(cast)).status_code in (403, 404)
    if name != "operator_school":
        assert as_user(cast.outsider).get(url(cast)).status_code == 404


@pytest.mark.parametrize(
    ("name", "url", "allowed"), POST_OBJECT_VIEWS, ids=[v[0] for v in POST_OBJECT_VIEWS]
)
def test_object_actions(cast, as_user, name, url, allowed):
    assert as_user(cast.outsider).post(url(cast)).status_code == 404
    for role in ROLES:
        if role in allowed:
            continue
        assert as_user(getattr(cast, role)).post(url(cast)).status_code in (403, 404), role
    assert as_user(cast.manager).post(url(cast)).status_code == 302


def test_missing_and_foreign_ids_look_the_same(cast, as_user):
    client = as_user(cast.manager)
    foreign = client.get(f"/school/learners/{cast.b_learner_m.pk}/")
    missing = client.get("/school/learners/999999/")
    assert foreign.status_code == missing.status_code == 404
    assert b"We can't find that page" in foreign.content


def test_parent_sees_only_their_own_children(cast, as_user):
    from tests.cast import make_learner

    other = make_learner(cast.school_a, "other", group=cast.group_a)
    client = as_user(cast.parent)
    assert client.get(f"/learners/{cast.learner_m.pk}/").status_code == 200
    assert client.get(f"/learners/{other.pk}/").status_code == 404
    assert client.get(f"/learners/{cast.b_learner_m.pk}/").status_code == 404


def test_learner_sees_only_themself(cast, as_user):
    client = as_user(cast.learner)
    assert client.get(f"/learners/{cast.learner_m.pk}/").status_code == 200
    assert client.get(f"/learners/{cast.peer_m.pk}/").status_code == 404


def test_outsider_cannot_use_school_a_group_or_learner_in_forms(cast, as_user):
    """Choosing school A's tutor group from school B's form is refused, not saved."""
    client = as_user(cast.outsider)
    response = client.post(
        "/school/learners/add/",
        {"first_name": "X", "last_name": "Y", "year": 8, "tutor_group": cast.group_a.pk},
    )
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    response = client.post(
        "/school/parents/add/",
        {"learner": cast.learner_m.pk, "first_name": "P", "last_name": "Q", "email": "p@q.example"},
    )
    assert b"Select a valid choice" in response.content


def test_friendly_404_for_unknown_pages(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"We can't find that page" in response.content
