"""Printables (SPEC §3): the ladder poster (A4/A3), the planner insert and the learner's record
sheet. Each is read back with pypdf: pages, page size, the statements a person would look for and
the address behind each QR code. Access: the outsider (teacher and manager at school B) gets 404
for school A's things; roles that must not print something get 403 or 404.

Tests that only check who may print stub out WeasyPrint's PDF writing (the template is still
rendered, so its queries still count): a real render takes a second or two."""

import io
import uuid

import pytest
from django.urls import reverse
from pypdf import PdfReader

from pbyp.core.models import AuditEvent
from pbyp.ladders import printables
from pbyp.ladders.models import Ladder, Step, VersionStatus
from pbyp.ladders.services import baseline_set, framework_import, target_choose
from tests.cast import make_learner
from tests.conftest import pdf_library_or_skip

SITE = "https://pbyp.example.org"
PRESENTING_1 = "Stand up and do a show-and-tell to the people in your class"
PRESENTING_4 = (
    "Speak in a year group or school assembly and get feedback from at least five people in the "
    "audience"
)
PRESENTING_9 = (
    "Present to 1,000 of your peers and be evaluated as excellent by more than 50% of them"
)
# Points per millimetre, and the ISO page sizes in points (portrait).
MM = 72 / 25.4
A4 = (210 * MM, 297 * MM)
A3 = (297 * MM, 420 * MM)
BASE = 3  # every page: session, user, memberships with their schools (CurrentSchoolMiddleware)


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture(autouse=True)
def _pdf_library(request):
    if request.node.name.startswith("test_without_the_pdf_library"):
        return  # this one pretends the library is missing
    pdf_library_or_skip()


@pytest.fixture
def stub_pdf(monkeypatch):
    """Templates render as usual; WeasyPrint's layout and PDF writing are skipped."""

    class FakeDocument:
        pages = [None]

        def write_pdf(self, **options):
            return b"%PDF-1.7 stub"

    class FakeHTML:
        def __init__(self, string):
            assert string.startswith("<!doctype html>")

        def render(self, **options):
            return FakeDocument()

    from pbyp.ladders import pdf_engine

    monkeypatch.setattr(pdf_engine, "html_document", lambda html, base_url: FakeHTML(html))


def ladder_of(school, code: str) -> Ladder:
    return Ladder.objects.select_related("version__framework").get(
        school=school, code=code, version__status=VersionStatus.PUBLISHED
    )


def read_pdf(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('inline; filename="') and disposition.endswith('.pdf"')
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, text


def words(text: str) -> str:
    """Text with line breaks and runs of spaces made single spaces: statements wrap."""
    return " ".join(text.split())


def squashed(text: str) -> str:
    """Text without any whitespace: addresses break over lines on the small printables."""
    return "".join(text.split())


def own_framework(school, *, use=True, title="Kitchen skills", statement_words=8):
    """A framework of the school's own: one strand, one ladder, nine steps."""
    filler = " ".join(["carefully"] * statement_words)
    package = {
        "title": title,
        "strands": [
            {
                "title": "Life at home",
                "colour": "#b45309",
                "ladders": [
                    {
                        "title": "Cooking a meal",
                        "identifier": uuid.uuid4(),
                        "code": "CK1",
                        "description": "Plan, cook and share food safely.",
                        "steps": [
                            {
                                "identifier": uuid.uuid4(),
                                "level": n,
                                "statement": f"Cooking step {n}: {filler} done.",
                            }
                            for n in range(1, 10)
                        ],
                    }
                ],
            }
        ],
    }
    return framework_import(school=school, package=package, by=None, publish=True, use=use)


# --- the address behind every QR code --------------------------------------------------------


def test_printed_qr_address_is_the_ladder_page(cast):
    """Printed posters outlive code changes: the address they carry must stay the ladder page."""
    ladder = ladder_of(cast.school_a, "EP1")
    url = printables.ladder_url(ladder.identifier)
    assert url == SITE + reverse("ladder", args=[ladder.identifier])


# --- poster ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "points"), [("A4", A4), ("A3", A3)])
def test_poster_is_one_page_of_the_ladder_with_its_qr_address(cast, as_user, size, points):
    ladder = ladder_of(cast.school_a, "EP1")
    response = as_user(cast.learner).get(f"/ladders/{ladder.identifier}/poster.pdf?size={size}")
    reader, text = read_pdf(response)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(points[0], abs=0.5)
    assert float(box.height) == pytest.approx(points[1], abs=0.5)
    assert f"poster-presenting-to-an-audience-{size.lower()}.pdf" in response["Content-Disposition"]
    flat = words(text)
    assert "Presenting to an audience" in flat
    assert "Effective participators" in flat
    assert PRESENTING_1 in flat and PRESENTING_9 in flat
    assert f"{SITE}/ladders/{ladder.identifier}/" in flat
    # Step 9 is printed above step 1: a ladder, read from the top.
    assert flat.index(PRESENTING_9) < flat.index(PRESENTING_1)
    # Tagged for screen readers, with a title and the language.
    assert (
        reader.metadata.title == "Presenting to an audience – Effective participators ladder poster"
    )
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"


def test_poster_size_defaults_to_a4_and_refuses_other_sizes(cast, as_user, stub_pdf):
    ladder = ladder_of(cast.school_a, "EP1")
    client = as_user(cast.learner)
    response = client.get(f"/ladders/{ladder.identifier}/poster.pdf")
    assert response.status_code == 200
    assert "-a4.pdf" in response["Content-Disposition"]
    assert client.get(f"/ladders/{ladder.identifier}/poster.pdf?size=a3").status_code == 200
    response = client.get(f"/ladders/{ladder.identifier}/poster.pdf?size=A5")
    assert response.status_code == 400
    assert b"Posters come in A4 or A3" in response.content


def test_poster_stays_one_page_with_long_statements(cast, as_user):
    """A school's own ladder with long statements gets smaller type, not a second page."""
    own_framework(cast.school_a, statement_words=30)  # ~290 characters a step
    ladder = ladder_of(cast.school_a, "CK1")
    for size in ("A4", "A3"):
        response = as_user(cast.tutor).get(f"/ladders/{ladder.identifier}/poster.pdf?size={size}")
        reader, text = read_pdf(response)
        assert len(reader.pages) == 1, size
        assert "Cooking step 9:" in text and "Cooking step 1:" in text


def test_poster_for_everyone_at_a_school_that_uses_the_ladder(cast, as_user, client, stub_pdf):
    ladder = ladder_of(cast.school_a, "EP1")
    url = f"/ladders/{ladder.identifier}/poster.pdf"
    assert client.get(url).status_code == 302  # anonymous: sent to sign in
    for person in (cast.learner, cast.peer, cast.tutor, cast.manager, cast.parent, cast.outsider):
        # The default ladders have the same identifiers in every school's copy: the outsider
        # prints school B's own copy of this ladder.
        assert as_user(person).get(url).status_code == 200, person
    assert as_user(cast.operator).get(url).status_code == 404  # no school: no ladders


def test_poster_of_a_ladder_the_school_does_not_use_is_404(cast, as_user, stub_pdf):
    own_framework(cast.school_a)
    ladder = ladder_of(cast.school_a, "CK1")
    url = f"/ladders/{ladder.identifier}/poster.pdf"
    assert as_user(cast.learner).get(url).status_code == 200
    assert as_user(cast.outsider).get(url).status_code == 404
    assert as_user(cast.b_learner_m.user).get(url).status_code == 404
    missing = "/ladders/00000000-0000-4000-8000-000000000000/poster.pdf"
    assert as_user(cast.learner).get(missing).status_code == 404


# --- planner insert ----------------------------------------------------------------------------


def test_planner_has_all_24_ladders_on_6_numbered_pages(cast, as_user):
    framework = ladder_of(cast.school_a, "EP1").version.framework
    response = as_user(cast.tutor).get(f"/frameworks/{framework.pk}/planner.pdf")
    reader, text = read_pdf(response)
    assert len(reader.pages) == 6  # one strand (4 ladders, 2 side by side) to a page
    for page in reader.pages:
        box = page.mediabox
        assert (float(box.width), float(box.height)) == pytest.approx(A4, abs=0.5)
    flat, bare = words(text), squashed(text)
    assert "Page 1 of 6" in flat and "Page 6 of 6" in flat
    assert "Ashdown School" in flat
    ladders = Ladder.objects.filter(version__framework=framework).prefetch_related("steps")
    assert len(ladders) == 24
    for ladder in ladders:
        assert f"{SITE}/ladders/{ladder.identifier}/" in bare, ladder.title
        for step in ladder.steps.all():
            assert squashed(step.statement) in bare, (ladder.title, step.level)
    assert PRESENTING_1 in flat


def test_planner_is_for_staff_of_the_school(cast, as_user, client, stub_pdf):
    framework = ladder_of(cast.school_a, "EP1").version.framework
    url = f"/frameworks/{framework.pk}/planner.pdf"
    assert client.get(url).status_code == 302
    assert as_user(cast.tutor).get(url).status_code == 200
    assert as_user(cast.manager).get(url).status_code == 200
    for person in (cast.learner, cast.peer, cast.parent):
        assert as_user(person).get(url).status_code == 403, person
    # School A's framework doesn't exist for the outsider, nor school B's for school A's manager.
    assert as_user(cast.outsider).get(url).status_code == 404
    b_framework = ladder_of(cast.school_b, "EP1").version.framework
    assert as_user(cast.manager).get(f"/frameworks/{b_framework.pk}/planner.pdf").status_code == 404
    assert as_user(cast.manager).get("/frameworks/999999/planner.pdf").status_code == 404


def test_planner_of_a_framework_the_school_owns_but_does_not_use(cast, as_user, stub_pdf):
    """Its managers may print it to try it out; teachers only see the frameworks in use."""
    version = own_framework(cast.school_a, use=False)
    url = f"/frameworks/{version.framework_id}/planner.pdf"
    assert as_user(cast.manager).get(url).status_code == 200
    assert as_user(cast.tutor).get(url).status_code == 404
    assert as_user(cast.outsider).get(url).status_code == 404


def test_planner_of_an_unpublished_framework_is_404(cast, as_user, stub_pdf):
    package = {"title": "Half written", "strands": [{"title": "S", "ladders": []}]}
    draft = framework_import(
        school=cast.school_a, package=package, by=None, publish=False, strict_steps=False
    )
    url = f"/frameworks/{draft.framework_id}/planner.pdf"
    assert as_user(cast.manager).get(url).status_code == 404


# --- record sheet ------------------------------------------------------------------------------


def test_record_sheet_shows_levels_next_steps_and_boxes(cast, as_user):
    school, me = cast.school_a, cast.learner_m
    presenting, leading = ladder_of(school, "EP1"), ladder_of(school, "TW2")
    baseline_set(school=school, learners=[me], ladders=[presenting], level=3, by=cast.manager)
    baseline_set(school=school, learners=[me], ladders=[leading], level=9, by=cast.manager)
    target_choose(learner=me, step=Step.objects.get(ladder=presenting, level=4))
    response = as_user(cast.learner).get(f"/learners/{me.pk}/record.pdf")
    reader, text = read_pdf(response)
    assert response["Cache-Control"] == "private, no-store"
    assert len(reader.pages) == 2  # 24 ladders with room to write
    flat, bare = words(text), squashed(text)
    assert "Amara Okoye" in flat and "Year 8" in flat and "Ashdown School" in flat
    assert "Page 1 of 2" in flat
    # Level 3 on presenting: the next step is step 4, the learner's current target.
    assert PRESENTING_4 in flat and "My target" in flat
    assert PRESENTING_1 not in flat
    # All nine steps of leading a team are done: no next step, no boxes.
    assert "ladder complete" in flat
    # Level 0 elsewhere: step 1 is next, in the main wording (Year 8 has no wording of its own).
    assert (
        "Ask your teacher a question about something you want to know more about in class" in flat
    )
    for ladder in Ladder.objects.filter(school=school, version__status=VersionStatus.PUBLISHED):
        assert f"{SITE}/ladders/{ladder.identifier}/" in bare, ladder.title
    # Name, year group and school only: not the tutor group, the tutor or the parents.
    assert "8A" not in flat and "Sam Okoye" not in flat and "Tutor" not in flat
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"


def test_record_sheet_uses_the_wording_for_the_learners_phase(cast, as_user, stub_pdf, monkeypatch):
    seen = {}
    real = printables.render_pdf

    def spy(request, template_name, context):
        seen.update(context)
        return real(request, template_name, context)

    monkeypatch.setattr(printables, "render_pdf", spy)
    little = make_learner(cast.school_a, "little", year=1)
    assert as_user(little.user).get(f"/learners/{little.pk}/record.pdf").status_code == 200
    rows = {row["ladder"].code: row for s in seen["strands"] for row in s["rows"]}
    step = Step.objects.get(ladder=rows["EP1"]["ladder"], level=1)
    assert step.early_years and rows["EP1"]["next_wording"] == step.early_years
    assert seen["year"] == "Year 1"


def test_record_sheet_for_the_learner_their_parents_and_staff_only(cast, as_user, client, stub_pdf):
    url = f"/learners/{cast.learner_m.pk}/record.pdf"
    assert client.get(url).status_code == 302
    for person in (cast.learner, cast.tutor, cast.manager, cast.parent):
        assert as_user(person).get(url).status_code == 200, person
    # Another learner, the outsider and the operator: the record doesn't exist for them.
    for person in (cast.peer, cast.outsider, cast.operator):
        assert as_user(person).get(url).status_code == 404, person
    # A parent gets their own child's sheet only.
    other = make_learner(cast.school_a, "other", group=cast.group_a)
    assert as_user(cast.parent).get(f"/learners/{other.pk}/record.pdf").status_code == 404
    assert (
        as_user(cast.parent).get(f"/learners/{cast.b_learner_m.pk}/record.pdf").status_code == 404
    )
    # A staff membership is not a learner's record.
    assert as_user(cast.manager).get(f"/learners/{cast.tutor_m.pk}/record.pdf").status_code == 404


def test_printing_someone_elses_record_is_audited(cast, as_user, stub_pdf):
    url = f"/learners/{cast.learner_m.pk}/record.pdf"
    as_user(cast.learner).get(url)
    assert not AuditEvent.objects.filter(action="learner.record_sheet").exists()
    as_user(cast.tutor).get(url)
    event = AuditEvent.objects.get(action="learner.record_sheet")
    assert (event.actor, event.subject, event.school) == (cast.tutor, cast.learner, cast.school_a)


# --- query counts ------------------------------------------------------------------------------


def test_poster_query_count(cast, as_user, stub_pdf, django_assert_num_queries):
    ladder = ladder_of(cast.school_a, "EP1")
    client = as_user(cast.parent)
    # The school's used versions; the ladder with strand and framework; its 9 steps.
    with django_assert_num_queries(BASE + 3):
        assert client.get(f"/ladders/{ladder.identifier}/poster.pdf").status_code == 200


def test_planner_query_count_does_not_grow_with_ladders(
    cast, as_user, stub_pdf, django_assert_num_queries
):
    framework = ladder_of(cast.school_a, "EP1").version.framework
    client = as_user(cast.tutor)
    url = f"/frameworks/{framework.pk}/planner.pdf"
    # The used versions (the framework is found among them); strands; ladders; steps.
    with django_assert_num_queries(BASE + 4):
        assert client.get(url).status_code == 200
    own_framework(cast.school_a)  # a second framework in use: more ladders, same queries
    with django_assert_num_queries(BASE + 4):
        assert client.get(url).status_code == 200


def test_record_sheet_query_count_does_not_grow_with_levels(
    cast, as_user, stub_pdf, django_assert_num_queries
):
    me = cast.learner_m
    url = f"/learners/{me.pk}/record.pdf"
    client = as_user(cast.tutor)
    # The learner (access); the audit row; then learner_board's 6: used versions, strands,
    # ladders, steps, levels, targets.
    with django_assert_num_queries(BASE + 8):
        assert client.get(url).status_code == 200
    ladders = list(Ladder.objects.filter(school=cast.school_a, version__status="published"))
    baseline_set(school=cast.school_a, learners=[me], ladders=ladders[:12], level=4, by=None)
    target_choose(learner=me, step=Step.objects.get(ladder=ladders[20], level=1))
    own_framework(cast.school_a)
    with django_assert_num_queries(BASE + 8):
        assert client.get(url).status_code == 200
    # The learner's own sheet is not audited: one query fewer.
    client = as_user(cast.learner)
    with django_assert_num_queries(BASE + 7):
        assert client.get(url).status_code == 200


# --- rendering never reaches the network ---------------------------------------------------------


def test_pdf_fetcher_only_serves_data_uris_and_static_files(settings):
    from pbyp.ladders.pdf_engine import LocalOnlyFetcher

    fetcher = LocalOnlyFetcher(SITE + "/")
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    favicon = fetcher.fetch(f"{SITE}{settings.STATIC_URL}favicon.svg")
    assert favicon.read().startswith(b"<svg") and favicon.content_type == "image/svg+xml"
    for url in (
        "https://tracker.example.com/pixel.png",
        f"{SITE}/admin/",
        f"{SITE}{settings.STATIC_URL}../settings.py",
        f"{SITE}{settings.STATIC_URL}no-such-file.png",
        "file:///etc/passwd",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_strand_colours_are_checked_before_they_reach_css():
    assert printables.palette("#0E7490").main == "#0e7490"
    assert printables.palette("#0e7490").ink == "#ffffff"  # white on a dark strand colour
    assert printables.palette("#fde047").ink == "#111827"  # dark text on a light one
    assert printables.palette("red;}body{x").main == printables.FALLBACK_COLOUR
    assert printables.palette("#0e7490").tint.startswith("#")


def test_without_the_pdf_library_printing_says_so_and_the_rest_works(cast, as_user, monkeypatch):
    """A server without Pango: WeasyPrint can't load. Pages work; printables answer 503 plainly."""
    import builtins

    real_import = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "pbyp.ladders.pdf_engine":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    monkeypatch.delitem(__import__("sys").modules, "pbyp.ladders.pdf_engine", raising=False)
    ladder = Ladder.objects.filter(school=cast.school_a).first()
    response = as_user(cast.learner).get(f"/ladders/{ladder.identifier}/poster.pdf")
    assert response.status_code == 503
    assert "Pango" in response.content.decode()
    assert as_user(cast.learner).get(f"/ladders/{ladder.identifier}/").status_code == 200
