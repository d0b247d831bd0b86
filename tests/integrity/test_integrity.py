"""Integrity checks (SPEC §7): copied work is held for a teacher, honest work is not; the teacher
releases or returns it; patterns flag people without holding work; bad input never blocks."""

import io
import random
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from PIL import Image, ImageDraw

from pbyp.assessment.routing import route_overdue_work
from pbyp.evidence.models import Evidence, Notification, Route, RouteReason, Status
from pbyp.evidence.services import Upload, evidence_submit
from pbyp.evidence.tasks import process_evidence
from pbyp.integrity import images, text
from pbyp.integrity.models import CheckRun, CheckState, Flag, FlagKind, FlagState
from pbyp.schools.models import Membership
from tests.cast import make_learner
from tests.evidence import samples
from tests.ladders.helpers import step_of

SOURCE = (
    "Last Thursday I stood up in front of my whole class and showed them the bird box I built "
    "with my grandad over the half term holiday. I explained how we measured the wood, cut the "
    "pieces with a hand saw and nailed them together, and why the hole has to be exactly the "
    "right size for blue tits. My friends asked lots of questions about where to hang it and I "
    "answered them all without looking at my notes, which made me feel really proud of myself."
)
HONEST = (
    "For my show and tell I brought in the model volcano my sister and I made from clay and "
    "paper. I told everyone how magma rises up through the crust and then I added vinegar to "
    "make it erupt. At first I was nervous and spoke too quickly, but my teacher reminded me to "
    "breathe, so I slowed down. Afterwards three people said it was the best part of the day."
)


def edit_words(source: str, share: float, seed: int = 1) -> str:
    """The text with `share` of its words replaced by other words."""
    rng = random.Random(seed)
    words = source.split()
    for i in rng.sample(range(len(words)), round(len(words) * share)):
        words[i] = rng.choice(["purple", "seven", "quickly", "banana", "river", "happily"])
    return " ".join(words)


def photo(seed: int = 3, size=(800, 600)) -> Image.Image:
    """A colourful 'photo': shapes in many colours on a gradient."""
    rng = random.Random(seed)
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(size[1]):
        draw.line([(0, y), (size[0], y)], fill=(y * 255 // size[1], 90, 255 - y * 255 // size[1]))
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        r = rng.randrange(30, 160)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=tuple(rng.randrange(256) for _ in "rgb"))
    return image


def worksheet(lines: list[str]) -> Image.Image:
    """A photo of a written worksheet: dark writing on light paper."""
    image = Image.new("RGB", (800, 1100), (236, 234, 228))
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        draw.text((60, 80 + n * 60), line, fill=(30, 30, 40))
        draw.line([(60, 110 + n * 60), (740, 110 + n * 60)], fill=(150, 170, 200))
    return image


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


@pytest.fixture
def step(cast):
    return step_of(cast.school_a, "EP1", 1)


def sent(membership, step, reflection="I did it.", *, typed="", uploads=(), check=True):
    member = Membership.objects.select_related("school", "user").get(pk=membership.pk)
    evidence = evidence_submit(
        learner=member,
        step=step,
        reflection=reflection,
        context="lesson",
        text=typed,
        uploads=list(uploads),
    )
    if check:
        process_evidence.call(evidence_id=evidence.pk)
        evidence.refresh_from_db()
    return evidence


def other_learner(cast, username):
    return make_learner(cast.school_a, username, year=8, first=username.title(), last="Other")


def holding(evidence):
    return list(Flag.objects.filter(evidence=evidence, holds=True))


# --- what is held, what is not ----------------------------------------------------------------


def test_a_copied_reflection_with_a_tenth_of_its_words_changed_is_held(cast, step):
    first = sent(other_learner(cast, "writer"), step, SOURCE)
    assert first.route == Route.TEACHER and not holding(first)  # (no peers in this school)
    copy = sent(cast.learner_m, step, edit_words(SOURCE, 0.10))
    [flag] = holding(copy)
    assert flag.kind == FlagKind.NEAR_TEXT and flag.other_id == first.pk and flag.score >= 0.5
    assert copy.route == Route.HELD


def test_the_same_text_pasted_into_a_docx_is_held(cast, step):
    first = sent(other_learner(cast, "writer"), step, "My talk.", typed=SOURCE)
    copy = sent(
        cast.learner_m,
        step,
        "Here is my write-up.",
        uploads=[Upload("talk.docx", samples.docx(SOURCE.split(". ")))],
    )
    [flag] = holding(copy)
    assert flag.kind in (FlagKind.NEAR_TEXT, FlagKind.EXACT_TEXT) and flag.other_id == first.pk


def test_an_exact_copy_of_the_same_text_is_held(cast, step):
    first = sent(other_learner(cast, "writer"), step, SOURCE)
    copy = sent(cast.learner_m, step, SOURCE.upper().replace(",", ""))
    assert {f.kind for f in holding(copy)} >= {FlagKind.EXACT_TEXT}
    assert all(f.other_id == first.pk for f in holding(copy))


def test_a_resized_recompressed_copy_of_another_learners_photo_is_held(cast, step):
    original = photo()
    first = sent(other_learner(cast, "snapper"), step, uploads=[Upload("a.jpg", jpeg(original))])
    smaller = original.resize((400, 300))
    copy = sent(cast.learner_m, step, uploads=[Upload("b.jpg", jpeg(smaller, quality=55))])
    [flag] = holding(copy)
    assert flag.kind == FlagKind.NEAR_IMAGE and flag.other_id == first.pk


def test_different_photos_are_not_matched(cast, step):
    sent(other_learner(cast, "snapper"), step, uploads=[Upload("a.jpg", jpeg(photo(seed=3)))])
    mine = sent(cast.learner_m, step, uploads=[Upload("b.jpg", jpeg(photo(seed=11)))])
    assert not Flag.objects.filter(evidence=mine).exists() and mine.route == Route.TEACHER


def test_two_different_photos_of_worksheets_are_not_held(cast, step):
    sheet_a = worksheet(["Name: Ben", "1. 12 x 4 = 48", "2. 36 / 6 = 6", "3. 7 + 8 = 15"])
    sheet_b = worksheet(["Name: Amara", "My poem about the sea", "Waves roll in", "and out"])
    assert images.looks_like_a_page(sheet_a) and images.looks_like_a_page(sheet_b)
    sent(other_learner(cast, "ben"), step, uploads=[Upload("a.jpg", jpeg(sheet_a))])
    mine = sent(cast.learner_m, step, uploads=[Upload("b.jpg", jpeg(sheet_b))])
    assert not holding(mine) and mine.route == Route.TEACHER
    assert "a page" in CheckRun.objects.get(evidence=mine).unread  # said, not hidden


def test_two_honest_answers_to_the_same_statement_are_not_held(cast, step):
    statement = step.statement
    sent(other_learner(cast, "writer"), step, f"{statement}. {SOURCE}")
    mine = sent(cast.learner_m, step, f"{statement}. {HONEST}")
    assert not Flag.objects.filter(evidence=mine).exists()
    assert mine.route == Route.TEACHER and mine.route_reason == RouteReason.NO_PEER


def test_reusing_ones_own_text_for_another_step_gets_the_softer_flag(cast, step):
    first = sent(cast.learner_m, step, SOURCE)
    other_step = step_of(cast.school_a, "TW1", 1)
    reused = sent(cast.learner_m, other_step, SOURCE)
    flags = list(Flag.objects.filter(evidence=reused))
    assert {f.kind for f in flags} == {FlagKind.OWN_REUSE}
    assert all(not f.holds and f.other_id == first.pk for f in flags)
    assert reused.route == Route.TEACHER  # not held


def test_a_new_version_of_ones_own_work_for_the_same_step_is_not_flagged(cast, step):
    from pbyp.evidence.services import evidence_decide

    first = sent(cast.learner_m, step, SOURCE)
    evidence_decide(
        evidence=first, assessor=cast.tutor, outcome="not_yet", went_well="a", even_better_if="b"
    )
    again = evidence_submit(
        learner=Membership.objects.select_related("school").get(pk=cast.learner_m.pk),
        step=step,
        reflection=SOURCE + " I added a photo this time.",
        context="lesson",
        replaces=first,
    )
    process_evidence.call(evidence_id=again.pk)
    assert not Flag.objects.filter(evidence=again).exists()


def test_work_at_a_school_outside_the_network_is_not_compared(cast, step):
    sent(cast.b_learner_m, step_of(cast.school_b, "EP1", 1), SOURCE)
    mine = sent(cast.learner_m, step, SOURCE)
    assert not Flag.objects.filter(evidence=mine).exists()


# --- the teacher decides ----------------------------------------------------------------------


@pytest.fixture
def held(cast, step):
    sent(other_learner(cast, "writer"), step, SOURCE)
    copy = sent(cast.learner_m, step, edit_words(SOURCE, 0.05))
    assert copy.route == Route.HELD
    return copy


def test_the_teacher_sees_both_texts_with_the_matching_passages_and_releases(
    cast, as_user, held, django_capture_on_commit_callbacks
):
    client = as_user(cast.tutor)
    queue = client.get("/assess/").content.decode()
    flag = holding(held)[0]
    assert f"/assess/flags/{flag.pk}/" in queue and "held" in queue
    page = client.get(f"/assess/flags/{flag.pk}/").content.decode()
    assert "<mark>" in page and "Writer Other" in page and "Amara" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/assess/flags/{flag.pk}/", {"action": "release"})
    held.refresh_from_db()
    assert held.route == Route.TEACHER and held.status == Status.AWAITING
    assert Flag.objects.get(pk=flag.pk).state == FlagState.CLEARED


def test_the_teacher_returns_held_work_with_a_note_and_the_learner_can_send_again(
    cast, as_user, held
):
    flag = holding(held)[0]
    client = as_user(cast.manager)
    missing = client.post(
        f"/assess/flags/{flag.pk}/", {"action": "return", "note": ""}, follow=True
    )
    assert "Write a note for the learner" in missing.content.decode()
    client.post(f"/assess/flags/{flag.pk}/", {"action": "return", "note": "Use your own words."})
    held.refresh_from_db()
    assert held.status == Status.RETURNED
    assert Notification.objects.filter(user=cast.learner, link=f"/evidence/{held.pk}/").exists()
    assert Notification.objects.filter(user=cast.tutor, link=f"/evidence/{held.pk}/").exists()
    page = as_user(cast.learner).get(f"/evidence/{held.pk}/").content.decode()
    assert "Use your own words." in page and "Send a new version" in page
    again = as_user(cast.learner).get(f"/evidence/{held.pk}/again/")
    assert again.status_code == 200


def test_another_schools_work_is_shown_only_as_the_matched_passage(cast, as_user, step):
    for school in (cast.school_a, cast.school_b):
        school.in_network = True
        school.save()
    sent(cast.b_learner_m, step_of(cast.school_b, "EP1", 1), SOURCE + " Beacon secret words here.")
    copy = sent(cast.learner_m, step, edit_words(SOURCE, 0.05))
    flag = holding(copy)[0]
    page = as_user(cast.tutor).get(f"/assess/flags/{flag.pk}/").content.decode()
    assert "Work at another school (W-" in page
    assert "Bea" not in page and "Beacon" not in page and "secret" not in page
    assert as_user(cast.outsider).get(f"/assess/flags/{flag.pk}/").status_code == 404


def test_who_can_reach_flags(cast, as_user, held):
    flag = holding(held)[0]
    for who in (cast.learner, cast.peer, cast.parent):
        assert as_user(who).get(f"/assess/flags/{flag.pk}/").status_code == 403
        assert as_user(who).get("/assess/flags/").status_code == 403
    assert as_user(cast.outsider).get(f"/assess/flags/{flag.pk}/").status_code == 404
    assert as_user(cast.tutor).get("/school/integrity/").status_code == 403
    page = as_user(cast.manager).get("/school/integrity/").content.decode()
    assert "Text copied from other work" in page


# --- patterns ---------------------------------------------------------------------------------


def test_a_burst_of_submissions_flags_the_learner_without_holding_work(cast):
    codes = ["EP1", "TW1", "CT1", "IE1", "SM1", "EP2", "EP3", "EP4"]
    last = None
    for code in codes:
        last = sent(cast.learner_m, step_of(cast.school_a, code, 1), f"Work for {code}.")
    [flag] = Flag.objects.filter(kind=FlagKind.BURST)
    assert flag.subject == cast.learner and not flag.holds and flag.evidence is None
    assert last.route == Route.TEACHER


def test_reciprocal_approvals_and_a_quick_approver_flag_the_assessor(cast, step):
    from pbyp.integrity.patterns import check_assessor
    from tests.assessment.helpers import achieve

    a, b = other_learner(cast, "alpha"), other_learner(cast, "bravo")
    codes = ["EP1", "TW1", "CT1"]
    for code in codes:
        achieve(a, step_of(cast.school_a, code, 1))
        achieve(b, step_of(cast.school_a, code, 1))
    from pbyp.evidence.models import Decision

    for author, assessor in ((a, b), (b, a)):
        for code in ("EP2", "TW2"):
            work = Evidence.objects.create(
                school=cast.school_a,
                learner=author.user,
                step=step_of(cast.school_a, code, 2),
                ladder_identifier=step_of(cast.school_a, code, 2).ladder.identifier,
                step_identifier=step_of(cast.school_a, code, 2).identifier,
                level=2,
                reflection="r",
                context="lesson",
            )
            Decision.objects.create(
                school=cast.school_a,
                evidence=work,
                assessor=assessor.user,
                by_teacher=False,
                outcome="meets",
                went_well="w",
                even_better_if="b",
            )
    check_assessor(school=cast.school_a, assessor_id=a.user_id)
    [flag] = Flag.objects.filter(kind=FlagKind.RECIPROCAL)
    assert flag.subject_id == a.user_id and not flag.holds
    check_assessor(school=cast.school_a, assessor_id=a.user_id)  # once while open
    assert Flag.objects.filter(kind=FlagKind.RECIPROCAL).count() == 1


# --- bad input never blocks -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("locked.pdf", samples.encrypted_pdf()),
        ("broken.pdf", samples.corrupt_pdf()),
    ],
)
def test_unreadable_documents_are_noted_and_the_work_routed(cast, step, name, data):
    work = sent(cast.learner_m, step, uploads=[Upload(name, data)])
    run = CheckRun.objects.get(evidence=work)
    assert run.state == CheckState.INCOMPLETE and name in run.unread
    assert work.route == Route.TEACHER


def test_other_scripts_empty_and_enormous_texts_are_checked(cast, step):
    welsh_greek = (
        "Ysgrifennais gerdd am y môr. Έγραψα ένα ποίημα για τη θάλασσα. 我写了一首关于大海的诗。"
    )
    assert sent(cast.learner_m, step, welsh_greek).route == Route.TEACHER
    enormous = " ".join(f"word{n % 5000}" for n in range(200_000))
    other = sent(other_learner(cast, "long"), step, "A long essay.", typed=enormous)
    assert CheckRun.objects.get(evidence=other).state == CheckState.DONE
    assert len(text.words(enormous)) == text.MAX_WORDS


def test_a_check_that_never_ran_is_caught_up_by_the_scheduler(cast, step):
    work = sent(cast.learner_m, step, SOURCE, check=False)
    assert work.route == Route.CHECKING
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        assert route_overdue_work()["unchecked"] == 1
    work.refresh_from_db()
    assert work.route == Route.TEACHER and CheckRun.objects.filter(evidence=work).exists()


def test_a_check_that_fails_still_routes_the_work(cast, step, monkeypatch):
    from pbyp.integrity import checks

    def broken(evidence):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(checks, "check", broken)
    work = sent(cast.learner_m, step, SOURCE)
    assert work.route == Route.TEACHER
    assert CheckRun.objects.get(evidence=work).state == CheckState.INCOMPLETE


# --- the pure functions -----------------------------------------------------------------------


def test_winnowing_guarantees_a_shared_fingerprint_for_a_long_enough_shared_passage():
    passage = text.words(SOURCE)[: text.MIN_WORDS]
    left = text.words("Completely different opening words here. ") + passage
    right = passage + text.words(" and then something else entirely happened later")
    assert text.fingerprints(left) & text.fingerprints(right)
    assert text.fingerprints(text.words("too short to fingerprint")) == set()


def test_containment_is_measured_in_either_direction():
    whole, part = text.words(SOURCE), text.words(SOURCE)[:30]
    assert text.containment(part, whole) == 1.0 and text.containment(whole, part) == 1.0
    assert text.containment(text.words(SOURCE), text.words(HONEST)) < 0.1


def test_chunk_lookups_find_every_hash_within_the_search_radius():
    rng = random.Random(5)
    for _ in range(200):
        value = images._signed(rng.getrandbits(64))
        near = value
        for bit in rng.sample(range(64), images.SEARCH_RADIUS):
            near ^= 1 << bit
        near = images._signed(near & ((1 << 64) - 1))
        probes = dict(images.chunk_neighbours(value))
        assert any(chunk in probes[p] for p, chunk in enumerate(images.chunks(near)))


@pytest.mark.parametrize("copies", [1, 6])
def test_flag_pages_use_a_fixed_number_of_queries(
    cast, as_user, step, django_assert_num_queries, copies
):
    sent(other_learner(cast, "writer"), step, SOURCE)
    for n in range(copies):
        sent(other_learner(cast, f"copier{n}"), step, edit_words(SOURCE, 0.05, seed=n))
    flag = Flag.objects.filter(holds=True).first()
    client = as_user(cast.manager)
    client.get("/assess/flags/")
    with django_assert_num_queries(3 + 1):  # the open flags with their work and people
        assert client.get("/assess/flags/").status_code == 200
    with django_assert_num_queries(3 + 2):  # checks run; flags by kind
        assert client.get("/school/integrity/").status_code == 200
    # the flag (access); both texts (2); the check run
    with django_assert_num_queries(3 + 4):
        assert client.get(f"/assess/flags/{flag.pk}/").status_code == 200


def test_assessing_held_work_leads_to_its_flag_first(cast, as_user, held):
    flag = holding(held)[0]
    response = as_user(cast.tutor).get(f"/assess/{held.pk}/")
    assert response.status_code == 302 and response.url == f"/assess/flags/{flag.pk}/"
