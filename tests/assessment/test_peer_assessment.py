"""Peer assessment end to end (SPEC §6): eligibility, the pull queue and its leases, consensus,
never-stuck routing (at once, at the deadline, after a split), the network, spot checks,
suspension, notifications, access and query counts."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from pbyp.assessment import services
from pbyp.assessment.models import Review, ReviewState, SpotCheck
from pbyp.assessment.queue import eligible_assessors, next_for, waiting_count
from pbyp.assessment.routing import route_overdue_work
from pbyp.core.models import AuditEvent
from pbyp.core.schedule import tick
from pbyp.evidence.models import Decision, Evidence, Notification, Route, RouteReason, Status
from pbyp.evidence.services import AlreadyDecided, evidence_decide
from pbyp.evidence.tasks import process_evidence
from pbyp.ladders.models import Achievement, LevelSource
from pbyp.schools.models import CalendarPeriod, Membership
from tests.assessment.helpers import achieve, assessor, ep1, send
from tests.cast import make_learner

LONDON = ZoneInfo("Europe/London")
FEEDBACK = {"went_well": "You spoke clearly.", "even_better_if": "Look at the audience."}


def decide(review, outcome="meets"):
    return services.review_decide(review=review, outcome=outcome, **FEEDBACK)


def fresh(membership):
    return Membership.objects.select_related("school", "user").get(pk=membership.pk)


@pytest.fixture
def step(cast):
    return ep1(cast.school_a)


@pytest.fixture
def peers(cast, step):
    """Three learners at school A who achieved EP1 step 1 by evidence (the cast's peer too)."""
    achieve(cast.peer_m, step)
    return [
        fresh(cast.peer_m),
        assessor(cast.school_a, "peer2", step, year=10),
        assessor(cast.school_a, "peer3", step, year=11),
    ]


# --- eligibility ----------------------------------------------------------------------------


def test_who_is_eligible(cast, step, peers):
    work = send(cast.learner_m, step)
    assert work.route == Route.PEER and work.reviews_wanted == 2
    eligible = set(eligible_assessors(work).values_list("learner", flat=True))
    assert eligible == {p.user_id for p in peers}

    baseline_only = make_learner(cast.school_a, "based", year=9)
    achieve(baseline_only, step, source=LevelSource.BASELINE)
    primary = assessor(cast.school_a, "young", step, year=5)
    other_school = assessor(cast.school_b, "faraway", ep1(cast.school_b))
    suspended = assessor(cast.school_a, "paused", step)
    services.assessor_suspend(membership=suspended, by=cast.tutor, suspended=True)
    eligible = set(eligible_assessors(work).values_list("learner", flat=True))
    assert eligible == {p.user_id for p in peers}  # baseline, phase, school, suspension
    for outsider in (baseline_only, primary, other_school, suspended):
        assert next_for(fresh(outsider)) is None

    review = services.take_next(assessor=peers[0])
    decide(review)
    assert peers[0].user_id not in set(eligible_assessors(work).values_list("learner", flat=True))
    assert next_for(peers[0]) is None  # never the same work twice


def test_secondary_may_assess_primary_work_when_the_school_allows(cast, step):
    young = make_learner(cast.school_a, "y4", year=4)
    older = assessor(cast.school_a, "y10", step, year=10)
    assert send(young, step).route == Route.TEACHER  # no primary peer
    cast.school_a.older_assess_younger = True
    cast.school_a.save()
    young2 = make_learner(cast.school_a, "y5", year=5)
    work = send(young2, step)
    assert work.route == Route.PEER and work.phase == "primary"
    assert services.take_next(assessor=fresh(older)).evidence_id == work.pk


# --- never stuck ----------------------------------------------------------------------------


def test_no_eligible_peer_goes_to_the_teacher_at_once_and_the_tutor_hears(
    cast, as_user, step, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        work = send(cast.learner_m, step)
    assert (work.route, work.route_reason) == (Route.TEACHER, RouteReason.NO_PEER)
    assert Notification.objects.filter(user=cast.tutor, link=f"/assess/{work.pk}/").exists()
    assert [m.to for m in mail.outbox] == [[cast.tutor.email]]
    assert "Amara" not in mail.outbox[0].body  # emails carry links, not children's names
    queue = as_user(cast.tutor).get("/assess/").content.decode()
    assert "Amara Okoye" in queue and "No learner could assess it" in queue
    page = as_user(cast.learner).get(f"/evidence/{work.pk}/").content.decode()
    assert "Waiting for a teacher" in page


def test_past_the_deadline_the_scheduler_sends_work_to_the_teacher(cast, as_user, step, peers):
    with time_machine.travel(datetime(2026, 12, 4, 15, 0, tzinfo=LONDON), tick=False):
        work = send(cast.learner_m, step)  # a Friday afternoon
    # 48 school-day hours: the weekend doesn't count, so the deadline is Tuesday 15:00.
    assert work.peer_deadline == datetime(2026, 12, 8, 15, 0, tzinfo=LONDON)
    page = as_user(cast.learner).get(f"/evidence/{work.pk}/").content.decode()
    assert "other learners who did this step" in page and "Tuesday 8 December" in page

    with time_machine.travel(datetime(2026, 12, 8, 14, 59, tzinfo=LONDON), tick=False):
        route_overdue_work()
    assert Evidence.objects.get(pk=work.pk).route == Route.PEER
    with time_machine.travel(datetime(2026, 12, 8, 15, 1, tzinfo=LONDON), tick=False):
        tick()  # the scheduler's tick runs the routing job, nobody clicks
    work.refresh_from_db()
    assert (work.route, work.route_reason) == (Route.TEACHER, RouteReason.DEADLINE)
    assert f"/assess/{work.pk}/" in as_user(cast.tutor).get("/assess/").content.decode()
    assert next_for(peers[0]) is None


def test_the_deadline_skips_a_half_term_in_the_school_calendar(cast, step, peers):
    CalendarPeriod.objects.create(
        school=cast.school_a,
        kind="holiday",
        name="Half-term",
        starts_on=date(2026, 10, 26),
        ends_on=date(2026, 10, 30),
    )
    with time_machine.travel(datetime(2026, 10, 23, 9, 0, tzinfo=LONDON), tick=False):
        work = send(cast.learner_m, step)  # the Friday before half-term
    # Friday 9:00–24:00 (15 h), then Monday 2 November (24 h), then 9 h on Tuesday.
    assert work.peer_deadline == datetime(2026, 11, 3, 9, 0, tzinfo=LONDON)


def test_a_split_with_no_third_peer_goes_to_a_teacher(cast, step):
    first = assessor(cast.school_a, "one", step)
    second = assessor(cast.school_a, "two", step)
    work = send(cast.learner_m, step)
    decide(services.take_next(assessor=first), "meets")
    decide(services.take_next(assessor=second), "not_yet")
    work.refresh_from_db()
    assert work.status == Status.AWAITING
    assert (work.route, work.route_reason) == (Route.TEACHER, RouteReason.DISAGREEMENT)


def test_only_one_peer_for_consensus_two_goes_to_a_teacher_after_their_decision(cast, step):
    only = assessor(cast.school_a, "only", step)
    work = send(cast.learner_m, step)
    decide(services.take_next(assessor=only))
    work.refresh_from_db()
    assert (work.route, work.route_reason) == (Route.TEACHER, RouteReason.NO_PEER)


# --- consensus ------------------------------------------------------------------------------


def test_two_peers_agree_and_the_learner_climbs_and_becomes_an_assessor(
    cast, as_user, step, peers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        work = send(cast.learner_m, step)
        decide(services.take_next(assessor=peers[0]))
    work.refresh_from_db()
    assert work.status == Status.AWAITING and work.first_review_at is not None
    page = as_user(cast.learner).get(f"/evidence/{work.pk}/").content.decode()
    assert "1 of 2 checks done" in page and "You spoke clearly" not in page  # not until decided
    with django_capture_on_commit_callbacks(execute=True):
        decide(services.take_next(assessor=peers[1]))
    work.refresh_from_db()
    assert work.status == Status.ACHIEVED and work.decided_by_peers
    assert Achievement.objects.filter(
        learner=cast.learner, level=1, source=LevelSource.EVIDENCE
    ).exists()
    assert Notification.objects.filter(user=cast.learner, text__startswith="Well done").exists()
    page = as_user(cast.learner).get(f"/evidence/{work.pk}/").content.decode()
    assert "You spoke clearly" in page and "another learner who did this step" in page
    assert "Ben" not in page  # peers stay anonymous to the learner
    staff_page = as_user(cast.tutor).get(f"/evidence/{work.pk}/").content.decode()
    assert "Ben Clarke (peer)" in staff_page
    # The learner can now assess that step.
    newcomer = make_learner(cast.school_a, "newcomer", year=7)
    later = send(newcomer, step)
    assert cast.learner.pk in set(eligible_assessors(later).values_list("learner", flat=True))


def test_a_split_asks_a_third_peer_whose_decision_settles_it(cast, step, peers):
    work = send(cast.learner_m, step)
    decide(services.take_next(assessor=peers[0]), "meets")
    decide(services.take_next(assessor=peers[1]), "not_yet")
    work.refresh_from_db()
    assert (work.status, work.route, work.reviews_wanted) == (Status.AWAITING, Route.PEER, 3)
    decide(services.take_next(assessor=peers[2]), "not_yet")
    work.refresh_from_db()
    assert work.status == Status.NOT_YET and work.decided_by_peers


def test_consensus_of_one_decides_at_once(cast, step, peers):
    cast.school_a.peer_consensus = 1
    cast.school_a.save()
    work = send(cast.learner_m, step)
    decide(services.take_next(assessor=fresh(peers[0])), "not_yet")
    work.refresh_from_db()
    assert work.status == Status.NOT_YET
    assert next_for(fresh(peers[1])) is None


# --- the queue and its leases ---------------------------------------------------------------


def test_the_queue_serves_fewest_reviews_then_oldest(cast, step, peers):
    learners = [make_learner(cast.school_a, f"l{i}", year=8) for i in range(3)]
    sent = []
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=LONDON), tick=False) as clock:
        for member in learners:
            sent.append(send(member, step))
            clock.shift(60)
    oldest, middle, newest = sent
    first = services.take_next(assessor=peers[0])
    assert first.evidence_id == oldest.pk
    # `oldest` now has a lease, so the next assessor gets `middle` (fewer reviews beats age).
    assert services.take_next(assessor=peers[1]).evidence_id == middle.pk
    assert services.take_next(assessor=peers[2]).evidence_id == newest.pk
    assert waiting_count(peers[0]) == 2  # the two it hasn't taken


def test_one_open_lease_per_assessor_and_a_double_click_gets_the_same(cast, step, peers):
    send(cast.learner_m, step)
    send(make_learner(cast.school_a, "other", year=8), step)
    first = services.take_next(assessor=peers[0])
    assert services.take_next(assessor=peers[0]) == first
    assert Review.objects.filter(assessor=peers[0].user, state=ReviewState.LEASED).count() == 1


def test_an_expired_lease_returns_the_work_and_a_late_decision_is_refused(cast, step, peers):
    work = send(cast.learner_m, step)
    review = services.take_next(assessor=peers[0])
    later = review.taken_at + timedelta(hours=24, minutes=1)
    with time_machine.travel(later, tick=False):
        assert route_overdue_work()["expired_leases"] == 1
        with pytest.raises(services.LeaseLost):
            decide(review)
    work.refresh_from_db()
    assert work.reviews == 0
    assert Review.objects.get(pk=review.pk).state == ReviewState.EXPIRED
    assert services.take_next(assessor=peers[1]).evidence_id == work.pk
    assert next_for(peers[0]) is None  # it let the work go: someone else gets it


def test_when_the_only_peer_lets_the_lease_expire_a_teacher_gets_it_at_once(cast, step):
    only = assessor(cast.school_a, "only", step)
    work = send(cast.learner_m, step)
    review = services.take_next(assessor=only)
    with time_machine.travel(review.expires_at + timedelta(minutes=1), tick=False):
        route_overdue_work()
    work.refresh_from_db()
    assert (work.route, work.route_reason) == (Route.TEACHER, RouteReason.NO_PEER)


def test_giving_work_back(cast, as_user, step, peers):
    work = send(cast.learner_m, step)
    review = services.take_next(assessor=peers[0])
    client = as_user(peers[0].user)
    response = client.post(f"/peer/review/{review.pk}/return/", follow=True)
    assert "Someone else will check it" in response.content.decode()
    work.refresh_from_db()
    assert work.reviews == 0


def test_a_teacher_deciding_frees_the_peers_holding_it(cast, as_user, step, peers):
    work = send(cast.learner_m, step)
    review = services.take_next(assessor=peers[0])
    evidence_decide(evidence=work, assessor=cast.tutor, outcome="meets", **FEEDBACK)
    assert Review.objects.get(pk=review.pk).state == ReviewState.RETURNED
    response = as_user(peers[0].user).post(
        f"/peer/review/{review.pk}/", {"outcome": "meets", **FEEDBACK}, follow=True
    )
    assert "already finished checking" in response.content.decode()
    with pytest.raises(AlreadyDecided):
        decide(review)


# --- the assessor's pages -------------------------------------------------------------------


def test_a_peer_checks_work_through_the_pages(
    cast, as_user, step, peers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        work = send(cast.learner_m, step, text="My show and tell notes")
    assert Notification.objects.filter(user=peers[0].user, link="/peer/").count() == 1
    client = as_user(peers[0].user)
    home = client.get("/me/").content.decode()
    assert "Work waiting for you: 1" in home and "Check the next one" in home
    response = client.post("/peer/next/")
    review = Review.objects.get(assessor=peers[0].user)
    assert response.url == f"/peer/review/{review.pk}/"
    page = client.get(response.url).content.decode()
    assert step.statement in page and "My show and tell notes" in page
    assert "peer did the step." not in page and "learner did the step." in page  # reflection
    assert "Amara O." in page and "Okoye" not in page  # first name + initial only
    assert "I like how you" in page  # sentence starters
    missing = client.post(response.url, {"outcome": "meets", "went_well": "", "even_better_if": ""})
    assert "Say what went well." in missing.content.decode()
    done = client.post(response.url, {"outcome": "meets", **FEEDBACK}, follow=True)
    assert "Thank you" in done.content.decode()
    again = client.post(response.url, {"outcome": "meets", **FEEDBACK}, follow=True)
    assert "Your decision is saved" in again.content.decode()  # a double click saves once
    assert Decision.objects.filter(evidence=work).count() == 1


def test_who_can_reach_peer_pages(cast, as_user, step, peers):
    send(cast.learner_m, step)
    review = services.take_next(assessor=peers[0])
    url = f"/peer/review/{review.pk}/"
    assert as_user(peers[1].user).get(url).status_code == 404  # someone else's review
    assert as_user(cast.b_learner_m.user).get(url).status_code == 404  # another school
    for who in (cast.tutor, cast.manager, cast.parent, cast.outsider):
        assert as_user(who).get(url).status_code == 403
        assert as_user(who).get("/peer/").status_code == 403
        assert as_user(who).post("/peer/next/").status_code == 403
    assert as_user(cast.learner).get("/peer/").status_code == 200


def test_a_suspended_assessor_is_told_and_gets_nothing(cast, as_user, step, peers):
    send(cast.learner_m, step)
    held = services.take_next(assessor=peers[0])
    services.assessor_suspend(membership=peers[0], by=cast.tutor, suspended=True)
    assert Review.objects.get(pk=held.pk).state == ReviewState.RETURNED
    assert AuditEvent.objects.filter(action="assessor.suspend", subject=peers[0].user).exists()
    response = as_user(peers[0].user).post("/peer/next/", follow=True)
    assert "paused your checking" in response.content.decode()
    services.assessor_suspend(membership=fresh(peers[0]), by=cast.tutor, suspended=False)
    assert services.take_next(assessor=fresh(peers[0])) is None  # that work went to others
    send(make_learner(cast.school_a, "next", year=8), step)
    assert services.take_next(assessor=fresh(peers[0])) is not None


# --- network --------------------------------------------------------------------------------


def test_network_work_goes_to_other_schools_without_names_then_to_a_teacher(
    cast, as_user, step, django_capture_on_commit_callbacks
):
    for school in (cast.school_a, cast.school_b):
        school.in_network = True
        school.save()
    local = assessor(cast.school_a, "local", step)
    faraway = assessor(cast.school_b, "faraway", ep1(cast.school_b))
    work = send(cast.learner_m, step)
    assert work.route == Route.PEER
    assert next_for(fresh(faraway)) is None  # not before the school's own peers had a chance
    local_review = services.take_next(assessor=fresh(local))
    # The only local peer gives it back: no one at the school is left, so it goes to the
    # network at once (not at the deadline).
    with django_capture_on_commit_callbacks(execute=True):
        services.review_return(review=local_review)
    work.refresh_from_db()
    assert work.route == Route.NETWORK
    with time_machine.travel(work.peer_deadline - timedelta(minutes=1), tick=False):
        assert Notification.objects.filter(user=faraway.user, link="/peer/").exists()
        review = services.take_next(assessor=fresh(faraway))
        assert review.evidence_id == work.pk
        page = as_user(faraway.user).get(f"/peer/review/{review.pk}/").content.decode()
        assert "A learner at another school" in page
        assert "Amara" not in page and "Ashdown" not in page
    # faraway still holds it at the deadline: it moves on to a teacher anyway.
    with time_machine.travel(work.peer_deadline + timedelta(minutes=1), tick=False):
        route_overdue_work()
    work.refresh_from_db()
    assert (work.route, work.route_reason) == (Route.TEACHER, RouteReason.DEADLINE)


def test_without_anyone_in_the_network_work_goes_to_the_teacher(cast, step):
    cast.school_a.in_network = True
    cast.school_a.save()
    work = send(cast.learner_m, step)
    assert (work.route, work.route_reason) == (Route.TEACHER, RouteReason.NO_PEER)


def test_a_peer_sees_the_files_of_work_they_hold_only_while_they_hold_it(
    cast, as_user, step, peers
):
    from pbyp.evidence.services import Upload
    from pbyp.evidence.services import evidence_submit as submit_with_files
    from tests.evidence import samples

    work = submit_with_files(
        learner=fresh(cast.learner_m),
        step=step,
        reflection="With a photo",
        context="home",
        uploads=[Upload("photo.jpg", samples.jpeg_with_everything())],
    )
    process_evidence.call(evidence_id=work.pk)
    file_url = f"/files/{work.files.get().pk}/"
    client = as_user(peers[0].user)
    assert client.get(file_url).status_code == 404
    review = services.take_next(assessor=peers[0])
    assert client.get(file_url).status_code == 200
    services.review_return(review=review)
    assert client.get(file_url).status_code == 404


# --- spot checks ----------------------------------------------------------------------------


def test_spot_checks_measure_peers_and_a_teacher_can_put_a_not_yet_right(
    cast, as_user, step, peers
):
    cast.school_a.spot_check_percent = 100
    cast.school_a.save()
    work = send(cast.learner_m, step)
    decide(services.take_next(assessor=peers[0]), "not_yet")
    decide(services.take_next(assessor=peers[1]), "not_yet")
    check = SpotCheck.objects.get(evidence=work)
    assert check.peer_outcome == "not_yet"
    client = as_user(cast.tutor)
    listing = client.get("/assess/spot-checks/").content.decode()
    assert f"/assess/spot-checks/{check.pk}/" in listing
    page = client.get(f"/assess/spot-checks/{check.pk}/").content.decode()
    assert "the learners who checked it said" not in page  # decide first, then see theirs
    response = client.post(
        f"/assess/spot-checks/{check.pk}/", {"outcome": "meets", **FEEDBACK}, follow=True
    )
    assert "You disagreed" in response.content.decode()
    work.refresh_from_db()
    assert work.status == Status.ACHIEVED and not work.decided_by_peers
    assert AuditEvent.objects.filter(action="spotcheck.overturn").exists()
    assert as_user(cast.outsider).get(f"/assess/spot-checks/{check.pk}/").status_code == 404
    assert as_user(cast.learner).get("/assess/spot-checks/").status_code == 403


def test_no_spot_checks_at_zero_percent(cast, step, peers):
    cast.school_a.spot_check_percent = 0
    cast.school_a.save()
    send(cast.learner_m, step)
    decide(services.take_next(assessor=peers[0]))
    decide(services.take_next(assessor=peers[1]))
    assert not SpotCheck.objects.exists()


# --- query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("items", [1, 12])
def test_peer_pages_use_a_fixed_number_of_queries(
    cast, as_user, step, peers, django_assert_num_queries, items
):
    for i in range(items):
        send(make_learner(cast.school_a, f"w{i}", year=8), step)
    client = as_user(peers[0].user)
    client.get("/peer/")
    # 3 every page pays; notifications read; held lease; steps achieved; count waiting; recent
    with django_assert_num_queries(3 + 5):
        assert client.get("/peer/").status_code == 200
    # /me/ for an assessor: its own 7 (tests/test_query_counts.py) + the count of work waiting
    with django_assert_num_queries(3 + 8):
        assert client.get("/me/").status_code == 200
    review = services.take_next(assessor=peers[0])
    # review (access); the work; its files; its links
    with django_assert_num_queries(3 + 4):
        assert client.get(f"/peer/review/{review.pk}/").status_code == 200


def test_at_the_deadline_with_nobody_at_other_network_schools_work_goes_to_a_teacher(
    cast, step, peers
):
    cast.school_a.in_network = True
    cast.school_a.save()
    work = send(cast.learner_m, step)
    with time_machine.travel(work.peer_deadline + timedelta(minutes=1), tick=False):
        assert route_overdue_work()[Route.TEACHER] == 1
    work.refresh_from_db()
    assert (work.route, work.route_reason) == (Route.TEACHER, RouteReason.DEADLINE)


@pytest.mark.parametrize("checks", [1, 5])
def test_the_spot_check_list_uses_a_fixed_number_of_queries(
    cast, as_user, step, peers, django_assert_num_queries, checks
):
    for n in range(checks):
        work = send(make_learner(cast.school_a, f"s{n}", year=8), step)
        SpotCheck.objects.create(school=cast.school_a, evidence=work, peer_outcome="meets")
    client = as_user(cast.tutor)
    client.get("/assess/spot-checks/")
    with django_assert_num_queries(3 + 1):  # the open checks with their work and learners
        assert client.get("/assess/spot-checks/").status_code == 200
