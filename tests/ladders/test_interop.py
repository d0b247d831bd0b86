"""Frameworks in and out as 1EdTech CASE JSON and CSV: exports valid against the official CASE 1.1
schema, real OpenSALT packages imported leniently with a report, our own files round-tripping
unchanged, bad files refused whole (nothing half-imported), and the manager pages and commands.

The third-party files are read in place from ../shared/fixtures (never copied here); the tests that
need them skip, saying why, when that folder is absent (a fresh clone)."""

import copy
import csv
import io
import json
import re
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from pbyp.core.forms import FIELD
from pbyp.ladders.case import MAX_BYTES, export_case, import_case_file, parse_case
from pbyp.ladders.csvio import HEADER, export_csv, import_csv_file, parse_csv
from pbyp.ladders.models import Framework, FrameworkVersion, SchoolFramework, VersionStatus
from pbyp.ladders.services import draft_for_editing, step_update, version_publish
from pbyp.schools.models import School

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
CASE_DIR = FIXTURES / "case"
SCHEMA = CASE_DIR / "case_v1p1_cfpackage-jsonschema1.json"
needs_fixtures = pytest.mark.skipif(
    not CASE_DIR.is_dir(),
    reason=f"{FIXTURES} is absent (a fresh clone): the CASE schema and OpenSALT files live there",
)
DEFAULT_SLUG = "pbyp-life-skills"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def case_errors(package: dict) -> list[str]:
    """Every error of a package against the official CASE 1.1 schema (JSON Schema 2019-09), with
    format checking. jsonschema checks "date-time" only when rfc3339-validator is installed, so an
    RFC 3339 check (a time zone is required) is registered here."""
    jsonschema = pytest.importorskip("jsonschema")
    checker = jsonschema.FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value) -> bool:
        if not isinstance(value, str):
            return True
        if not RFC3339.match(value):
            return False
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft201909Validator(schema, format_checker=checker)
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(package)]


def default_framework(school) -> Framework:
    return Framework.objects.get(school=school, slug=DEFAULT_SLUG)


def published(school) -> FrameworkVersion:
    return FrameworkVersion.objects.select_related("framework").get(
        framework=default_framework(school), status=VersionStatus.PUBLISHED
    )


def new_school(slug="castle") -> School:
    return School.objects.create(name=f"{slug.title()} School", slug=slug)


def shape(package: dict) -> dict:
    """What a CASE round trip must keep: identifiers, statements, wordings, codes, types and the
    tree (parent, child, sequence). Dates and the version number belong to the new copy."""
    document = package["CFDocument"]
    return {
        "document": (document["identifier"], document["title"], document["description"]),
        "items": {
            item["identifier"]: (
                item["CFItemType"],
                item["fullStatement"],
                item.get("humanCodingScheme"),
                item.get("notes"),
                item["extensions"],
            )
            for item in package["CFItems"]
        },
        "tree": {
            (
                a["identifier"],
                a["originNodeURI"]["identifier"],
                a["destinationNodeURI"]["identifier"],
                a["sequenceNumber"],
            )
            for a in package["CFAssociations"]
        },
    }


def with_wordings(school, by) -> FrameworkVersion:
    """A new published version of the default framework whose first step has all three phase
    wordings (and a statement with a comma, quotes and a leading dash)."""
    framework = default_framework(school)
    draft = draft_for_editing(framework=framework, by=by)
    step = draft.ladders.order_by("strand__position", "position").first().steps.get(level=1)
    step_update(
        step=step,
        by=by,
        statement='- Say "hello", then tell your class one thing you like',
        early_years="Say hello to your class",
        primary="Say hello and tell your class one thing you like",
        secondary="Introduce yourself to a new group, with one thing you enjoy",
    )
    return version_publish(version=draft, by=by)


# --- CASE export ----------------------------------------------------------------------------------


@needs_fixtures
def test_the_schema_check_can_fail():
    """Positive and negative controls: the clean OpenSALT file passes, the one with naive dates and
    CASE 1.0 fields does not. So 0 errors below means something."""
    clean = json.loads((CASE_DIR / "opensalt_smartlevel_cfpackage.json").read_text())
    dirty = json.loads((CASE_DIR / "opensalt_what-standards-could-be_cfpackage.json").read_text())
    assert case_errors(clean) == []
    errors = case_errors(dirty)
    assert any("is not a 'date-time'" in e for e in errors)
    assert any("CFDocumentURI" in e for e in errors)


@needs_fixtures
def test_export_validates_against_the_official_case_schema(cast):
    package = export_case(published(cast.school_a))
    assert case_errors(package) == []
    document = package["CFDocument"]
    assert document["identifier"] == str(default_framework(cast.school_a).identifier)
    assert document["creator"] == "PbyP"
    assert document["adoptionStatus"] == "Adopted"
    assert document["language"] == "en-GB"
    assert document["uri"].endswith(f"/case/CFDocuments/{document['identifier']}")
    assert RFC3339.match(document["lastChangeDateTime"])
    kinds = [item["CFItemType"] for item in package["CFItems"]]
    assert (kinds.count("Strand"), kinds.count("Ladder"), kinds.count("Step")) == (6, 24, 216)
    assert len(package["CFAssociations"]) == 246
    assert {a["associationType"] for a in package["CFAssociations"]} == {"isChildOf"}
    types = {t["identifier"] for t in package["CFDefinitions"]["CFItemTypes"]}
    assert {item["CFItemTypeURI"]["identifier"] for item in package["CFItems"]} == types
    steps = [item for item in package["CFItems"] if item["CFItemType"] == "Step"]
    assert all(re.fullmatch(r"[A-Z]{2}\d\.[1-9]", s["humanCodingScheme"]) for s in steps)
    # Strands hang from the document, ladders from strands, steps from ladders, in order.
    by_id = {item["identifier"]: item for item in package["CFItems"]}
    for a in package["CFAssociations"]:
        child = by_id[a["originNodeURI"]["identifier"]]
        parent = by_id.get(a["destinationNodeURI"]["identifier"])
        expected = {"Strand": None, "Ladder": "Strand", "Step": "Ladder"}[child["CFItemType"]]
        assert (parent["CFItemType"] if parent else None) == expected
        if child["CFItemType"] == "Step":
            assert a["sequenceNumber"] == child["extensions"]["pbyp"]["level"]


def test_export_is_the_same_every_time_and_in_every_school(cast):
    """Identifiers (association ones too) are stable: the default framework exports the same tree
    in every school, and the same file twice."""
    first = export_case(published(cast.school_a))
    assert export_case(published(cast.school_a)) == first
    assert shape(export_case(published(cast.school_b))) == shape(first)


@needs_fixtures
def test_draft_export_carries_phase_wordings_and_validates(cast):
    draft = draft_for_editing(framework=default_framework(cast.school_a), by=cast.manager)
    step = draft.ladders.first().steps.get(level=2)
    step_update(step=step, by=cast.manager, statement="Tell a friend", primary="Tell a partner")
    package = export_case(draft)
    assert case_errors(package) == []
    assert package["CFDocument"]["adoptionStatus"] == "Draft"
    item = next(i for i in package["CFItems"] if i["identifier"] == str(step.identifier))
    assert item["fullStatement"] == "Tell a friend"
    assert item["notes"] == "Primary: Tell a partner"
    assert item["extensions"]["pbyp"]["primary"] == "Tell a partner"


# --- CASE round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["another school", "after deleting"])
def test_case_round_trip_keeps_identifiers_wordings_and_tree(cast, where):
    version = with_wordings(cast.school_a, cast.manager)
    before = export_case(version)
    if where == "another school":
        school = new_school()
    else:
        school = cast.school_a
        default_framework(school).delete()
    imported, report = import_case_file(
        school=school, data=json.dumps(before), by=cast.manager, publish=True
    )
    assert report == []
    assert imported.status == VersionStatus.PUBLISHED
    assert SchoolFramework.objects.filter(school=school, framework=imported.framework).exists()
    assert imported.framework.slug == DEFAULT_SLUG
    after = export_case(imported)
    assert shape(after) == shape(before)
    step = next(i for i in after["CFItems"] if i["fullStatement"].startswith("- Say"))
    assert step["extensions"]["pbyp"]["secondary"].startswith("Introduce yourself")


def test_case_round_trip_of_strand_colours_and_icons(cast):
    version = published(cast.school_a)
    imported, _ = import_case_file(
        school=new_school(), data=json.dumps(export_case(version)), by=None, publish=False
    )
    assert imported.status == VersionStatus.DRAFT
    old = [(s.identifier, s.colour, s.icon, s.description) for s in version.strands.all()]
    new = [(s.identifier, s.colour, s.icon, s.description) for s in imported.strands.all()]
    assert new == old


def test_phase_wordings_are_read_from_notes_when_a_tool_dropped_extensions(cast):
    version = with_wordings(cast.school_a, cast.manager)
    package = export_case(version)
    for item in package["CFItems"]:
        item.pop("extensions")
    parsed, _ = parse_case(json.dumps(package))
    step = parsed["strands"][0]["ladders"][0]["steps"][0]
    assert step["early_years"] == "Say hello to your class"
    assert step["secondary"] == "Introduce yourself to a new group, with one thing you enjoy"


# --- CASE import of other tools' files ------------------------------------------------------------

NEED_9 = "a ladder needs exactly 9 before the framework can be published."
OPENSALT = [
    (
        "opensalt_smartlevel_cfpackage.json",
        "d0000000-0000-0000-0000-000000000000",
        [("SmartLevel Test", [("Item 1", 10), ("Item 2", 2)])],
        [
            "Put 2 ladders that sat straight under the document into a strand named "
            "“SmartLevel Test”.",
            f"Ladder “Item 1” has 10 steps: {NEED_9}",
            f"Ladder “Item 2” has 2 steps: {NEED_9}",
        ],
    ),
    (
        "opensalt_act-holistic-math_cfpackage.json",
        "a33fc64e-5c40-11e7-82c4-3d54268aa9ee",
        [("Geometry and Measurement", [("Level 1", 24)])],
        [
            "Ignored fields that aren't part of CASE 1.1: CFDocumentURI, CFPackageURI.",
            "Flattened 2 grouping levels: “H.A.MATH.GM.PF”, “H.A.MATH.GM.PF.2DFP” (the ladders "
            "inside now sit straight in their strand).",
            "Shortened 1 code to fit 20 characters, e.g. “H.A.MATH.GM.PF.2DFP.L1” → "
            "“A.MATH.GM.PF.2DFP.L1”.",
            f"Ladder “Level 1” has 24 steps: {NEED_9}",
        ],
    ),
    (
        "opensalt_what-standards-could-be_cfpackage.json",
        "20c5134f-423d-4097-a971-3dd5152bf507",
        [
            (
                "Understand ratio concepts and use ratio reasoning to solve problems.",
                [
                    ("Understand ratio concepts and use ratio reasoning to solve problems.", 2),
                    ("Use ratio and rate reasoning to solve real-world and mathematical", 4),
                ],
            ),
            (
                "Analyze proportional relationships and use them to solve real-world and",
                [
                    ("Analyze proportional relationships and use them to solve real-world", 2),
                    ("Recognize and represent proportional relationships between quantit", 4),
                ],
            ),
        ],
        [
            "Ignored fields that aren't part of CASE 1.1: CFDocumentURI, CFItemAssociationURI, "
            "CFPackageURI, educationalLevel.",
            "Ignored 16 “exactMatchOf” associations: PbyP keeps only the isChildOf tree.",
            "Ignored 3 “precedes” associations: PbyP keeps only the isChildOf tree.",
            "Ignored 2 “exemplar” associations: PbyP keeps only the isChildOf tree.",
            "Ignored 2 “isRelatedTo” associations: PbyP keeps only the isChildOf tree.",
            "“CCSS.Math.Content.6.RP.A”, “CCSS.Math.Content.7.RP.A” had both steps and groups "
            "under them: the steps became a ladder of the same name in that strand.",
            "Shortened 4 codes to fit 20 characters, e.g. “CCSS.Math.Content.6.RP.A” → "
            "“Math.Content.6.RP.A”.",
            "Ladder “Understand ratio concepts and use ratio reasoning to solve…” has 2 steps: "
            + NEED_9,
        ],
    ),
]


@needs_fixtures
@pytest.mark.parametrize(
    ("name", "identifier", "tree", "lines"), OPENSALT, ids=[o[0].split("_")[1] for o in OPENSALT]
)
def test_opensalt_packages_import_as_drafts_with_a_report(cast, name, identifier, tree, lines):
    data = (CASE_DIR / name).read_bytes()
    version, report = import_case_file(
        school=cast.school_a, data=data, by=cast.manager, publish=True
    )
    for line in lines:
        assert line in report
    assert report[-1].startswith("Not published yet: a framework from another tool")
    assert version.status == VersionStatus.DRAFT
    assert str(version.framework.identifier) == identifier
    strands = [
        (s.title, [(lad.title, lad.steps.count()) for lad in s.ladders.order_by("position")])
        for s in version.strands.order_by("position")
    ]
    # (The expected titles are the start of each title.)
    assert len(strands) == len(tree)
    for (title, ladders), (want, want_ladders) in zip(strands, tree, strict=True):
        assert title.startswith(want)
        assert [n for _, n in ladders] == [n for _, n in want_ladders]
        assert all(t.startswith(w) for (t, _), (w, _) in zip(ladders, want_ladders, strict=True))
    # Every item identifier used is kept; levels run 1..n in the file's order.
    items = {i["identifier"] for i in json.loads(data)["CFItems"]}
    steps = [s for lad in version.ladders.all() for s in lad.steps.order_by("level")]
    assert {str(s.identifier) for s in steps} <= items
    assert not SchoolFramework.objects.filter(framework=version.framework).exists()
    # The draft can't be published until every ladder has 9 steps.
    with pytest.raises(ValidationError, match="needs exactly 9"):
        version_publish(version=version, by=cast.manager)
    # What we imported exports as valid CASE 1.1.
    assert case_errors(export_case(version)) == []


@needs_fixtures
def test_opensalt_children_follow_sequence_then_natural_code_order(cast):
    data = (CASE_DIR / "opensalt_act-holistic-math_cfpackage.json").read_bytes()
    package, _ = parse_case(data)
    steps = package["strands"][0]["ladders"][0]["steps"]
    items = {i["identifier"]: i for i in json.loads(data)["CFItems"]}
    codes = [items[str(s["identifier"])]["humanCodingScheme"] for s in steps]
    assert codes == [f"H.A.MATH.GM.PF.2DFP.L1.{n}" for n in range(1, 25)]
    assert [s["level"] for s in steps] == list(range(1, 25))


def _foreign(items, links, **document) -> str:
    """A small CASE package from "another tool": items (id, statement) and isChildOf links
    (child, parent, sequence)."""
    doc = {"identifier": str(uuid.uuid4()), "title": "Other tool", **document}
    return json.dumps(
        {
            "CFDocument": doc,
            "CFItems": [{"identifier": i, "fullStatement": s} for i, s in items],
            "CFAssociations": [
                {
                    "associationType": "isChildOf",
                    "originNodeURI": {"identifier": child},
                    "destinationNodeURI": {"identifier": doc["identifier"] if p == "doc" else p},
                    "sequenceNumber": n,
                }
                for child, p, n in links
            ],
        }
    )


def test_foreign_links_to_unknown_items_and_lonely_items_are_reported_not_refused():
    ids = [str(uuid.uuid4()) for _ in range(5)]
    data = _foreign(
        [
            (ids[0], "Ladder"),
            (ids[1], "Step B"),
            (ids[2], "Step A"),
            (ids[3], "Lost"),
            (ids[4], "Alone"),
        ],
        [
            (ids[0], "doc", 1),
            (ids[1], ids[0], 2),
            (ids[2], ids[0], 1),
            (ids[3], str(uuid.uuid4()), 1),
            (ids[4], "doc", 2),
        ],
    )
    package, report = parse_case(data)
    assert "Ignored 1 isChildOf link to or from items that aren't in the file." in report
    assert "Left out 1 item not linked to the document by isChildOf: “Lost”." in report
    assert "Left out 1 item straight under the document with nothing under it: “Alone”." in report
    steps = package["strands"][0]["ladders"][0]["steps"]
    assert [(s["statement"], s["level"]) for s in steps] == [("Step A", 1), ("Step B", 2)]


# --- CASE import refusals -------------------------------------------------------------------------


def _own(cast) -> dict:
    return export_case(published(cast.school_a))


def _drop_step(package: dict) -> dict:
    step = next(i for i in package["CFItems"] if i["CFItemType"] == "Step")
    package["CFItems"].remove(step)
    package["CFAssociations"] = [
        a
        for a in package["CFAssociations"]
        if a["originNodeURI"]["identifier"] != step["identifier"]
    ]
    return package


def _add_step(package: dict) -> dict:
    ladder = next(i for i in package["CFItems"] if i["CFItemType"] == "Ladder")
    step = copy.deepcopy(next(i for i in package["CFItems"] if i["CFItemType"] == "Step"))
    step["identifier"] = str(uuid.uuid4())
    package["CFItems"].append(step)
    link = {"title": "x", "identifier": step["identifier"], "uri": "x"}
    parent = {"title": "x", "identifier": ladder["identifier"], "uri": "x"}
    package["CFAssociations"].append(
        {
            "associationType": "isChildOf",
            "originNodeURI": link,
            "destinationNodeURI": parent,
            "sequenceNumber": 10,
        }
    )
    return package


def _step_under_strand(package: dict) -> dict:
    strand = next(i for i in package["CFItems"] if i["CFItemType"] == "Strand")
    step_id = next(i for i in package["CFItems"] if i["CFItemType"] == "Step")["identifier"]
    for a in package["CFAssociations"]:
        if a["originNodeURI"]["identifier"] == step_id:
            a["destinationNodeURI"]["identifier"] = strand["identifier"]
    return package


A, B, C = (str(uuid.uuid4()) for _ in range(3))
BAD_CASE = [
    ("not json", lambda c: b"framework,strand\n1,2", "The file isn't valid JSON (line 1"),
    ("not utf-8", lambda c: '{"CFDocument": {"title": "Café"}}'.encode("latin-1"), "isn't UTF-8"),
    ("no CFDocument", lambda c: b'{"CFItems": []}', "The file has no CFDocument"),
    ("a list", lambda c: b"[1, 2]", "The file has no CFDocument"),
    (
        "document without identifier",
        lambda c: json.dumps({"CFDocument": {"title": "T"}}),
        "The CFDocument has no identifier.",
    ),
    (
        "document without title",
        lambda c: json.dumps({"CFDocument": {"identifier": A}}),
        "The CFDocument has no title.",
    ),
    (
        "item without identifier",
        lambda c: json.dumps(
            {"CFDocument": {"identifier": A, "title": "T"}, "CFItems": [{"fullStatement": "S"}]}
        ),
        "Item 1 in CFItems has no identifier.",
    ),
    (
        "item without fullStatement",
        lambda c: json.dumps(
            {"CFDocument": {"identifier": A, "title": "T"}, "CFItems": [{"identifier": B}]}
        ),
        f"Item 1 in CFItems (identifier {B}) has no fullStatement.",
    ),
    (
        "isChildOf cycle",
        lambda c: _foreign(
            [(A, "Alpha"), (B, "Beta"), (C, "Gamma")], [(A, B, 1), (B, A, 1), (C, "doc", 1)]
        ),
        "The isChildOf links go round in a circle: “Alpha” → “Beta” → “Alpha”",
    ),
    (
        "no ladders",
        lambda c: _foreign([(A, "Alone")], [(A, "doc", 1)]),
        "We found no ladders in this file",
    ),
    (
        "PbyP ladder with 8 steps",
        lambda c: json.dumps(_drop_step(_own(c))),
        "has 8 steps: a ladder needs exactly 9, levels 1 to 9.",
    ),
    (
        "PbyP ladder with 10 steps",
        lambda c: json.dumps(_add_step(_own(c))),
        "has 10 steps: a ladder needs exactly 9, levels 1 to 9.",
    ),
    (
        "PbyP step under a strand",
        lambda c: json.dumps(_step_under_strand(_own(c))),
        "should sit under a ladder, not under",
    ),
    (
        "bigger than 5 MB",
        lambda c: b" " * (MAX_BYTES + 1),
        "the largest file we can import is 5 MB",
    ),
]


@pytest.mark.parametrize(("name", "build", "message"), BAD_CASE, ids=[b[0] for b in BAD_CASE])
def test_bad_case_files_are_refused_whole(cast, name, build, message):
    school = new_school()
    data = build(cast)
    frameworks, versions = Framework.objects.count(), FrameworkVersion.objects.count()
    with pytest.raises(ValidationError) as caught:
        import_case_file(school=school, data=data, by=cast.manager, publish=True)
    assert any(message in m for m in caught.value.messages), caught.value.messages
    assert Framework.objects.count() == frameworks
    assert FrameworkVersion.objects.count() == versions


def test_a_framework_the_school_already_has_is_refused(cast):
    before = Framework.objects.count()
    with pytest.raises(ValidationError, match="Your school already has this framework"):
        import_case_file(
            school=cast.school_a, data=json.dumps(_own(cast)), by=cast.manager, publish=True
        )
    assert Framework.objects.count() == before


# --- CSV ------------------------------------------------------------------------------------------


def _csv_rows() -> list[list[str]]:
    """A small framework as CSV rows: one strand, two ladders of 9 steps, no identifiers."""
    rows = [["framework", "strand", "strand_colour", "ladder", "level", "statement", "primary"]]
    for ladder in ("Listening", "Speaking"):
        for level in range(1, 10):
            rows.append(
                ["Talk skills", "Talking", "#0f766e", ladder, str(level), f"{ladder} {level}", ""]
            )
    return rows


def _csv(rows, newline="\r\n") -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows(rows)
    return out.getvalue()


def test_csv_export_has_one_row_per_step(cast):
    text = export_csv(published(cast.school_a))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == HEADER
    assert len(rows) == 1 + 216
    first = dict(zip(HEADER, rows[1], strict=True))
    assert first["framework"] == "PbyP life skills"
    assert first["level"] == "1"
    assert uuid.UUID(first["step_identifier"])


@pytest.mark.parametrize("where", ["another school", "after deleting"])
def test_csv_round_trip(cast, where):
    version = with_wordings(cast.school_a, cast.manager)
    before = export_csv(version)
    assert "'- Say" in before  # a leading "-" is kept from spreadsheets' formula engines
    if where == "another school":
        school = new_school()
    else:
        school = cast.school_a
        default_framework(school).delete()
    imported, report = import_csv_file(school=school, data=before.encode(), by=None, publish=True)
    assert report == []
    assert imported.status == VersionStatus.PUBLISHED
    assert export_csv(imported) == before
    step = imported.ladders.order_by("strand__position", "position").first().steps.get(level=1)
    assert step.statement.startswith('- Say "hello", then')
    assert step.primary == "Say hello and tell your class one thing you like"


def test_csv_import_copes_with_excel_quirks(cast):
    rows = _csv_rows()
    rows[0] = [" Framework", "STRAND", "Strand Colour", "ladder ", "Level", "Statement", "primary"]
    rows[3][5] = 'Listen, then say "why"\nin two lines'
    rows[4][5] = "=SUM(1,2)"
    text = _csv(rows) + ",,,,,,\r\n\r\n,,,\r\n"  # trailing empty rows
    data = b"\xef\xbb\xbf" + text.encode("utf-8")
    version, report = import_csv_file(school=new_school(), data=data, by=None, publish=False)
    assert version.status == VersionStatus.DRAFT
    assert report == ["Made new identifiers for 2 ladders and 18 steps that had none."]
    ladder = version.ladders.get(title="Listening")
    assert ladder.steps.get(level=3).statement == 'Listen, then say "why"\nin two lines'
    assert ladder.steps.get(level=4).statement == "=SUM(1,2)"
    assert ladder.strand.colour == "#0f766e"
    assert version.ladders.count() == 2


def _drop(rows, n):
    return [r for i, r in enumerate(rows) if i != n]


def _set(rows, n, column, value):
    rows = copy.deepcopy(rows)
    rows[n][rows[0].index(column)] = value
    return rows


BAD_CSV = [
    (
        "a ladder with 8 steps",
        lambda r: _drop(r, 5),
        "Ladder “Listening” (rows 2–9) has 8 steps, level 5 missing: a ladder needs exactly 9",
    ),
    (
        "missing columns",
        lambda r: [[c for i, c in enumerate(row) if i not in (4, 5)] for row in r],
        "The file is missing these columns: level, statement.",
    ),
    (
        "an empty statement",
        lambda r: _set(r, 2, "statement", " "),
        "Row 3: the statement is empty.",
    ),
    (
        "a level that isn't 1-9",
        lambda r: _set(r, 3, "level", "10"),
        "Row 4: the level “10” isn't a whole number from 1 to 9.",
    ),
    (
        "a duplicate level",
        lambda r: _set(r, 5, "level", "4"),
        "Row 6: ladder “Listening” already has a step at level 4 (row 5).",
    ),
    (
        "two frameworks",
        lambda r: _set(r, 12, "framework", "Other skills"),
        "Row 13: the framework is “Other skills” here but “Talk skills” on row 2. A file holds "
        "one framework",
    ),
    ("a bad colour", lambda r: _set(r, 2, "strand_colour", "teal"), "Row 3: the strand_colour"),
    ("only a header", lambda r: r[:1], "The file has a header row but no steps."),
]


@pytest.mark.parametrize(("name", "change", "message"), BAD_CSV, ids=[b[0] for b in BAD_CSV])
def test_bad_csv_files_are_refused_whole(name, change, message, db):
    school = new_school()
    with pytest.raises(ValidationError) as caught:
        import_csv_file(school=school, data=_csv(change(_csv_rows())), by=None, publish=False)
    assert any(message in m for m in caught.value.messages), caught.value.messages
    assert not Framework.objects.exists()


def test_csv_strand_codes_must_name_one_strand(db):
    rows = [row[:2] + ["T"] + row[2:] for row in _csv_rows()]
    rows[0][2] = "strand_code"
    for row in rows[10:]:
        row[1] = "Speaking out"
    with pytest.raises(ValidationError) as caught:
        parse_csv(_csv(rows))
    assert caught.value.messages == [
        "Row 11: the strand_code “T” is already used by strand “Talking” (row 2)."
    ]


def test_foreign_titles_longer_than_200_characters_are_shortened(db):
    ids = [str(uuid.uuid4()) for _ in range(3)]
    long = "Work out " + "and explain " * 30
    package, report = parse_case(
        _foreign(
            [(ids[0], long), (ids[1], "A"), (ids[2], "B")],
            [(ids[0], "doc", 1)] + [(ids[1], ids[0], 1), (ids[2], ids[0], 2)],
        )
    )
    ladder = package["strands"][0]["ladders"][0]
    assert len(ladder["title"]) == 200 and ladder["title"].endswith("…")
    assert ladder["description"] == long.strip()
    assert (
        "Shortened 1 title to 200 characters (strands and ladders keep the full text in their "
        "description)." in report
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("café".encode("latin-1"), "isn't UTF-8"),
        (b"", "The file is empty"),
        (b"x" * (MAX_BYTES + 1), "the largest file we can import is 5 MB"),
    ],
    ids=["not utf-8", "empty", "too big"],
)
def test_unreadable_csv_files_are_refused(data, message):
    with pytest.raises(ValidationError, match=message):
        parse_csv(data)


# --- manager pages --------------------------------------------------------------------------------


def _urls(framework_id):
    return {
        "case": f"/frameworks/{framework_id}/export/case.json",
        "csv": f"/frameworks/{framework_id}/export/steps.csv",
    }


@needs_fixtures
def test_manager_downloads_case_and_csv(cast, as_user):
    framework = default_framework(cast.school_a)
    client = as_user(cast.manager)
    response = client.get(_urls(framework.pk)["case"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="pbyp-life-skills-v1.case.json"'
    assert case_errors(json.loads(response.content)) == []
    response = client.get(_urls(framework.pk)["csv"])
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="pbyp-life-skills-v1.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff" + ",".join(HEADER) + "\r\n")
    parse_csv(response.content)  # the download imports as it is


def test_downloads_of_the_draft(cast, as_user):
    framework = default_framework(cast.school_a)
    client = as_user(cast.manager)
    assert client.get(_urls(framework.pk)["case"] + "?version=draft").status_code == 404
    draft = draft_for_editing(framework=framework, by=cast.manager)
    response = client.get(_urls(framework.pk)["csv"] + "?version=draft")
    assert response.status_code == 200
    assert 'filename="pbyp-life-skills-v2-draft.csv"' in response["Content-Disposition"]
    response = client.get(_urls(framework.pk)["case"] + "?version=draft")
    assert json.loads(response.content)["CFDocument"]["version"] == str(draft.number)
    # Without ?version=draft it is still the published version.
    response = client.get(_urls(framework.pk)["case"])
    assert json.loads(response.content)["CFDocument"]["version"] == "1"


@pytest.mark.parametrize("kind", ["case", "csv"])
def test_export_query_count_is_fixed(cast, as_user, django_assert_num_queries, kind):
    # 3 for every page (session, user, memberships) + the framework (access_framework) + its
    # published/draft versions + strands, ladders and steps (one prefetch each) = 8, however big.
    client = as_user(cast.manager)
    url = _urls(default_framework(cast.school_a).pk)[kind]
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
    draft_for_editing(framework=default_framework(cast.school_a), by=cast.manager)
    with django_assert_num_queries(8):
        assert client.get(url + "?version=draft").status_code == 200


@pytest.mark.parametrize("kind", ["case", "csv"])
def test_export_access(cast, as_user, client, kind):
    url = _urls(default_framework(cast.school_a).pk)[kind]
    assert client.get(url).status_code == 302  # anonymous: sent to sign in
    for role in ("learner", "peer", "tutor", "parent", "operator"):
        assert as_user(getattr(cast, role)).get(url).status_code == 403, role
    # The outsider manages school B: school A's framework doesn't exist for them.
    outsider = as_user(cast.outsider)
    assert outsider.get(url).status_code == 404
    assert outsider.get(_urls(999999)[kind]).status_code == 404
    assert outsider.get(_urls(default_framework(cast.school_b).pk)[kind]).status_code == 200


def test_import_page_access_and_form(cast, as_user, client):
    assert client.get("/frameworks/import/").status_code == 302
    for role in ("learner", "peer", "tutor", "parent", "operator"):
        assert as_user(getattr(cast, role)).get("/frameworks/import/").status_code == 403, role
        assert as_user(getattr(cast, role)).post("/frameworks/import/").status_code == 403, role
    response = as_user(cast.manager).get("/frameworks/import/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert '<label for="id_file">Framework file' in html
    assert "<legend" in html and "What kind of file is it?" in html
    assert 'type="radio" name="format" value="csv"' in html
    assert 'name="publish"' in html and f'name="{FIELD}"' in html


def _post(client, name, content: bytes, kind, publish=False, once="t1"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"file": SimpleUploadedFile(name, content), "format": kind, FIELD: once}
    if publish:
        data["publish"] = "on"
    return client.post("/frameworks/import/", data)


def test_import_page_imports_a_csv_and_publishes_it(cast, as_user):
    client = as_user(cast.manager)
    response = _post(client, "talk.csv", _csv(_csv_rows()).encode(), "csv", publish=True)
    framework = Framework.objects.get(school=cast.school_a, title="Talk skills")
    assert response.status_code == 302
    assert response["Location"] == f"/frameworks/{framework.pk}/"
    version = framework.versions.get()
    assert version.status == VersionStatus.PUBLISHED
    assert SchoolFramework.objects.filter(school=cast.school_a, framework=framework).exists()
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown[0] == "Imported “Talk skills” as published."
    # The same form sent twice (a double click) imports once.
    again = _post(client, "talk.csv", _csv(_csv_rows()).encode(), "csv", publish=True)
    assert again.status_code == 302
    assert Framework.objects.filter(school=cast.school_a, title="Talk skills").count() == 1


@needs_fixtures
def test_import_page_shows_the_report_of_a_foreign_case_file(cast, as_user):
    client = as_user(cast.manager)
    data = (CASE_DIR / "opensalt_smartlevel_cfpackage.json").read_bytes()
    response = _post(client, "smartlevel.json", data, "case", publish=True)
    framework = Framework.objects.get(school=cast.school_a, title="SmartLevel Test")
    assert response["Location"] == f"/frameworks/{framework.pk}/"
    assert framework.versions.get().status == VersionStatus.DRAFT
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown[0] == "Imported “SmartLevel Test” as a draft. Check it, then publish it."
    assert f"Ladder “Item 1” has 10 steps: {NEED_9}" in shown
    assert any(line.startswith("Not published yet") for line in shown)


def test_import_page_lists_every_problem_and_saves_nothing(cast, as_user):
    client = as_user(cast.manager)
    rows = _set(_set(_csv_rows(), 2, "statement", ""), 3, "level", "12")
    before = Framework.objects.count()
    response = _post(client, "talk.csv", _csv(rows).encode(), "csv", once="t2")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="errorlist nonfield"' in html
    assert "Row 3: the statement is empty." in html
    assert "Row 4: the level “12” isn&#x27;t a whole number from 1 to 9." in html
    assert "Nothing was saved" in html
    assert 'id="id_format_1" checked' in html  # the choice is kept
    assert Framework.objects.count() == before
    # The corrected file, sent with the same form token, is saved.
    response = _post(client, "talk.csv", _csv(_csv_rows()).encode(), "csv", once="t2")
    assert response.status_code == 302
    assert Framework.objects.count() == before + 1


def test_import_page_refuses_a_framework_the_school_has_and_hints_at_the_format(cast, as_user):
    client = as_user(cast.manager)
    own = json.dumps(_own(cast)).encode()
    response = _post(client, "own.json", own, "case")
    assert "Your school already has this framework" in response.content.decode()
    response = _post(client, "talk.csv", _csv(_csv_rows()).encode(), "case", once="t3")
    html = response.content.decode()
    assert "The file isn&#x27;t valid JSON" in html
    assert "The file name ends in .csv: if it is a CSV file, choose “CSV”" in html
    response = _post(client, "empty.json", b"", "case", once="t4")
    assert response.status_code == 200
    assert "The submitted file is empty." in response.content.decode()


# --- commands -------------------------------------------------------------------------------------


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@needs_fixtures
def test_export_case_command(cast):
    package = json.loads(_run("export_case"))
    assert package["CFDocument"]["identifier"] == str(default_framework(cast.school_a).identifier)
    assert case_errors(package) == []
    assert json.loads(_run("export_case", DEFAULT_SLUG, "--school", "beacon")) == export_case(
        published(cast.school_b)
    )
    with pytest.raises(CommandError, match="No framework “nope” in any school"):
        _run("export_case", "nope")
    with pytest.raises(CommandError, match="has no draft"):
        _run("export_case", "--draft")


def test_export_csv_command(cast):
    text = _run("export_csv", "--school", "ashdown")
    assert text == export_csv(published(cast.school_a))


def test_import_commands(cast, tmp_path):
    case_file = tmp_path / "own.json"
    case_file.write_text(_run("export_case"), encoding="utf-8")
    school = new_school()
    out = _run("import_case", str(case_file), "--school", school.slug, "--publish")
    assert "Imported “PbyP life skills” into Castle School as published" in out
    assert default_framework(school).versions.get().status == VersionStatus.PUBLISHED
    with pytest.raises(CommandError, match="Your school already has this framework"):
        _run("import_case", str(case_file), "--school", school.slug)
    with pytest.raises(CommandError, match="No school with the slug “nowhere”"):
        _run("import_case", str(case_file), "--school", "nowhere")
    with pytest.raises(CommandError, match="Can't read"):
        _run("import_case", str(tmp_path / "missing.json"), "--school", school.slug)

    csv_file = tmp_path / "talk.csv"
    csv_file.write_text(_csv(_csv_rows()), encoding="utf-8")
    out = _run("import_csv", str(csv_file), "--school", school.slug)
    assert "- Made new identifiers for 2 ladders and 18 steps that had none." in out
    assert "Imported “Talk skills” into Castle School as a draft" in out
    csv_file.write_text(_csv(_drop(_csv_rows(), 3)), encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was imported:\n- Ladder “Listening”"):
        _run("import_csv", str(csv_file), "--school", school.slug)
    assert Framework.objects.filter(school=school).count() == 2
