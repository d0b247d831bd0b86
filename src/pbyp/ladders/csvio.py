"""Frameworks as CSV: one row per step, for people who write ladders in a spreadsheet.

Columns (HEADER): the framework on every row, then the strand, the ladder, the step. Identifiers
are optional on import (new ones are made); strands have no identifier column, so an imported
strand gets one derived from the framework identifier and the strand's code (or title).

Import is strict, as a published framework needs to be: every ladder needs exactly 9 steps, levels
1 to 9, each with a statement; one framework per file. A file is refused whole, naming the rows
to fix. It accepts what spreadsheets write: UTF-8 with or without a byte-order mark, CRLF line
ends, empty rows, column names in any order and case.

Cells starting with = + - @ (which spreadsheets would run as formulas) are exported with a leading
apostrophe, and the apostrophe is taken off again on import.
"""

import csv
import io
import uuid

from django.core.exceptions import ValidationError

from pbyp.ladders.case import (
    CODE_MAX,
    COLOUR,
    TITLE_MAX,
    listed,
    plural,
    quoted,
    read_text,
    strand_colours,
)
from pbyp.ladders.defaults import stable_id
from pbyp.ladders.models import LEVELS, FrameworkVersion
from pbyp.ladders.services import framework_import, package_problems, version_as_package

HEADER = [
    "framework",
    "framework_identifier",
    "strand_code",
    "strand",
    "strand_colour",
    "ladder_code",
    "ladder",
    "ladder_identifier",
    "level",
    "statement",
    "early_years",
    "primary",
    "secondary",
    "step_identifier",
]
REQUIRED = ("framework", "strand", "ladder", "level", "statement")
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA) else text


def _uncell(text: str) -> str:
    text = text.strip()
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA) else text


def export_csv(version: FrameworkVersion) -> str:
    """A framework version as CSV text, one row per step (3 queries)."""
    package = version_as_package(version)
    out = io.StringIO()
    writer = csv.writer(out)  # quotes only where needed; CRLF line ends, as RFC 4180 says
    writer.writerow(HEADER)
    for strand in package["strands"]:
        for ladder in strand["ladders"]:
            for step in ladder["steps"]:
                row = [
                    package["title"],
                    package["identifier"],
                    strand["code"],
                    strand["title"],
                    strand["colour"],
                    ladder["code"],
                    ladder["title"],
                    ladder["identifier"],
                    step["level"],
                    step["statement"],
                    step["early_years"],
                    step["primary"],
                    step["secondary"],
                    step["identifier"],
                ]
                writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def _uuid(text: str, row: int, column: str, problems: list[str]) -> uuid.UUID | None:
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        problems.append(
            f"Row {row}: the {column} “{text[:60]}” isn't an identifier (a UUID such as "
            "6f1c7a52-3f0e-4f43-9a55-2b7d0a1c9e11). Leave it empty to make a new one."
        )
        return None


def _same(
    seen: dict, key, value: str, row: int, what: str, problems: list[str], name: str = ""
) -> None:
    """Record `value` for `key`; a different non-empty value on another row is a problem."""
    if not value:
        return
    first = seen.setdefault(key, (value, row))
    if first[0] != value:
        where = f" of {name}" if name else ""
        problems.append(
            f"Row {row}: the {what}{where} is {quoted(value)} here but {quoted(first[0])} on "
            f"row {first[1]}."
        )


def parse_csv(data: bytes | str) -> tuple[dict, list[str]]:
    """Read a framework CSV into a package dict (the shape of defaults.py) and a report. Raises
    ValidationError naming every problem, with row numbers (the header is row 1)."""
    text = read_text(data, what="CSV")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise ValidationError(f"We can't read the file as CSV: {error}.") from None
    numbered = [
        (n, [cell.strip() for cell in row])
        for n, row in enumerate(rows, start=1)
        if any(cell.strip() for cell in row)
    ]
    if not numbered:
        raise ValidationError("The file is empty: there is no header row and no steps.")
    header = numbered[0][1]
    columns = [name.lower().replace(" ", "_") for name in header]
    report: list[str] = []
    doubled = sorted({c for c in columns if c and columns.count(c) > 1})
    if doubled:
        raise ValidationError(f"These columns appear twice in the header: {', '.join(doubled)}.")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ValidationError(
            f"The file is missing {'this column' if len(missing) == 1 else 'these columns'}: "
            f"{', '.join(missing)}. The first row must name the columns: {', '.join(HEADER)}."
        )
    unknown = [c or "(no name)" for c in columns if c not in HEADER]
    if unknown:
        report.append(f"Ignored columns PbyP doesn't use: {', '.join(unknown)}.")
    body = numbered[1:]
    if not body:
        raise ValidationError("The file has a header row but no steps.")

    problems: list[str] = []
    titles: dict = {}
    framework_ids: dict = {}
    strand_codes: dict = {}
    strand_colours_seen: dict = {}
    ladder_codes: dict = {}
    ladder_ids: dict = {}
    ladder_of_id: dict[uuid.UUID, tuple] = {}
    strand_of_code: dict[str, tuple] = {}
    told: set[tuple] = set()
    strands: dict[str, dict] = {}  # strand title → strand, in order of first appearance
    ladders: dict[tuple, dict] = {}  # (strand title, ladder title) → ladder
    step_rows: dict[uuid.UUID, int] = {}
    made = 0
    for n, cells in body:
        extra = cells[len(columns) :]
        if any(extra):
            problems.append(f"Row {n} has more cells than the header has columns.")
            continue
        row = {c: _uncell(v) for c, v in zip(columns, cells, strict=False)}
        get = lambda c, row=row: row.get(c, "")  # noqa: E731
        title, strand_title, ladder_title = get("framework"), get("strand"), get("ladder")
        for column, value in (
            ("framework", title),
            ("strand", strand_title),
            ("ladder", ladder_title),
        ):
            if not value:
                problems.append(f"Row {n}: the {column} column is empty.")
            elif len(value) > TITLE_MAX:
                problems.append(
                    f"Row {n}: the {column} title is longer than {TITLE_MAX} characters."
                )
        for column in ("strand_code", "ladder_code"):
            if len(get(column)) > CODE_MAX:
                problems.append(f"Row {n}: the {column} is longer than {CODE_MAX} characters.")
        colour = get("strand_colour").lower()
        if colour and not COLOUR.match(colour):
            problems.append(
                f"Row {n}: the strand_colour {quoted(colour)} isn't a colour like #1d4ed8."
            )
        level_text = get("level")
        level = int(level_text) if level_text.isdecimal() else None
        if not level_text:
            problems.append(f"Row {n}: the level is empty: write a number from 1 to {LEVELS}.")
        elif level is None or not 1 <= level <= LEVELS:
            level = None
            problems.append(
                f"Row {n}: the level {quoted(level_text)} isn't a whole number from 1 to {LEVELS}."
            )
        statement = get("statement")
        if not statement:
            problems.append(f"Row {n}: the statement is empty.")
        if title and titles.setdefault("title", (title, n))[0] != title:
            first, first_row = titles["title"]
            problems.append(
                f"Row {n}: the framework is {quoted(title)} here but {quoted(first)} on row "
                f"{first_row}. A file holds one framework: put each in its own file."
            )
        framework_id = _uuid(get("framework_identifier"), n, "framework_identifier", problems)
        _same(framework_ids, "id", str(framework_id or ""), n, "framework_identifier", problems)
        if not (strand_title and ladder_title):
            continue
        _same(strand_codes, strand_title, get("strand_code"), n, "code", problems, strand_title)
        code = get("strand_code")
        clash = code and strand_of_code.setdefault(code, (strand_title, n))[0] != strand_title
        if clash and (code, strand_title) not in told:  # once per strand, not on every row
            told.add((code, strand_title))
            problems.append(
                f"Row {n}: the strand_code {quoted(code)} is already used by strand "
                f"{quoted(strand_of_code[code][0])} (row {strand_of_code[code][1]})."
            )
        _same(strand_colours_seen, strand_title, colour, n, "colour", problems, strand_title)
        key = (strand_title, ladder_title)
        _same(ladder_codes, key, get("ladder_code"), n, "code", problems, ladder_title)
        ladder_id = _uuid(get("ladder_identifier"), n, "ladder_identifier", problems)
        _same(ladder_ids, key, str(ladder_id or ""), n, "ladder_identifier", problems, ladder_title)
        if ladder_id is not None and ladder_of_id.setdefault(ladder_id, (key, n))[0] != key:
            problems.append(
                f"Row {n}: the ladder_identifier {ladder_id} is already used by another ladder "
                f"(row {ladder_of_id[ladder_id][1]})."
            )
        strand = strands.setdefault(strand_title, {"title": strand_title, "ladders": []})
        ladder = ladders.get(key)
        if ladder is None:
            ladder = ladders[key] = {"title": ladder_title, "steps": [], "rows": {}}
            strand["ladders"].append(ladder)
        step_id = _uuid(get("step_identifier"), n, "step_identifier", problems)
        if step_id is None:
            made, step_id = made + 1, uuid.uuid4()
        elif step_rows.setdefault(step_id, n) != n:
            problems.append(
                f"Row {n}: the step_identifier {step_id} is already used on row "
                f"{step_rows[step_id]}."
            )
        if level is not None and level in ladder["rows"]:
            problems.append(
                f"Row {n}: ladder {quoted(ladder_title)} already has a step at level {level} "
                f"(row {ladder['rows'][level]})."
            )
            continue
        if level is not None:
            ladder["rows"][level] = n
        ladder["steps"].append(
            {
                "identifier": step_id,
                "level": level,
                "statement": statement,
                "early_years": get("early_years"),
                "primary": get("primary"),
                "secondary": get("secondary"),
            }
        )
    for (_, ladder_title), ladder in ladders.items():
        count = len(ladder["steps"])
        levels = set(ladder["rows"])
        if count != LEVELS or levels != set(range(1, LEVELS + 1)):
            rows = sorted(ladder["rows"].values())
            where = f" (rows {rows[0]}–{rows[-1]})" if len(rows) > 1 else ""
            gaps = sorted(set(range(1, LEVELS + 1)) - levels)
            missing_levels = (
                f", level{'s' if len(gaps) > 1 else ''} {listed([str(g) for g in gaps], 9)} missing"
                if gaps and count < LEVELS
                else ""
            )
            problems.append(
                f"Ladder {quoted(ladder_title)}{where} has {plural(count, 'step')}"
                f"{missing_levels}: a ladder needs exactly {LEVELS}, levels 1 to {LEVELS}."
            )
    if problems:
        raise ValidationError(problems)

    framework_id = uuid.UUID(framework_ids["id"][0]) if framework_ids else uuid.uuid4()
    colours = strand_colours()
    package_strands = []
    for s_pos, (strand_title, strand) in enumerate(strands.items()):
        code = strand_codes.get(strand_title, ("", 0))[0]
        colour = strand_colours_seen.get(strand_title, ("", 0))[0]
        package_strands.append(
            {
                "identifier": stable_id("csv", str(framework_id), "strand", code or strand_title),
                "code": code,
                "title": strand_title,
                "colour": colour or colours[s_pos % len(colours)],
                "position": s_pos,
                "ladders": [
                    {
                        "identifier": (
                            uuid.UUID(ids[0])
                            if (ids := ladder_ids.get((strand_title, lad["title"])))
                            else lad.setdefault("new", uuid.uuid4())
                        ),
                        "code": ladder_codes.get((strand_title, lad["title"]), ("", 0))[0],
                        "title": lad["title"],
                        "position": l_pos,
                        "steps": sorted(lad["steps"], key=lambda s: s["level"]),
                    }
                    for l_pos, lad in enumerate(strand["ladders"])
                ],
            }
        )
    new_ladders = sum(1 for lad in ladders.values() if "new" in lad)
    if made or new_ladders:
        report.append(
            f"Made new identifiers for {plural(new_ladders, 'ladder')} and "
            f"{plural(made, 'step')} that had none."
        )
    package = {
        "identifier": framework_id,
        "title": titles["title"][0],
        "description": "",
        "strands": package_strands,
    }
    problems = package_problems(package, strict_steps=True)
    if problems:
        raise ValidationError(problems)
    return package, report


def import_csv_file(*, school, data: bytes | str, by, publish: bool):
    """Import a CSV file as a new framework of a school. Returns (version, report)."""
    package, report = parse_csv(data)
    version = framework_import(
        school=school, package=package, by=by, publish=publish, strict_steps=True
    )
    return version, report
