"""Two people acting at once, with real threads and real transactions (PostgreSQL)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from pbyp.accounts.models import User
from pbyp.schools import services

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_only(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency is tested on PostgreSQL (DATABASE_URL=postgres://…)")


def run_together(functions):
    """Start every function at the same moment; collect what each returned or raised."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def runner(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as error:  # noqa: BLE001 - the test inspects it
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, fn)) for i, fn in enumerate(functions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_two_managers_adding_the_same_username_at_once(postgres_only):
    from tests.cast import build_cast

    cast = build_cast()

    def add(first):
        return lambda: services.learner_add(
            school=cast.school_a,
            first_name=first,
            last_name="Twin",
            year=7,
            tutor_group=None,
            username="twin",
            by=cast.manager,
        )

    results = run_together([add("One"), add("Two"), add("Three"), add("Four")])
    created = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(created) == 1, results
    assert len(refused) == 3
    assert all("already taken" in str(e) for e in refused)
    assert User.objects.filter(username="twin").count() == 1
    # Nothing half-saved: every account has its membership.
    assert User.objects.filter(last_name="Twin", memberships__isnull=True).count() == 0


def test_a_double_click_sent_twice_at_once_saves_once(postgres_only):
    """Two copies of one form, arriving together (a double click), create one learner."""
    from django.test import Client

    from tests.cast import build_cast

    cast = build_cast()
    data = {"first_name": "Dot", "last_name": "Double", "year": 7, "form_token": "same-click"}

    def send():
        client = Client()
        client.force_login(
            cast.manager, backend="pbyp.accounts.backends.UsernameOrStaffEmailBackend"
        )
        return client.post("/school/learners/add/", data).status_code

    results = run_together([send, send])
    assert results == [302, 302], results
    assert User.objects.filter(first_name="Dot").count() == 1
