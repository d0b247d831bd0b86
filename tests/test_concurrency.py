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


def test_two_teachers_deciding_the_same_work_at_once(postgres_only):
    """One decision wins; the other teacher is told, and nothing is recorded twice."""
    from pbyp.evidence import services as evidence
    from pbyp.evidence.models import Decision, Evidence, Status
    from pbyp.ladders.models import Achievement
    from tests.cast import build_cast, make_staff
    from tests.ladders.helpers import step_of

    cast = build_cast()
    teachers = [cast.tutor, cast.manager, *(make_staff(cast.school_a, f"t{n}") for n in range(4))]
    work = evidence.evidence_submit(
        learner=cast.learner_m,
        step=step_of(cast.school_a, "EP1", 1),
        reflection="r",
        context="home",
    )

    def decide(teacher, outcome):
        def run():
            item = Evidence.objects.get(pk=work.pk)
            return evidence.evidence_decide(
                evidence=item, assessor=teacher, outcome=outcome, went_well="w", even_better_if="b"
            )

        return run

    results = run_together(
        [decide(t, "meets" if n % 2 else "not_yet") for n, t in enumerate(teachers)]
    )
    winners = [r for r in results if isinstance(r, Decision)]
    told = [r for r in results if isinstance(r, evidence.AlreadyDecided)]
    assert len(winners) == 1 and len(told) == len(teachers) - 1, results
    assert Decision.objects.count() == 1
    work.refresh_from_db()
    expected = Status.ACHIEVED if winners[0].outcome == "meets" else Status.NOT_YET
    assert work.status == expected
    assert Achievement.objects.filter(source="evidence").count() == (
        1 if expected == Status.ACHIEVED else 0
    )


def test_twenty_assessors_taking_the_next_one_at_once(postgres_only):
    """20 peers press "Check the next one" at the same moment, then each presses "Send my
    decision" twice at once: no item ever gets more leases than the decisions it needs, nobody
    holds two leases, and each lease is decided exactly once."""
    from pbyp.assessment import services as peer
    from pbyp.assessment.models import Review, ReviewState
    from pbyp.evidence.models import Decision, Evidence, Status
    from tests.assessment.helpers import assessor, ep1, send
    from tests.cast import build_cast, make_learner

    cast = build_cast()
    step = ep1(cast.school_a)
    assessors = [assessor(cast.school_a, f"a{n}", step, year=9 + n % 3) for n in range(20)]
    work = [send(make_learner(cast.school_a, f"w{n}", year=8), step) for n in range(6)]
    assert {w.route for w in work} == {"peer"} and {w.reviews_wanted for w in work} == {2}

    results = run_together([lambda a=a: peer.take_next(assessor=a) for a in assessors])
    assert not [r for r in results if isinstance(r, Exception)], results
    leases = [r for r in results if r is not None]
    per_item = {}
    for review in leases:
        per_item[review.evidence_id] = per_item.get(review.evidence_id, 0) + 1
    assert max(per_item.values()) <= 2, per_item
    assert len(leases) == 12  # every slot of every item was filled, none twice
    for item in Evidence.objects.filter(pk__in=[w.pk for w in work]):
        assert item.reviews == per_item[item.pk] <= item.reviews_wanted
    held = Review.objects.filter(state=ReviewState.LEASED)
    assert held.count() == 12
    assert held.values("assessor").distinct().count() == 12  # one open lease per assessor

    def decide(review):
        return lambda: peer.review_decide(
            review=review, outcome="meets", went_well="Good.", even_better_if="More."
        )

    results = run_together([decide(r) for r in leases for _ in range(2)])
    decisions = [r for r in results if isinstance(r, Decision)]
    # The second click is refused: its lease is done, or the work was decided meanwhile.
    refused = [r for r in results if isinstance(r, (peer.LeaseLost, peer.AlreadyDecided))]
    assert len(decisions) == 12 and len(refused) == 12, results
    assert Decision.objects.count() == 12
    assert all(Review.objects.get(pk=r.pk).decision_id for r in leases)
    assert set(Evidence.objects.values_list("status", flat=True)) == {Status.ACHIEVED}
