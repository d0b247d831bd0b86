"""Evidence end to end: submitting, file safety through the product, teacher decisions,
resubmission, achievement, galleries, access and query counts."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from pbyp.evidence import services
from pbyp.evidence.models import Decision, Evidence, EvidenceFile, Notification, Status
from pbyp.ladders.models import Achievement, LevelSource, Target
from pbyp.ladders.selectors import levels_for
from pbyp.ladders.services import target_choose
from pbyp.schools.models import Membership
from tests.cast import make_learner
from tests.evidence import samples
from tests.ladders.helpers import step_of

REFLECTION = "I showed my class the bird box I made and told them how I built it."


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def submit(client, step, *, files=(), photo=None, share=True, **extra):
    data = {"reflection": REFLECTION, "context": "lesson", "text": "", "links": "", **extra}
    if share:
        data["share_in_gallery"] = "on"
    data["files"] = list(files)
    if photo is not None:
        data["photo"] = photo
    return client.post(f"/evidence/new/{step.pk}/", data)


@pytest.fixture
def step(cast):
    return step_of(cast.school_a, "EP1", 1)


@pytest.fixture
def sent(cast, as_user, step, django_capture_on_commit_callbacks):
    """The learner's evidence with a photo (carrying GPS EXIF) and a PDF, shared in the gallery."""
    target_choose(learner=cast.learner_m, step=step)
    Membership.objects.filter(pk=cast.learner_m.pk).update(parent_gallery_consent=True)  # Year 8
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(
            as_user(cast.learner),
            step,
            files=[upload("notes.pdf", samples.pdf())],
            photo=upload("IMG_0001.jpg", samples.jpeg_with_everything(), "image/jpeg"),
        )
    assert response.status_code == 302, response.content.decode()[-2000:]
    return Evidence.objects.get(learner=cast.learner)


def test_submitting_evidence_with_a_photo_and_a_pdf(cast, as_user, sent):
    assert sent.status == Status.AWAITING and sent.share_in_gallery and sent.version == 1
    files = list(sent.files.all())
    assert [f.kind for f in files] == ["image", "document"]
    assert all(len(Path(f.path).stem) == 32 for f in files)  # random names, not the learner's
    assert files[0].original_name == "IMG_0001.jpg" and files[0].thumbnail_path
    assert files[1].text_status == "ok" and "bird box" in files[1].extracted_text
    page = as_user(cast.learner).get(f"/evidence/{sent.pk}/").content.decode()
    assert "Waiting for a teacher" in page and REFLECTION in page
    assert "No other learner has reached this step yet" in page
    # The tutor was told there is work to check (in the app; links only).
    assert Notification.objects.filter(user=cast.tutor, link=f"/assess/{sent.pk}/").exists()


def test_a_photo_with_gps_comes_back_with_no_exif_at_all(cast, as_user, sent):
    photo = sent.files.get(kind="image")
    response = as_user(cast.learner).get(f"/files/{photo.pk}/")
    body = b"".join(response.streaming_content)
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "inline" in response["Content-Disposition"]
    image = Image.open(io.BytesIO(body))
    assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info
    assert b"GPS" not in body and b"Exif" not in body
    thumb = as_user(cast.learner).get(f"/files/{photo.pk}/thumbnail/")
    assert max(Image.open(io.BytesIO(b"".join(thumb.streaming_content))).size) <= 400


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        (
            "holiday.png",
            b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
            "web page",
        ),
        (
            "star.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "SVG",
        ),
        ("photos.zip", samples.plain_zip(), "archive"),
        ("empty.jpg", b"", "empty"),
    ],
)
def test_dangerous_or_empty_files_are_refused_and_nothing_is_kept(
    cast, as_user, step, name, data, words
):
    response = submit(as_user(cast.learner), step, files=[upload(name, data)])
    page = response.content.decode()
    assert response.status_code == 200
    assert name in page and words.lower() in page.lower()
    assert REFLECTION in page  # what the learner typed is kept
    assert not Evidence.objects.exists() and not EvidenceFile.objects.exists()
    assert stored_files() == []


def test_an_oversized_file_is_refused_by_the_school_limit(cast, as_user, step):
    cast.school_a.max_file_mb = 1
    cast.school_a.save()
    big = samples.large_jpeg() + b"\0" * (1024 * 1024)
    response = submit(as_user(cast.learner), step, files=[upload("huge.jpg", big)])
    assert "1 MB" in response.content.decode()
    assert not Evidence.objects.exists() and stored_files() == []


def test_one_bad_file_refuses_the_whole_submission(cast, as_user, step):
    response = submit(
        as_user(cast.learner),
        step,
        files=[upload("ok.jpg", samples.plain_jpeg()), upload("bad.png", b"<html>no</html>")],
    )
    assert response.status_code == 200
    assert not Evidence.objects.exists() and stored_files() == []


def test_evidence_for_a_step_that_is_not_next_is_refused(cast, as_user):
    step3 = step_of(cast.school_a, "EP1", 3)
    response = submit(as_user(cast.learner), step3)
    assert "You can add evidence for step 1" in response.content.decode()
    assert not Evidence.objects.exists()


def test_reflection_is_required(cast, as_user, step):
    response = submit(as_user(cast.learner), step, reflection="   ")
    assert response.status_code == 200 and not Evidence.objects.exists()


def test_double_click_on_send_saves_once(cast, as_user, step):
    client = as_user(cast.learner)
    submit(client, step, form_token="click-1")
    submit(client, step, form_token="click-1")
    assert Evidence.objects.count() == 1


def test_teacher_not_yet_then_resubmit_then_meets(
    cast, as_user, sent, django_capture_on_commit_callbacks
):
    tutor = as_user(cast.tutor)
    queue = tutor.get("/assess/").content.decode()
    assert "Amara Okoye" in queue and "my group" in queue
    response = tutor.post(
        f"/assess/{sent.pk}/", {"outcome": "not_yet", "went_well": "", "even_better_if": ""}
    )
    assert "Say what went well." in response.content.decode()
    tutor.post(
        f"/assess/{sent.pk}/",
        {
            "outcome": "not_yet",
            "went_well": "Clear story.",
            "even_better_if": "Look at your audience.",
        },
    )
    sent.refresh_from_db()
    assert sent.status == Status.NOT_YET
    learner = as_user(cast.learner)
    assert "Look at your audience." in learner.get(f"/evidence/{sent.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = learner.post(
            f"/evidence/{sent.pk}/again/",
            {
                "reflection": "I looked at everyone this time.",
                "context": "club",
                "share_in_gallery": "on",
                "photo": upload("again.jpg", samples.plain_jpeg()),
            },
        )
    second = Evidence.objects.get(version=2)
    assert response.url == f"/evidence/{second.pk}/"
    sent.refresh_from_db()
    assert sent.status == Status.SUPERSEDED and second.replaces == sent
    page = learner.get(f"/evidence/{second.pk}/").content.decode()
    assert "Earlier versions" in page and "Look at your audience." in page
    # The first version can't be sent again.
    assert (
        learner.post(
            f"/evidence/{sent.pk}/again/", {"reflection": "x", "context": "home"}
        ).status_code
        == 302
    )
    assert Evidence.objects.count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        tutor.post(
            f"/assess/{second.pk}/",
            {
                "outcome": "meets",
                "went_well": "Great eye contact.",
                "even_better_if": "Ask a question.",
            },
        )
    second.refresh_from_db()
    assert second.status == Status.ACHIEVED
    achievement = Achievement.objects.get(learner=cast.learner, source=LevelSource.EVIDENCE)
    assert achievement.level == 1 and achievement.step == second.step
    assert (
        levels_for(cast.school_a, [cast.learner.pk])[(cast.learner.pk, second.ladder_identifier)]
        == 1
    )
    assert not Target.objects.filter(learner=cast.learner).exists()
    assert Notification.objects.filter(user=cast.learner, text__contains="Well done").exists()
    ladder_page = learner.get(f"/ladders/{second.ladder_identifier}/").content.decode()
    assert "You are on <strong>level 1</strong>" in ladder_page
    # The gallery of step 1 shows it to another learner, as first name + initial.
    peer_view = as_user(cast.peer).get(f"/ladders/{second.ladder_identifier}/").content.decode()
    assert "by Amara O." in peer_view and "Okoye" not in peer_view
    gallery_page = as_user(cast.peer).get(f"/evidence/{second.pk}/").content.decode()
    assert "Work by Amara O." in gallery_page and "Okoye" not in gallery_page
    # A version that isn't in the gallery stays private.
    assert as_user(cast.peer).get(f"/evidence/{sent.pk}/").status_code == 404


def test_teacher_can_hide_from_the_gallery(cast, as_user, sent):
    services.evidence_decide(
        evidence=sent, assessor=cast.tutor, outcome="meets", went_well="a", even_better_if="b"
    )
    assert (
        "by Amara O."
        in as_user(cast.peer).get(f"/ladders/{sent.ladder_identifier}/").content.decode()
    )
    as_user(cast.tutor).post(f"/evidence/{sent.pk}/gallery/", {"choice": "hide"})
    assert (
        "by Amara O."
        not in as_user(cast.peer).get(f"/ladders/{sent.ladder_identifier}/").content.decode()
    )
    assert as_user(cast.peer).get(f"/evidence/{sent.pk}/").status_code == 404


def test_young_learners_need_a_parents_consent_for_the_gallery(cast, as_user, step):
    young = make_learner(cast.school_a, "young", year=5)
    evidence = services.evidence_submit(
        learner=young, step=step, reflection="I did it", context="home", share_in_gallery=True
    )
    services.evidence_decide(
        evidence=evidence, assessor=cast.tutor, outcome="meets", went_well="a", even_better_if="b"
    )
    page = as_user(cast.peer).get(f"/ladders/{step.ladder.identifier}/").content.decode()
    assert "Ideas from others" not in page
    Membership.objects.filter(pk=young.pk).update(parent_gallery_consent=True)
    assert (
        "Ideas from others"
        in as_user(cast.peer).get(f"/ladders/{step.ladder.identifier}/").content.decode()
    )


def test_unshared_work_stays_out_of_the_gallery(cast, as_user, step):
    evidence = services.evidence_submit(
        learner=cast.learner_m, step=step, reflection="x", context="home"
    )
    services.evidence_decide(
        evidence=evidence, assessor=cast.tutor, outcome="meets", went_well="a", even_better_if="b"
    )
    assert (
        "Ideas from others"
        not in as_user(cast.peer).get(f"/ladders/{step.ladder.identifier}/").content.decode()
    )


def test_who_can_see_evidence_and_files(cast, as_user, sent):
    photo = sent.files.get(kind="image")
    urls = [f"/evidence/{sent.pk}/", f"/files/{photo.pk}/", f"/files/{photo.pk}/thumbnail/"]
    for url in urls:
        for who in ("learner", "tutor", "manager", "parent"):
            assert as_user(getattr(cast, who)).get(url).status_code == 200, (who, url)
        for who in ("peer", "outsider", "operator"):
            assert as_user(getattr(cast, who)).get(url).status_code == 404, (who, url)
    assert as_user(cast.outsider).get(f"/assess/{sent.pk}/").status_code == 404
    assert (
        as_user(cast.outsider).post(f"/assess/{sent.pk}/", {"outcome": "meets"}).status_code == 404
    )
    assert (
        as_user(cast.outsider).post(f"/evidence/{sent.pk}/gallery/", {"choice": "hide"}).status_code
        == 404
    )
    for who in ("learner", "peer", "parent"):
        assert as_user(getattr(cast, who)).get("/assess/").status_code == 403
        assert as_user(getattr(cast, who)).get(f"/assess/{sent.pk}/").status_code == 403
    assert as_user(cast.peer).post(f"/evidence/{sent.pk}/again/", {}).status_code == 404
    assert as_user(cast.tutor).get("/portfolio/").status_code == 403
    assert (
        as_user(cast.peer).post(f"/evidence/{sent.pk}/gallery/", {"choice": "unshare"}).status_code
        == 404
    )
    assert Evidence.objects.get(pk=sent.pk).share_in_gallery


def test_a_decided_item_tells_the_second_teacher(cast, as_user, sent):
    services.evidence_decide(
        evidence=sent, assessor=cast.manager, outcome="meets", went_well="a", even_better_if="b"
    )
    response = as_user(cast.tutor).post(
        f"/assess/{sent.pk}/",
        {"outcome": "not_yet", "went_well": "x", "even_better_if": "y"},
        follow=True,
    )
    assert "Someone else decided this work a moment ago" in response.content.decode()
    assert Decision.objects.count() == 1


def test_portfolio_filters(cast, as_user, sent):
    client = as_user(cast.learner)
    assert REFLECTION[:30] in client.get("/portfolio/").content.decode()
    assert REFLECTION[:30] not in client.get("/portfolio/?status=achieved").content.decode()
    assert (
        REFLECTION[:30]
        in client.get(f"/portfolio/?ladder={sent.ladder_identifier}").content.decode()
    )
    assert REFLECTION[:30] not in client.get("/portfolio/?ladder=not-a-uuid").content.decode()


def test_notifications_page(cast, as_user, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_decide(
            evidence=sent, assessor=cast.tutor, outcome="meets", went_well="a", even_better_if="b"
        )
    page = as_user(cast.learner).get("/notifications/").content.decode()
    assert "Well done" in page
    assert not Notification.objects.filter(user=cast.learner, read_at__isnull=True).exists()


def _more_work(cast, n):
    """n more learners of school A with evidence for step 1, decided and shared; and school B's."""
    step = step_of(cast.school_a, "EP1", 1)
    for i in range(n):
        member = make_learner(cast.school_a, f"w{i}", year=10, group=cast.group_a)
        evidence = services.evidence_submit(
            learner=member,
            step=step,
            reflection=f"work {i}",
            context="home",
            share_in_gallery=True,
            uploads=[services.Upload("p.jpg", samples.plain_jpeg())],
        )
        if i % 2:
            services.evidence_decide(
                evidence=evidence,
                assessor=cast.tutor,
                outcome="meets",
                went_well="a",
                even_better_if="b",
            )
    b_step = step_of(cast.school_b, "EP1", 1)
    for i in range(3):
        services.evidence_submit(
            learner=make_learner(cast.school_b, f"bw{i}"),
            step=b_step,
            reflection="b",
            context="home",
        )


QUERY_PAGES = [
    # (url, who, queries after the 3 every page pays, why)
    (
        "/assess/",
        "tutor",
        4,
        "count; one page of the queue with learners and steps; count with peers; spot checks",
    ),
    (
        "/portfolio/",
        "learner",
        8,
        "count; page; files; links; decisions; used versions; strands; ladders",
    ),
    (
        "/evidence/{evidence}/",
        "learner",
        5,
        "evidence (access); history; files; links; decisions with assessors",
    ),
    (
        "/ladders/{ladder}/",
        "peer",
        8,
        "used versions; ladder; steps; level; target; open work; gallery; its files",
    ),
]


@pytest.mark.parametrize(("url", "who", "own", "why"), QUERY_PAGES, ids=[p[0] for p in QUERY_PAGES])
def test_evidence_page_query_counts_are_fixed(
    cast, as_user, sent, django_assert_num_queries, url, who, own, why
):
    if url != "/assess/":  # the queue is measured with work in it
        services.evidence_decide(
            evidence=sent, assessor=cast.tutor, outcome="meets", went_well="a", even_better_if="b"
        )
    url = url.format(evidence=sent.pk, ladder=sent.ladder_identifier)
    client = as_user(getattr(cast, who))
    client.get(url)
    with django_assert_num_queries(3 + own):
        assert client.get(url).status_code == 200
    _more_work(cast, 12)
    with django_assert_num_queries(3 + own):
        assert client.get(url).status_code == 200


CRASH_SCRIPT = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "pbyp.settings"
import django
django.setup()
from pbyp.evidence import services
from pbyp.evidence.models import Evidence
from pbyp.ladders.models import Step
from pbyp.schools.models import Membership
from tests.evidence import samples

def crash(*args, **kwargs):
    os._exit(9)  # the process dies here: files written, nothing committed

Evidence.objects.create = crash
learner = Membership.objects.get(user__username="learner")
step = Step.objects.get(school=learner.school, ladder__code="EP1", level=1,
                        ladder__version__status="published")
services.evidence_submit(
    learner=learner, step=step, reflection="r", context="home",
    uploads=[services.Upload("a.jpg", samples.plain_jpeg()),
             services.Upload("b.pdf", samples.pdf())],
)
"""


def test_a_crash_mid_upload_leaves_no_row_and_cleanup_removes_the_files(tmp_path):
    """A real process is killed between writing the files and committing the rows."""
    import os
    import subprocess
    import sys

    from tests.test_settings import run_pbyp

    db = tmp_path / "crash.sqlite3"
    media = tmp_path / "media"
    env = {"DATABASE_URL": f"sqlite:///{db}", "MEDIA_ROOT": str(media)}
    assert run_pbyp(["migrate", "-v0"], env, tmp_path).returncode == 0
    seed = "from pbyp.schools.demo import seed_demo; seed_demo()"
    assert run_pbyp(["shell", "-c", seed], env, tmp_path).returncode == 0
    full_env = {**os.environ, **env, "PBYP_VAR_DIR": str(tmp_path), "TASK_BACKEND": "immediate"}
    full_env.pop("DEBUG", None)
    crashed = subprocess.run(
        [sys.executable, "-c", CRASH_SCRIPT],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert crashed.returncode == 9, crashed.stderr
    leftovers = [p for p in media.rglob("*") if p.is_file()]
    assert len(leftovers) == 2  # written, never committed
    count = (
        "from pbyp.evidence.models import Evidence, EvidenceFile; "
        "print(Evidence.objects.filter(learner__username='learner').count(), "
        "EvidenceFile.objects.count())"
    )
    assert run_pbyp(["shell", "-c", count], env, tmp_path).stdout.split()[-2:] == ["0", "0"]
    # Recent files are left alone (an upload may be in flight); old ones go.
    assert "Removed 0 stale files" in run_pbyp(["cleanup_uploads"], env, tmp_path).stdout
    assert (
        "Removed 2 stale files"
        in run_pbyp(["cleanup_uploads", "--minutes", "0"], env, tmp_path).stdout
    )
    assert [p for p in media.rglob("*") if p.is_file()] == []


def test_cleanup_keeps_files_that_belong_to_evidence(cast, sent):
    from django.core.management import call_command

    call_command("cleanup_uploads", minutes=0, stdout=io.StringIO())
    assert len(stored_files()) == 3  # photo, its thumbnail, the PDF


def test_learners_of_another_school_cannot_add_evidence_to_school_a_steps(cast, as_user, step):
    assert as_user(cast.b_learner_m.user).get(f"/evidence/new/{step.pk}/").status_code == 404
    assert as_user(cast.b_learner_m.user).post(f"/evidence/new/{step.pk}/", {}).status_code == 404
    for who in ("tutor", "parent", "outsider"):
        assert as_user(getattr(cast, who)).get(f"/evidence/new/{step.pk}/").status_code == 403
    assert not Evidence.objects.exists()


def test_a_step_gallery_shows_the_newest_six(cast, step):
    from pbyp.evidence.selectors import GALLERY_PER_STEP, gallery_for_ladder

    for i in range(8):
        member = make_learner(cast.school_a, f"g{i}", year=10)
        work = services.evidence_submit(
            learner=member,
            step=step,
            reflection=f"gallery {i}",
            context="home",
            share_in_gallery=True,
        )
        services.evidence_decide(
            evidence=work, assessor=cast.tutor, outcome="meets", went_well="a", even_better_if="b"
        )
    shelf = gallery_for_ladder(cast.school_a, step.ladder)[1]
    assert len(shelf) == GALLERY_PER_STEP == 6
    assert [item.reflection for item in shelf] == [f"gallery {i}" for i in range(7, 1, -1)]


def test_home_pages_show_where_work_is(cast, as_user, sent, django_capture_on_commit_callbacks):
    assert "waiting for a teacher" in as_user(cast.learner).get("/me/").content.decode()
    assert "1 piece of work to assess" in as_user(cast.tutor).get("/tutor/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_decide(
            evidence=sent, assessor=cast.tutor, outcome="not_yet", went_well="a", even_better_if="b"
        )
    home = as_user(cast.learner).get("/me/").content.decode()
    assert "needs another go" in home and "You have 1 new message" in home
    assert (
        "Nothing is waiting to be assessed" in as_user(cast.tutor).get("/tutor/").content.decode()
    )


def test_staff_and_parents_viewing_a_childs_work_is_audited(cast, as_user, sent):
    from pbyp.core.models import AuditEvent

    for who in ("learner", "tutor", "parent"):
        as_user(getattr(cast, who)).get(f"/evidence/{sent.pk}/")
    viewers = set(
        AuditEvent.objects.filter(action="evidence.view").values_list("actor__username", flat=True)
    )
    assert viewers == {"tutor", "parent"}


def test_the_scheduler_removes_old_orphaned_uploads_and_keeps_recent_ones(cast, sent):
    import os
    import time

    from pbyp.core.schedule import tick

    folder = Path(settings.MEDIA_ROOT) / "evidence" / str(cast.school_a.pk)
    old, recent = folder / ("a" * 32 + ".jpg"), folder / ("b" * 32 + ".jpg")
    for orphan in (old, recent):
        orphan.write_bytes(b"left by a crash")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    tick()
    assert not old.exists() and recent.exists()
    assert len(stored_files()) == 4  # the evidence's photo, thumbnail and PDF, and the recent file
