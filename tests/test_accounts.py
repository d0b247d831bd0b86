import re

import pytest
from django.core import mail

from pbyp.schools import services
from pbyp.schools.models import Role
from tests.cast import PASSWORD


def sign_in(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_sign_in_with_username(cast, client):
    response = sign_in(client, "learner")
    assert response.status_code == 302
    assert client.get("/").url == "/me/"


def test_usernames_are_not_case_sensitive(cast, client):
    assert sign_in(client, "LEARNER").status_code == 302


def test_staff_sign_in_with_email(cast, client):
    assert sign_in(client, cast.tutor.email.upper()).status_code == 302


def test_learners_cannot_sign_in_with_an_email(cast, client):
    cast.learner.email = "family@home.example"
    cast.learner.save()
    response = sign_in(client, "family@home.example")
    assert response.status_code == 200
    assert "don&#x27;t match" in response.content.decode()


def test_wrong_password_gives_a_clear_message_and_keeps_the_username(cast, client):
    response = sign_in(client, "learner", "wrong")
    assert response.status_code == 200
    page = response.content.decode()
    assert "That username and password don&#x27;t match" in page
    assert 'value="learner"' in page


def test_throttling_is_per_account_and_ip_so_a_class_is_never_locked_out(cast, client, settings):
    from tests.cast import make_learner

    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "learner", f"wrong{n}", ip="10.1.1.1")
    locked = sign_in(client, "learner", PASSWORD, ip="10.1.1.1")
    assert locked.status_code == 429
    assert "Too many tries for this account" in locked.content.decode()
    # Everyone else in the class, behind the same school IP, still signs in.
    classmates = [make_learner(cast.school_a, f"classmate{n}").user for n in range(30)]
    for classmate in classmates:
        client.post("/logout/")
        assert sign_in(client, classmate.username, ip="10.1.1.1").status_code == 302
    # The same account from another place (home) is not locked either.
    client.post("/logout/")
    assert sign_in(client, "learner", ip="10.9.9.9").status_code == 302


def test_sign_out(cast, client):
    sign_in(client, "learner")
    client.post("/logout/")
    assert client.get("/me/").status_code == 302


def test_change_password(cast, as_user):
    client = as_user(cast.tutor)
    response = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-secret",
            "new_password2": "a-much-longer-secret",
        },
    )
    assert response.status_code == 302
    cast.tutor.refresh_from_db()
    assert cast.tutor.check_password("a-much-longer-secret")


def test_change_password_mismatch_is_explained(cast, as_user):
    client = as_user(cast.tutor)
    response = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-secret",
            "new_password2": "different-one-here",
        },
    )
    assert response.status_code == 200
    assert "didn’t match" in response.content.decode()


def test_invited_staff_choose_a_password_from_the_email(
    cast, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.staff_add(
            school=cast.school_a,
            first_name="Nia",
            last_name="Owen",
            email="nia@school.example",
            roles=[Role.TEACHER],
            by=cast.manager,
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nia@school.example"]
    assert "Ashdown School" in message.subject
    link = re.search(r"http://\S+/account/welcome/\S+/", message.body).group(0)
    path = link.split("127.0.0.1:8000", 1)[1]
    form_page = client.get(path, follow=True)
    assert "Choose your password" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "teaching-is-great-2026", "new_password2": "teaching-is-great-2026"},
    )
    assert response.status_code == 302
    assert sign_in(client, "nia@school.example", "teaching-is-great-2026").status_code == 302


def test_forgotten_password_email_has_a_link_not_personal_content(cast, client):
    response = client.post("/account/forgot/", {"email": cast.tutor.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/account/welcome/" in mail.outbox[0].body


@pytest.mark.parametrize("login", ["nobody", "nobody@nowhere.example"])
def test_unknown_accounts_get_the_same_message(cast, client, login):
    response = sign_in(client, login, "whatever")
    assert "don&#x27;t match" in response.content.decode()
