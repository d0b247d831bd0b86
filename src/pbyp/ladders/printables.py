"""Printables (SPEC §3, piece 1): a ladder poster, a planner insert with every ladder of a
framework, and a learner's paper record sheet. Each is a Django template with print CSS, turned
into a PDF by WeasyPrint, and carries QR codes to the ladders' online pages.

The QR codes point at `{SITE_URL}/ladders/<identifier>/`. Once printed and pinned to a classroom
wall that address can never change, which is why it is spelled out here (and a test checks that it
still matches the `ladder` URL) and why it uses the ladder's identifier, the same in every version
and in every school's copy of a framework.

WeasyPrint never fetches anything from the network while rendering: templates inline what they
need (QR codes as data: URIs), and the URL fetcher below refuses every address that is not a
data: URI or one of our own static files.
"""

import re
from dataclasses import dataclass
from functools import wraps

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.text import slugify

from pbyp.core.audit import audit
from pbyp.ladders.access import access_framework, access_ladder
from pbyp.ladders.models import FrameworkVersion, Step, VersionStatus
from pbyp.ladders.selectors import learner_board, used_versions, version_tree
from pbyp.schools.access import access_learner, staff_required
from pbyp.schools.context import SchoolContext

# Poster sizes: the page, its margins, the height of the printable area and the root font size
# every length of the poster is set in (rem). A3 is A4 scaled by √2: the same layout, larger.
POSTER_SIZES = {
    "A4": {"size": "A4", "margin": "11mm 13mm", "height": "274mm", "root_pt": 12.0},
    "A3": {"size": "A3", "margin": "15.5mm 18.4mm", "height": "388mm", "root_pt": 16.97},
}
# Type is scaled to the wording: short statements are printed larger, long ones smaller.
MAX_POSTER_SCALE = 1.4
MIN_POSTER_SCALE = 0.5  # below half size, text on a wall poster is no longer worth reading

# Printed in the PDF's metadata; helps a screen reader and whoever finds the file later.
PDF_LANG = "en-GB"
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
FALLBACK_COLOUR = "#1d4ed8"


# --- addresses and QR codes -----------------------------------------------------------------


def ladder_url(identifier) -> str:
    """The ladder's online page, as printed (see the module docstring: never change it)."""
    return f"{settings.SITE_URL}/ladders/{identifier}/"


def qr_data_uri(url: str) -> str:
    """A QR code for `url` as a PNG data: URI, drawn with crisp pixels at any printed size.

    Error correction L keeps the code small (version 4, 33 modules, for our addresses) so each
    module prints large enough to scan from a poster across a classroom or from a stamp-sized code
    on a record sheet. PNG rather than SVG: WeasyPrint parses and draws an SVG path in Python,
    0.3-0.8 s for the planner's 24 codes; a 6-pixels-a-module PNG costs almost nothing and stays
    sharp (the templates also turn off image smoothing). zbarimg reads every code printed."""
    code = segno.make(url, error="l", micro=False, boost_error=False)
    return code.png_data_uri(scale=6, border=2)


# --- strand colours -------------------------------------------------------------------------


def _channels(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def linear(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@dataclass(frozen=True)
class Palette:
    """A strand's colour and what goes with it on paper."""

    main: str  # bands, rails and rungs
    tint: str  # a light wash of it, behind text
    ink: str  # text on `main`: white, or near-black on a light strand colour


def palette(colour: str) -> Palette:
    """A strand's colours for print. Colours come from managers and imported files, so anything
    but #rrggbb is replaced (it is written into style attributes)."""
    main = colour if HEX_COLOUR.match(colour or "") else FALLBACK_COLOUR
    rgb = _channels(main)
    tint = "#" + "".join(f"{round(c + (255 - c) * 0.88):02x}" for c in rgb)
    # WCAG contrast of white on `main`: (1.05) / (L + 0.05). Use white when it reaches 4.5.
    ink = "#ffffff" if 1.05 / (_luminance(rgb) + 0.05) >= 4.5 else "#111827"
    return Palette(main=main.lower(), tint=tint, ink=ink)


# --- fitting a poster on one page ------------------------------------------------------------


def poster_scale(title: str, description: str, statements: list[str]) -> float:
    """The largest scale of the poster's type (1 = as designed) at which its text fits on one page.

    The default ladders fit at 0.9-1; a school's own ladder with short statements gets larger type
    and one with long statements smaller type, rather than a second page. WeasyPrint cannot fit
    text to a box, so this estimates the height the text needs from its length, in rem of the A4
    layout (A3 is the same layout √2 larger). The numbers mirror poster.html; measured against
    real layouts of the 24 default ladders it is exact or 0.05 too small, and the view lays the
    poster out again a step smaller in the rare case it was too large."""

    def lines(text: str, size_rem: float, width_rem: float, char_em: float = 0.53) -> int:
        per_line = max(1, int(width_rem / (size_rem * char_em)))
        return max(1, -(-len(text) // per_line))  # ceiling division

    for step in range(round((MAX_POSTER_SCALE - MIN_POSTER_SCALE) / 0.05) + 1):
        scale = round(MAX_POSTER_SCALE - step * 0.05, 2)
        width = 184 * 72 / 25.4 / (12 * scale)  # printable width in rem: 184 mm at 12pt × scale
        height = 274 * 72 / 25.4 / (12 * scale)
        needed = 2.5 + 8.0 + 3.2  # strand band; QR block; ladder ends above and below the rungs
        needed += lines(title, 2.5, width, 0.66) * 2.75 + 0.95
        if description:
            needed += lines(description, 1.15, width) * 1.5 + 0.7
        for text in statements:
            needed += max(lines(text, 1.32, width - 7.0) * 1.61, 2.6) + 1.5
        if needed <= height:
            return scale
    return MIN_POSTER_SCALE


# --- rendering ------------------------------------------------------------------------------


class PrintingUnavailable(Exception):
    """This server can't make PDFs (WeasyPrint's system libraries are missing)."""


def printing(view):
    """Printable views answer 503 with a plain explanation when PDFs can't be made here."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PrintingUnavailable:
            return HttpResponse(
                "Printing isn't available on this server yet: its PDF library (WeasyPrint) needs "
                "the Pango system package. Ask whoever runs PbyP to install it.",
                status=503,
                content_type="text/plain; charset=utf-8",
            )

    return wrapper


PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}  # tagged, with title and language, for screen readers


def render_document(request, template_name: str, context: dict):
    """A template laid out by WeasyPrint: a Document whose pages can be counted before the PDF
    is written. Templates set their own page size and margins (@page), title and language."""
    try:  # imported here: WeasyPrint needs Pango, and the rest of PbyP runs without it
        from pbyp.ladders.pdf_engine import html_document
    except (ImportError, OSError) as error:
        raise PrintingUnavailable from error
    base_url = settings.SITE_URL + "/"
    html = render_to_string(template_name, {"lang": PDF_LANG, **context}, request=request)
    return html_document(html, base_url).render(**PDF_OPTIONS)


def render_pdf(request, template_name: str, context: dict) -> bytes:
    """A template rendered to PDF bytes (PDF/UA-1: tagged, so screen readers can follow it)."""
    return render_document(request, template_name, context).write_pdf(**PDF_OPTIONS)


def pdf_response(pdf: bytes, filename: str, *, personal: bool = False) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # Printables need a sign-in; a learner's record sheet is personal data and is never stored.
    patch_cache_control(response, private=True, **({"no_store": True} if personal else {}))
    return response


def _ladder_card(ladder, strand_palette: Palette) -> dict:
    """What every printable shows of a ladder whose steps are prefetched (no query)."""
    url = ladder_url(ladder.identifier)
    return {
        "ladder": ladder,
        "steps_top_down": sorted(ladder.steps.all(), key=lambda s: -s.level),
        "url": url,
        "url_site": url.removesuffix(f"{ladder.identifier}/"),
        "qr": qr_data_uri(url),
        "colours": strand_palette,
    }


# --- access ---------------------------------------------------------------------------------


def access_framework_version_for_print(ctx: SchoolContext, framework_id) -> FrameworkVersion:
    """The published version of a framework the school uses (any of its staff) or owns (its
    managers). 404 for everything else, including frameworks of other schools."""
    if ctx.school is None or not ctx.is_staff:
        raise Http404
    try:
        framework_id = int(framework_id)
    except (TypeError, ValueError):
        raise Http404 from None
    version = next((v for v in used_versions(ctx.school) if v.framework_id == framework_id), None)
    if version is None and ctx.is_manager:
        # A framework the school owns but has not switched on (yet): its managers may print it.
        framework = access_framework(ctx, framework_id)
        version = (
            framework.versions.filter(status=VersionStatus.PUBLISHED)
            .select_related("framework")
            .first()
        )
    if version is None:
        raise Http404
    return version


# --- views ----------------------------------------------------------------------------------


@login_required
@printing
def ladder_poster(request, identifier):
    """One ladder as a wall poster, A4 or A3, on exactly one page. Anyone signed in at a school
    that uses the ladder may print it (3 queries: used versions, the ladder, its steps)."""
    size = request.GET.get("size", "A4").upper()
    if size not in POSTER_SIZES:
        return HttpResponseBadRequest(
            "Posters come in A4 or A3. Add ?size=A4 or ?size=A3 to the address.",
            content_type="text/plain; charset=utf-8",
        )
    ladder = access_ladder(request.ctx, identifier)
    steps = list(Step.objects.filter(ladder=ladder).order_by("-level"))
    page = POSTER_SIZES[size]
    url = ladder_url(ladder.identifier)
    context = {
        "page": page,
        "ladder": ladder,
        "strand": ladder.strand,
        "framework_title": ladder.version.title,
        "steps_top_down": steps,
        "colours": palette(ladder.strand.colour),
        "url": url,
        "qr": qr_data_uri(url),
    }
    # Start from the estimated type size; should the text still run onto a second page, shrink
    # it a step and lay it out again (rare: only very long wording of a school's own ladder).
    scale = poster_scale(ladder.title, ladder.description, [s.statement for s in steps])
    while True:
        context["root_size"] = f"{page['root_pt'] * scale:.2f}pt"
        document = render_document(request, "ladders/print/poster.html", context)
        if len(document.pages) == 1 or scale <= MIN_POSTER_SCALE:
            break
        scale = round(scale - 0.05, 2)
    pdf = document.write_pdf(**PDF_OPTIONS)
    name = slugify(ladder.title) or "ladder"
    return pdf_response(pdf, f"poster-{name}-{size.lower()}.pdf")


@staff_required
@printing
def framework_planner(request, framework_id):
    """Every ladder of a framework for a teacher's planner: one strand to a page for the default
    framework (6 A4 pages), two ladders side by side (4 queries: the version, then its strands,
    ladders and steps)."""
    version = access_framework_version_for_print(request.ctx, framework_id)
    strands = [
        {
            "strand": strand,
            "colours": (colours := palette(strand.colour)),
            "cards": [_ladder_card(ladder, colours) for ladder in strand.ladders.all()],
        }
        for strand in version_tree(version)
    ]
    for section in strands:
        cards = section["cards"]
        section["rows"] = [cards[i : i + 2] for i in range(0, len(cards), 2)]
    context = {
        "version": version,
        "school": request.ctx.school,
        "strands": strands,
        "ladder_count": sum(len(s["cards"]) for s in strands),
    }
    pdf = render_pdf(request, "ladders/print/planner.html", context)
    name = slugify(version.framework.slug or version.title) or "framework"
    return pdf_response(pdf, f"planner-{name}.pdf")


@login_required
@printing
def learner_record(request, membership_id):
    """A learner's paper record sheet: each ladder, their level, their next step with boxes for the
    date, the evidence and an assessor's signature. Staff, the learner and their parents only;
    viewing by anyone but the learner is audited like the learner page (queries: the learner,
    the audit row, then `learner_board`'s 6)."""
    learner = access_learner(request.ctx, membership_id)
    learner.school = request.ctx.school  # the school access_learner scoped by: saves a query
    if request.user != learner.user:
        audit(
            school=request.ctx.school,
            actor=request.user,
            action="learner.record_sheet",
            subject=learner.user,
        )
    phase = learner.phase
    strands = []
    for strand_view in learner_board(learner):
        colours = palette(strand_view.strand.colour)
        rows = []
        for view in strand_view.ladders:
            card = _ladder_card(view.ladder, colours)
            card.update(
                level=view.level,
                next_step=view.next_step,
                next_wording=view.next_step.wording_for(phase) if view.next_step else "",
                is_target=view.target is not None,
            )
            rows.append(card)
        strands.append({"strand": strand_view.strand, "colours": colours, "rows": rows})
    user = learner.user
    context = {
        "learner_name": user.get_full_name() or user.username,
        "year": learner.year_name if learner.year is not None else "",
        "school": request.ctx.school,
        "strands": strands,
        "printed": timezone.localdate(),
    }
    pdf = render_pdf(request, "ladders/print/record.html", context)
    name = slugify(context["learner_name"]) or "learner"
    return pdf_response(pdf, f"record-{name}.pdf", personal=True)
