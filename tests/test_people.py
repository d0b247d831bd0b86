"""Managers add and edit staff, learners, groups and parent links; operators create schools."""

from django.core import mail

from pbyp.accounts.models import User
from pbyp.core.models import AuditEvent
from pbyp.schools.models import Membership, ParentLink, Role, School, TutorGroup


def test_add_learner_shows_the_passphrase_once(cast, as_user):
    client = as_user(cast.manager)
    response = client.post(
        "/school/learners/add/",
        {"first_name": "Lily", "last_name": "Evans", "year": 7, "tutor_group": cast.group_a.pk},
        follow=True,
    )
    page = response.content.decode()
    assert "New sign-in details" in page
    user = User.objects.get(first_name="Lily")
    assert user.username == "lily.e"
    passphrase = response.context["passphrase"]
    assert user.check_password(passphrase)
    assert Membership.objects.get(user=user).school == cast.school_a
    # Shown once: reloading the page does not show it again.
    assert "New sign-in details" not in client.get(response.redirect_chain[-1][0]).content.decode()
    assert AuditEvent.objects.filter(action="learner.add", subject=user).exists()


def test_duplicate_username_is_a_clear_form_error_and_keeps_what_was_typed(cast, as_user):
    response = as_user(cast.manager).post(
        "/school/learners/add/",
        {"first_name": "Another", "last_name": "Amara", "year": 8, "username": "Learner"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The username “learner” is already taken." in page
    assert 'value="Another"' in page
    assert not User.objects.filter(first_name="Another").exists()


def test_generated_usernames_never_clash(cast, as_user):
    client = as_user(cast.manager)
    for _ in range(3):
        client.post("/school/learners/add/", {"first_name": "Jo", "last_name": "Smith", "year": 9})
    assert sorted(User.objects.filter(first_name="Jo").values_list("username", flat=True)) == [
        "jo.s",
        "jo.s2",
        "jo.s3",
    ]


def test_edit_learner_and_reset_passphrase(cast, as_user):
    client = as_user(cast.manager)
    url = f"/school/learners/{cast.learner_m.pk}/"
    response = client.post(
        url, {"first_name": "Amara", "last_name": "Okoye", "year": 9, "username": "amara.o"}
    )
    assert response.status_code == 302
    cast.learner_m.refresh_from_db()
    assert cast.learner_m.year == 9 and cast.learner_m.tutor_group is None
    assert cast.learner_m.user.username == "amara.o"
    response = client.post(url + "passphrase/", follow=True)
    assert cast.learner_m.user.__class__.objects.get(pk=cast.learner.pk).check_password(
        response.context["passphrase"]
    )


def test_learner_list_filters_and_searches(cast, as_user):
    client = as_user(cast.manager)
    assert "Okoye" in client.get("/school/learners/?q=okoy").content.decode()
    assert "Okoye" not in client.get("/school/learners/?year=9").content.decode()
    assert "Clarke" in client.get("/school/learners/?year=9").content.decode()
    assert "Beacon" not in client.get("/school/learners/").content.decode()


def test_add_staff_sends_an_invitation(cast, as_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(cast.manager).post(
            "/school/staff/add/",
            {
                "first_name": "Rhys",
                "last_name": "Lewis",
                "email": "rhys@school.example",
                "roles": ["teacher"],
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="rhys@school.example")
    assert not user.has_usable_password()
    assert list(Membership.objects.filter(user=user).values_list("role", flat=True)) == ["teacher"]
    assert mail.outbox[0].to == ["rhys@school.example"]
    assert "rhys" in mail.outbox[0].body


def test_add_staff_twice_is_refused(cast, as_user):
    response = as_user(cast.manager).post(
        "/school/staff/add/",
        {"first_name": "T", "last_name": "S", "email": cast.tutor.email, "roles": ["teacher"]},
    )
    assert "already on your staff list" in response.content.decode()


def test_manager_cannot_remove_their_own_manager_role(cast, as_user):
    membership = Membership.objects.get(user=cast.manager, role=Role.TEACHER)
    response = as_user(cast.manager).post(
        f"/school/staff/{membership.pk}/",
        {"first_name": "M", "last_name": "S", "email": cast.manager.email, "roles": ["teacher"]},
    )
    assert "You cannot remove your own manager role." in response.content.decode()
    assert Membership.objects.filter(user=cast.manager, role=Role.MANAGER).exists()


def test_manager_makes_a_teacher_a_manager(cast, as_user):
    response = as_user(cast.manager).post(
        f"/school/staff/{cast.tutor_m.pk}/",
        {
            "first_name": "Tutor",
            "last_name": "Staff",
            "email": cast.tutor.email,
            "roles": ["teacher", "manager"],
        },
    )
    assert response.status_code == 302
    assert set(Membership.objects.filter(user=cast.tutor).values_list("role", flat=True)) == {
        "teacher",
        "manager",
    }


def test_tutor_groups(cast, as_user):
    client = as_user(cast.manager)
    response = client.post("/school/groups/add/", {"name": "7C", "year": 7, "tutor": cast.tutor.pk})
    assert response.status_code == 302
    group = TutorGroup.objects.get(name="7C")
    assert group.school == cast.school_a and group.tutor == cast.tutor
    response = client.post("/school/groups/add/", {"name": "8a", "year": 8})
    assert "There is already a tutor group called “8a”." in response.content.decode()
    # A tutor from another school cannot be chosen.
    response = client.post(
        f"/school/groups/{group.pk}/", {"name": "7C", "year": 7, "tutor": cast.outsider.pk}
    )
    assert "Select a valid choice" in response.content.decode()
    assert "7C" in as_user(cast.tutor).get("/tutor/").content.decode()


def test_parent_links(cast, as_user, django_capture_on_commit_callbacks):
    client = as_user(cast.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/school/parents/add/",
            {
                "learner": cast.peer_m.pk,
                "first_name": "Kim",
                "last_name": "Clarke",
                "email": "kim@family.example",
            },
        )
    assert response.status_code == 302
    link = ParentLink.objects.get(learner=cast.peer)
    assert link.confirmed_by == cast.manager and link.school == cast.school_a
    assert mail.outbox[0].to == ["kim@family.example"]
    kim = link.parent
    assert "Ben" in as_user(kim).get("/parent/").content.decode()
    # The peer can see who can see their progress.
    assert "Kim Clarke" in as_user(cast.peer).get("/me/").content.decode()
    # Removing the last link removes the parent role at the school.
    as_user(cast.manager).post(f"/school/parents/{link.pk}/remove/")
    assert not Membership.objects.filter(user=kim, role=Role.PARENT).exists()
    assert as_user(kim).get("/parent/").status_code == 403


def test_existing_parent_account_is_linked_not_duplicated(cast, as_user):
    as_user(cast.manager).post(
        "/school/parents/add/",
        {
            "learner": cast.peer_m.pk,
            "first_name": "Sam",
            "last_name": "Okoye",
            "email": "PARENT@family.example",
        },
    )
    assert User.objects.filter(email__iexact="parent@family.example").count() == 1
    assert ParentLink.objects.filter(parent=cast.parent).count() == 2


def test_operator_creates_a_school_and_its_first_manager(
    cast, as_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(cast.operator).post(
            "/operator/schools/new/",
            {
                "name": "Cedar Primary",
                "manager_first_name": "Ola",
                "manager_last_name": "Ade",
                "manager_email": "ola@cedar.example",
            },
        )
    school = School.objects.get(name="Cedar Primary")
    assert response.url == f"/operator/schools/{school.pk}/"
    ola = User.objects.get(email="ola@cedar.example")
    assert set(
        Membership.objects.filter(user=ola, school=school).values_list("role", flat=True)
    ) == {"manager", "teacher"}
    assert mail.outbox[0].to == ["ola@cedar.example"]
    assert "Cedar Primary" in as_user(cast.operator).get("/operator/").content.decode()


def test_person_with_two_schools_switches_between_them(cast, as_user):
    Membership.objects.create(user=cast.tutor, school=cast.school_b, role=Role.TEACHER)
    client = as_user(cast.tutor)
    assert "Ashdown School" in client.get("/tutor/").content.decode()
    client.post("/switch-school/", {"school": cast.school_b.pk})
    page = client.get("/tutor/").content.decode()
    assert "8B" not in page  # not their group there
    # In school B, school A's objects are out of reach.
    assert client.get(f"/groups/{cast.group_a.pk}/").status_code == 404
    # A school they don't belong to can't be chosen.
    client.post("/switch-school/", {"school": 999})
    assert client.get(f"/groups/{cast.group_b.pk}/").status_code == 200


def test_double_click_on_add_learner_saves_once(cast, as_user):
    client = as_user(cast.manager)
    data = {"first_name": "Dot", "last_name": "Double", "year": 7, "form_token": "tok-123"}
    first = client.post("/school/learners/add/", data)
    second = client.post("/school/learners/add/", data, follow=True)
    assert User.objects.filter(first_name="Dot").count() == 1
    assert second.redirect_chain[0][0] == first.url
    assert "already saved" in second.content.decode()


def test_a_corrected_form_with_the_same_token_still_saves(cast, as_user):
    client = as_user(cast.manager)
    bad = {
        "first_name": "Eve",
        "last_name": "E",
        "year": 7,
        "username": "learner",
        "form_token": "t2",
    }
    assert client.post("/school/learners/add/", bad).status_code == 200
    assert 'value="t2"' in client.post("/school/learners/add/", bad).content.decode()
    good = {**bad, "username": "eve.e"}
    assert client.post("/school/learners/add/", good).status_code == 302
    assert User.objects.filter(username="eve.e").exists()


def test_double_click_on_create_school_saves_once(cast, as_user):
    client = as_user(cast.operator)
    data = {
        "name": "Twice Primary",
        "manager_first_name": "A",
        "manager_last_name": "B",
        "manager_email": "a@twice.example",
        "form_token": "school-tok",
    }
    client.post("/operator/schools/new/", data)
    client.post("/operator/schools/new/", data)
    assert School.objects.filter(name="Twice Primary").count() == 1


def test_school_settings_for_upload_limits(cast, as_user):
    client = as_user(cast.manager)
    response = client.post("/school/settings/", {"max_file_mb": 30, "max_submission_mb": 10})
    assert "at least the largest file" in response.content.decode()
    assert (
        client.post("/school/settings/", {"max_file_mb": 10, "max_submission_mb": 40}).status_code
        == 302
    )
    cast.school_a.refresh_from_db()
    assert (cast.school_a.max_file_mb, cast.school_a.max_submission_mb) == (10, 40)
    for who in ("learner", "tutor", "parent"):
        assert as_user(getattr(cast, who)).get("/school/settings/").status_code == 403
    # The outsider manages their own school only.
    as_user(cast.outsider).post("/school/settings/", {"max_file_mb": 1, "max_submission_mb": 1})
    cast.school_a.refresh_from_db()
    assert cast.school_a.max_file_mb == 10


def test_manager_records_parent_consent_for_galleries(cast, as_user):
    as_user(cast.manager).post(
        f"/school/learners/{cast.learner_m.pk}/",
        {
            "first_name": "Amara",
            "last_name": "Okoye",
            "year": 8,
            "username": "learner",
            "parent_gallery_consent": "on",
        },
    )
    cast.learner_m.refresh_from_db()
    assert cast.learner_m.parent_gallery_consent
