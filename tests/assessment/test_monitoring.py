"""Monitoring of assessment: the school's figures on a small known data set, the managers' and
tutors' assessor tables, suspending and restoring assessors, CSV downloads, who may see what, and
fixed query counts."""

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from pbyp.assessment.figures import SchoolDayClock, percentile, school_assessment_figures
from pbyp.assessment.models import Review, ReviewState, SpotCheck
from pbyp.assessment.routing import escalate
from pbyp.assessment.services import review_decide, spot_check_decide, take_next
from pbyp.core.models import AuditEvent
from pbyp.evidence.models import Decision, Evidence, Outcome, Route, RouteReason, Status
from pbyp.evidence.services import evidence_decide, evidence_submit
from pbyp.evidence.tasks import process_evidence
from pbyp.ladders.models import Achievement, LevelSource
from pbyp.schools.calendar import Calendar
from pbyp.schools.models import CalendarPeriod, Membership, PeriodKind, TutorGroup
from tests.cast import make_learner
from tests.ladders.helpers import step_of

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 3, 20, 12, 0, tzinfo=LONDON)  # a Thursday
MONDAY = datetime(2025, 3, 10, 9, 0, tzinfo=LONDON)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
FEEDBACK = {"went_well": "Clear and confident.", "even_better_if": "Look at the audience."}


def at(moment):
    return time_machine.travel(moment, tick=False)


def achieve(membership, step):
    Achievement.objects.create(
        school=membership.school,
        learner=membership.user,
        step=step,
        ladder_identifier=step.ladder.identifier,
        level=step.level,
        source=LevelSource.EVIDENCE,
    )


def send(membership, step) -> Evidence:
    """Submit, then run what the worker does (the integrity checks, then routing)."""
    member = Membership.objects.select_related("school", "user").get(pk=membership.pk)
    evidence = evidence_submit(
        learner=member,
        step=step,
        reflection=f"{member.user.username} gave a talk.",
        context="lesson",
        text="My notes for the talk.",
    )
    process_evidence.call(evidence_id=evidence.pk)
    evidence.refresh_from_db()
    return evidence


def peer_decides(assessor, evidence, outcome, taken, decided):
    member = Membership.objects.select_related("school").get(pk=assessor.pk)
    with at(taken):
        review = take_next(assessor=member)
    assert review.evidence_id == evidence.pk
    with at(decided):
        review_decide(review=review, outcome=outcome, **FEEDBACK)


def teacher_decides(teacher, evidence, outcome, when):
    with at(when):
        evidence_decide(
            evidence=Evidence.objects.get(pk=evidence.pk),
            assessor=teacher,
            outcome=outcome,
            **FEEDBACK,
        )


@pytest.fixture
def school(cast):
    """School A: one peer decision settles work, no random spot checks (the tests make their
    own), and Tuesday 11 March is an inset day."""
    school = cast.school_a
    school.peer_consensus = 1
    school.spot_check_percent = 0
    school.save(update_fields=["peer_consensus", "spot_check_percent"])
    CalendarPeriod.objects.create(
        school=school,
        kind=PeriodKind.HOLIDAY,
        name="Inset day",
        starts_on=date(2025, 3, 11),
        ends_on=date(2025, 3, 11),
    )
    return school


@pytest.fixture
def known(cast, school):
    """A small known week of assessment at school A (times in London):

    secondary (Year 8), EP1 step 1, which the cast's peer (Year 9) achieved:
      s1  sent Mon 09:00, peer meets Mon 12:00 (3 h)          spot check: teacher agrees
      s2  sent Mon 09:00, peer not yet Tue 09:00 (24 h)       spot check: teacher says meets
      s4  sent Tue 10:00, still waiting for peers
      s5  sent Tue 10:00, peers missed the deadline: waiting for a teacher
    secondary, TW1 step 1, which nobody achieved:
      s3  sent Mon 09:00, to a teacher (no peer), meets Wed 09:00 (48 h)
    primary (Year 4), EP1 step 1, which a Year 5 assessor achieved:
      p1  sent Mon 09:00, primary peer meets Mon 11:00 (2 h)  spot check: waiting
    primary, TW1 step 1:
      p2  sent Mon 09:00, to a teacher (no peer), not yet Thu 09:00 (72 h)
    long ago (200 days before NOW), secondary TW1: o1 sent, and a teacher said not yet.
    """
    ep1, tw1 = step_of(school, "EP1", 1), step_of(school, "TW1", 1)
    achieve(cast.peer_m, ep1)
    young_peer = make_learner(school, "youngpeer", year=5, first="Yara", last="Young")
    achieve(young_peer, ep1)
    people = {
        name: make_learner(school, name, year=year, group=cast.group_a if year == 8 else None)
        for name, year in [("s1", 8), ("s2", 8), ("s3", 8), ("s4", 8), ("s5", 8)]
        + [("p1", 4), ("p2", 4), ("o1", 8)]
    }
    with at(NOW - 200 * DAY):
        o1 = send(people["o1"], tw1)
    teacher_decides(cast.tutor, o1, Outcome.NOT_YET, NOW - 199 * DAY)
    with at(MONDAY):
        work = {name: send(people[name], ep1) for name in ("s1", "s2", "p1")}
        work |= {name: send(people[name], tw1) for name in ("s3", "p2")}
    with at(MONDAY + DAY + HOUR):
        work |= {name: send(people[name], ep1) for name in ("s4", "s5")}
    peer_decides(cast.peer_m, work["s1"], Outcome.MEETS, MONDAY + 2 * HOUR, MONDAY + 3 * HOUR)
    peer_decides(young_peer, work["p1"], Outcome.MEETS, MONDAY + HOUR, MONDAY + 2 * HOUR)
    peer_decides(cast.peer_m, work["s2"], Outcome.NOT_YET, MONDAY + 23 * HOUR, MONDAY + DAY)
    teacher_decides(cast.tutor, work["s3"], Outcome.MEETS, MONDAY + 2 * DAY)
    teacher_decides(cast.tutor, work["p2"], Outcome.NOT_YET, MONDAY + 3 * DAY)
    with at(MONDAY + 3 * DAY):
        escalate(Evidence.objects.select_related("school").get(pk=work["s5"].pk))
    checks = {
        name: SpotCheck.objects.create(school=school, evidence=work[name], peer_outcome=outcome)
        for name, outcome in [
            ("s1", Outcome.MEETS),
            ("s2", Outcome.NOT_YET),
            ("p1", Outcome.MEETS),
        ]
    }
    with at(MONDAY + 4 * DAY):
        spot_check_decide(check=checks["s1"], teacher=cast.manager, outcome="meets", **FEEDBACK)
        spot_check_decide(check=checks["s2"], teacher=cast.manager, outcome="meets", **FEEDBACK)
    for name in work:
        work[name].refresh_from_db()
    return {"work": work, "young_peer": young_peer, "people": people}


def test_the_known_week_was_built_as_described(known):
    work = known["work"]
    assert work["s1"].decided_by_peers and work["p1"].decided_by_peers
    assert work["s2"].status == Status.ACHIEVED and not work["s2"].decided_by_peers  # overturned
    assert (work["s3"].route, work["s3"].route_reason) == (Route.TEACHER, RouteReason.NO_PEER)
    assert work["p2"].phase == "primary" and work["p2"].route_reason == RouteReason.NO_PEER
    assert (work["s4"].status, work["s4"].route) == (Status.AWAITING, Route.PEER)
    assert (work["s5"].route, work["s5"].route_reason) == (Route.TEACHER, RouteReason.DEADLINE)


def test_school_figures_on_a_known_week(cast, known):
    figures = school_assessment_figures(cast.school_a, NOW - 90 * DAY, now=NOW)

    # Who decided: s2 counts as the teacher's (the spot check turned it to "meets").
    by_phase = {s.key: (s.peers, s.teachers) for s in figures.phases}
    assert by_phase == {"primary": (1, 1), "secondary": (1, 2), "adult": (0, 0)}
    assert (figures.decided.peers, figures.decided.teachers) == (2, 3)
    assert figures.decided.share_peers == pytest.approx(0.4)

    # First reviews: 2, 3, 24, 48 and 72 hours.
    assert figures.reviewed == 5
    assert figures.median_hours == pytest.approx(24)
    assert figures.p90_hours == pytest.approx(48 + 0.6 * 24)
    # School days: Tuesday was an inset day, so Mon 09:00 → Tue 09:00 is 15 hours of school time.
    assert figures.median_school_days == pytest.approx(15 / 24)
    assert figures.p90_school_days == pytest.approx(1 + 0.6 * 1)
    assert [b.n for b in figures.wait_bands] == [0, 2, 1, 2, 0]

    # Sent in the period: seven pieces; three went to teachers.
    assert figures.submitted == 7
    reasons = {row.key: row.n for row in figures.to_teacher}
    assert reasons == {"no_peer": 2, "deadline": 1, "disagreement": 0}
    assert figures.to_teacher_total == 3

    # Spot checks: one agreed, one overturned to "meets", one still waiting.
    assert (figures.checks_decided, figures.checks_agreed) == (2, 1)
    assert (figures.overturned_to_meets, figures.overturned_to_not_yet) == (1, 0)
    assert figures.agreement == pytest.approx(0.5) and figures.checks_waiting == 1

    # Waiting now: s4 for peers, s5 for a teacher.
    waiting = {row.key: row.n for row in figures.waiting}
    assert waiting == {"peer": 1, "network": 0, "teacher": 1}
    oldest = {row.key: row.oldest for row in figures.waiting}
    assert oldest["peer"] == MONDAY + DAY + HOUR and oldest["network"] is None


def test_a_longer_period_takes_in_older_work(cast, known):
    figures = school_assessment_figures(cast.school_a, NOW - 365 * DAY, now=NOW)
    assert (figures.decided.peers, figures.decided.teachers) == (2, 4)
    assert figures.submitted == 8 and figures.reviewed == 6
    assert {row.key: row.n for row in figures.to_teacher}["no_peer"] == 3


def test_figures_of_a_school_with_no_work(cast):
    figures = school_assessment_figures(cast.school_b, NOW - 90 * DAY, now=NOW)
    assert figures.decided.total == 0 and figures.decided.share_peers is None
    assert figures.median_hours is None and figures.reviewed == 0
    assert figures.agreement is None and figures.waiting_total == 0


def test_a_review_recorded_before_sending_counts_as_no_wait(cast, school):
    evidence = direct_evidence(cast, school)
    Evidence.objects.filter(pk=evidence.pk).update(
        submitted_at=NOW - DAY, first_review_at=NOW - 30 * DAY
    )
    figures = school_assessment_figures(school, NOW - 90 * DAY, now=NOW)
    assert (figures.reviewed, figures.median_hours, figures.median_school_days) == (1, 0, 0)


def test_school_day_clock_matches_the_calendar(school):
    calendar = Calendar.of(school)
    start = datetime(2025, 3, 7, 15, 30, tzinfo=LONDON)  # a Friday afternoon
    clock = SchoolDayClock(calendar, start, start + 10 * DAY)
    for end in (start + HOUR, start + 3 * DAY, start + 4 * DAY + 5 * HOUR, start + 9 * DAY):
        assert clock.at(end) - clock.at(start) == pytest.approx(
            calendar.school_days_between(start, end)
        )


def test_percentile_interpolates_between_ranks():
    assert percentile([], 90) is None
    assert percentile([5.0], 90) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 11.0], 90) == pytest.approx(4 + 0.6 * 7)
    assert percentile([1.0, 2.0, 3.0, 4.0, 11.0], 50) == 3.0


# --- the manager's page ------------------------------------------------------------------------


def test_manager_sees_the_figures_and_the_assessors(cast, as_user, known):
    with at(NOW):
        page = as_user(cast.manager).get("/school/assessment/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Assessment at Ashdown School" in html
    assert "40%" in html  # of decided work, decided by peers
    assert "Clarke, Ben" in html and "Young, Yara" in html
    assert f"/assessors/{cast.peer_m.pk}/suspend/" in html
    # Charts come with their numbers one click away.
    assert html.count("<details>") >= 4
    row = html[html.index("Clarke, Ben") :]
    row = row[: row.index("</tr>")]
    assert "50%" in row and "(1 of 2 spot checks)" in row and "60 min" in row


def test_period_choice(cast, as_user, known):
    client = as_user(cast.manager)
    with at(NOW):
        assert (
            'aria-current="true">Last 90 days' in client.get("/school/assessment/").content.decode()
        )
        year = client.get("/school/assessment/?days=365").content.decode()
        odd = client.get("/school/assessment/?days=7").content.decode()
    assert 'aria-current="true">Last year' in year and "2 of 6 pieces" in year
    assert 'aria-current="true">Last 90 days' in odd  # not a choice: the default


def test_empty_school_says_what_to_do(cast, as_user):
    html = as_user(cast.outsider).get("/school/assessment/").content.decode()
    assert "No learner has assessed anyone’s work yet" in html
    assert "No work was decided in this period" in html


def test_figures_csv(cast, as_user, known):
    with at(NOW):
        response = as_user(cast.manager).get("/school/assessment/figures.csv?days=90")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "ashdown-assessment-90-days.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Figure", "Group", "Value"]
    values = {(figure, group): value for figure, group, value in rows[1:]}
    assert values[("Work decided by peers", "Primary")] == "1"
    assert values[("Share decided by peers (%)", "All phases")] == "40.0"
    assert values[("Hours to first review", "Median")] == "24.0"
    assert values[("Hours to first review", "90th percentile")] == "62.4"
    assert values[("Work sent to a teacher", "Peers did not take it in time")] == "1"
    assert values[("Spot checks: teacher agreed with peers (%)", "")] == "50.0"
    assert values[("Work waiting now", "Learners at the school")] == "1"


def test_assessors_csv(cast, as_user, known):
    Membership.objects.filter(pk=known["young_peer"].pk).update(assessor_suspended=True)
    response = as_user(cast.manager).get("/school/assessment/?format=csv")
    assert (
        response.status_code == 200 and "ashdown-assessors.csv" in response["Content-Disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["Last name"], r["First name"]) for r in rows] == [
        ("Clarke", "Ben"),
        ("Young", "Yara"),
    ]
    ben, yara = rows
    assert (ben["Year"], ben["Tutor group"], ben["Peer decisions"], ben["Said meets"]) == (
        "Year 9",
        "8A",
        "2",
        "1",
    )
    assert (ben["Spot checks"], ben["Teacher agreed"], ben["Agreement with teachers (%)"]) == (
        "2",
        "1",
        "50",
    )
    assert ben["Median minutes to decide"] == "60.0" and ben["Watched"] == "no"
    assert (ben["Assessing"], yara["Assessing"]) == ("active", "suspended")
    assert yara["Spot checks"] == "0" and yara["Agreement with teachers (%)"] == ""
    assert AuditEvent.objects.filter(actor=cast.manager, action="assessors.export").exists()


def test_csv_cells_never_run_as_formulas(cast, as_user, known):
    cast.peer.last_name = "=HYPERLINK(1)"
    cast.peer.save(update_fields=["last_name"])
    text = as_user(cast.manager).get("/school/assessment/?format=csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text


def test_an_assessor_who_approves_everything_is_watched(cast, as_user, school):
    evidence = direct_evidence(cast, school)
    Decision.objects.bulk_create(
        Decision(
            school=school,
            evidence=evidence,
            assessor=cast.peer,
            by_teacher=False,
            outcome=Outcome.MEETS,
            went_well="ok",
            even_better_if="ok",
        )
        for _ in range(10)
    )
    html = as_user(cast.manager).get("/school/assessment/").content.decode()
    row = html[html.index("Clarke, Ben") :]
    assert "Watched</strong>" in row[: row.index("</tr>")]


def test_assessor_table_is_paged(cast, as_user, school):
    add_assessors(cast, school, 55)
    client = as_user(cast.manager)
    first = client.get("/school/assessment/?days=30").content.decode()
    second = client.get("/school/assessment/?days=30&page=2").content.decode()
    assert "Page 1 of 2" in first and "days=30&amp;page=2" in first
    assert first.count("/suspend/") == 50 and second.count("/suspend/") == 5


# --- the tutor's page ----------------------------------------------------------------------------


def test_tutor_sees_assessors_in_their_own_groups_only(cast, as_user, known):
    html = as_user(cast.tutor).get("/tutor/assessors/").content.decode()
    assert "Clarke, Ben" in html  # in 8A, the tutor's group
    assert "Young, Yara" not in html  # in no group
    rows = list(
        csv.DictReader(
            io.StringIO(
                as_user(cast.tutor).get("/tutor/assessors/?format=csv").content.decode("utf-8-sig")
            )
        )
    )
    assert [r["Last name"] for r in rows] == ["Clarke"]


def test_tutor_with_no_assessors_is_told_why(cast, as_user):
    html = as_user(cast.tutor).get("/tutor/assessors/").content.decode()
    assert "No learner in your tutor groups has assessed anyone’s work yet" in html


def test_pages_link_to_monitoring(cast, as_user):
    assert "/tutor/assessors/" in as_user(cast.tutor).get("/tutor/").content.decode()
    assert "/school/assessment/" in as_user(cast.manager).get("/school/").content.decode()


# --- suspending and restoring ------------------------------------------------------------------


def test_a_tutor_suspends_and_restores_an_assessor(cast, as_user, school):
    ep1 = step_of(school, "EP1", 1)
    achieve(cast.peer_m, ep1)
    evidence = send(cast.learner_m, ep1)
    held = take_next(assessor=Membership.objects.select_related("school").get(pk=cast.peer_m.pk))
    assert held.evidence_id == evidence.pk
    client = as_user(cast.tutor)
    url = f"/assessors/{cast.peer_m.pk}/suspend/"

    response = client.post(url, {"suspended": "1", "next": "/tutor/assessors/"})
    assert response.status_code == 302 and response["Location"] == "/tutor/assessors/"
    cast.peer_m.refresh_from_db()
    assert cast.peer_m.assessor_suspended
    assert Review.objects.get(pk=held.pk).state == ReviewState.RETURNED  # the work went back
    event = AuditEvent.objects.get(action="assessor.suspend")
    assert (event.actor, event.subject, event.school) == (cast.tutor, cast.peer, school)
    page = client.get("/tutor/assessors/").content.decode()  # listed while suspended
    assert "paused" in page and "Restore<span" in page

    client.post(url, {"suspended": "0", "next": "/tutor/assessors/"})
    cast.peer_m.refresh_from_db()
    assert not cast.peer_m.assessor_suspended
    assert AuditEvent.objects.filter(action="assessor.restore", subject=cast.peer).count() == 1


def test_suspending_twice_is_recorded_once(cast, as_user):
    client = as_user(cast.manager)
    for _ in range(2):
        client.post(f"/assessors/{cast.peer_m.pk}/suspend/", {"suspended": "1"})
    assert AuditEvent.objects.filter(action="assessor.suspend").count() == 1


@pytest.mark.parametrize(
    ("who", "nxt", "expected"),
    [
        ("manager", "https://evil.example/", "/school/assessment/"),
        ("tutor", "//evil.example/", "/tutor/assessors/"),
        ("manager", "/school/assessment/?days=30&page=2", "/school/assessment/?days=30&page=2"),
    ],
)
def test_suspend_goes_back_only_to_a_page_of_this_site(cast, as_user, who, nxt, expected):
    response = as_user(getattr(cast, who)).post(
        f"/assessors/{cast.peer_m.pk}/suspend/", {"suspended": "1", "next": nxt}
    )
    assert response.status_code == 302 and response["Location"] == expected


# --- who may see what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "who", "status"),
    [
        ("/school/assessment/", "manager", 200),
        ("/school/assessment/", "tutor", 403),
        ("/school/assessment/", "learner", 403),
        ("/school/assessment/", "peer", 403),
        ("/school/assessment/", "parent", 403),
        ("/school/assessment/?format=csv", "tutor", 403),
        ("/school/assessment/figures.csv", "manager", 200),
        ("/school/assessment/figures.csv", "tutor", 403),
        ("/school/assessment/figures.csv", "parent", 403),
        ("/tutor/assessors/", "tutor", 200),
        ("/tutor/assessors/", "manager", 200),
        ("/tutor/assessors/", "learner", 403),
        ("/tutor/assessors/", "parent", 403),
        ("/tutor/assessors/?format=csv", "learner", 403),
    ],
)
def test_who_may_open_the_pages(cast, as_user, url, who, status):
    assert as_user(getattr(cast, who)).get(url).status_code == status


@pytest.mark.parametrize("url", ["/school/assessment/", "/tutor/assessors/"])
def test_signed_out_visitors_are_sent_to_sign_in(client, cast, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(("who", "status"), [("learner", 403), ("peer", 403), ("parent", 403)])
def test_only_staff_may_suspend(cast, as_user, who, status):
    response = as_user(getattr(cast, who)).post(
        f"/assessors/{cast.peer_m.pk}/suspend/", {"suspended": "1"}
    )
    assert response.status_code == status
    cast.peer_m.refresh_from_db()
    assert not cast.peer_m.assessor_suspended


def test_suspend_needs_a_post(cast, as_user):
    assert as_user(cast.tutor).get(f"/assessors/{cast.peer_m.pk}/suspend/").status_code == 405


def test_another_schools_staff_see_only_their_own_school(cast, as_user, known):
    client = as_user(cast.outsider)  # a manager and teacher at school B
    with at(NOW):
        html = client.get("/school/assessment/").content.decode()
    assert "Assessment at Beacon School" in html
    assert "Clarke" not in html and "Young" not in html
    assert "No work was decided in this period" in html
    assert "Clarke" not in client.get("/tutor/assessors/").content.decode()
    assert "Clarke" not in client.get("/school/assessment/?format=csv").content.decode()
    figures = client.get("/school/assessment/figures.csv").content.decode("utf-8-sig")
    assert "Work decided by peers,All phases,0" in figures
    response = client.post(f"/assessors/{cast.peer_m.pk}/suspend/", {"suspended": "1"})
    assert response.status_code == 404
    cast.peer_m.refresh_from_db()
    assert not cast.peer_m.assessor_suspended
    assert not AuditEvent.objects.filter(action="assessor.suspend").exists()


def test_staff_can_not_suspend_someone_who_is_not_a_learner(cast, as_user):
    response = as_user(cast.manager).post(
        f"/assessors/{cast.tutor_m.pk}/suspend/", {"suspended": "1"}
    )
    assert response.status_code == 404


# --- fixed query counts ---------------------------------------------------------------------------


def direct_evidence(cast, school, status=Status.ACHIEVED) -> Evidence:
    """A decided piece of the learner's work, made directly (the query-count tests need many
    decisions fast, not the flow that leads to them)."""
    step = step_of(school, "EP1", 1)
    return Evidence.objects.create(
        school=school,
        learner=cast.learner,
        step=step,
        ladder_identifier=step.ladder.identifier,
        step_identifier=step.identifier,
        level=1,
        reflection="A talk",
        context="lesson",
        status=status,
        route=Route.PEER,
        decided_by_peers=True,
    )


def add_assessors(cast, school, n: int) -> None:
    """n more assessors in the tutor's group, each with a decision, a timed review, and a spot
    check of the work they decided."""
    start = Membership.objects.filter(user__username__startswith="assessor").count()
    group = TutorGroup.objects.get(pk=cast.group_a.pk)
    for i in range(start, start + n):
        member = make_learner(school, f"assessor{i}", year=9, group=group, last=f"Assessor{i:03}")
        evidence = direct_evidence(cast, school)
        evidence.first_review_at = evidence.submitted_at + HOUR
        evidence.decided_at = evidence.submitted_at + HOUR
        evidence.save(update_fields=["first_review_at", "decided_at"])
        decision = Decision.objects.create(
            school=school,
            evidence=evidence,
            assessor=member.user,
            by_teacher=False,
            outcome=Outcome.MEETS,
            went_well="ok",
            even_better_if="ok",
        )
        Review.objects.create(
            school=school,
            assessor_school=school,
            evidence=evidence,
            assessor=member.user,
            state=ReviewState.DONE,
            taken_at=evidence.submitted_at,
            expires_at=evidence.submitted_at + DAY,
            ended_at=evidence.submitted_at + HOUR,
            decision=decision,
        )
        SpotCheck.objects.create(
            school=school,
            evidence=evidence,
            peer_outcome=Outcome.MEETS,
            teacher=cast.tutor,
            outcome=Outcome.MEETS if i % 2 else Outcome.NOT_YET,
            went_well="ok",
            even_better_if="ok",
            decided_at=evidence.submitted_at + DAY,
        )


BASE = 3  # session, user, memberships (every page)
# Figures: one aggregate over evidence, first-review times, the calendar, one aggregate over spot
# checks. Assessors: a count and a page, then decisions, spot-check agreement and review times
# for that page (pbyp.assessment.reliability).
MANAGER_PAGE = BASE + 4 + 2 + 3
TUTOR_PAGE = BASE + 2 + 3


@pytest.mark.parametrize(
    ("url", "who", "queries"),
    [
        ("/school/assessment/", "manager", MANAGER_PAGE),
        ("/school/assessment/?page=2", "manager", MANAGER_PAGE),
        ("/tutor/assessors/", "tutor", TUTOR_PAGE),
        # The whole list (1) with its figures (3 per 500 assessors), and the audit row.
        ("/school/assessment/?format=csv", "manager", BASE + 1 + 3 + 1),
        ("/school/assessment/figures.csv", "manager", BASE + 4),
    ],
)
def test_query_counts_do_not_grow_with_assessors(
    cast, as_user, school, django_assert_num_queries, url, who, queries
):
    client = as_user(getattr(cast, who))
    add_assessors(cast, school, 3)
    if "page=2" in url:
        add_assessors(cast, school, 50)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    add_assessors(cast, school, 30)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_suspend_query_count(cast, as_user, django_assert_num_queries):
    client = as_user(cast.tutor)
    # The learner (access), the open lease, the update, its school and the audit row, around
    # a savepoint pair for the service's transaction.
    with django_assert_num_queries(BASE + 7):
        client.post(f"/assessors/{cast.peer_m.pk}/suspend/", {"suspended": "1"})
