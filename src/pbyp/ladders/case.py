"""Frameworks as 1EdTech CASE 1.1 packages (CFPackage JSON): strict on export, lenient on import.

Export. A framework version becomes one CFPackage that validates against the official CASE 1.1
JSON Schema: the framework is the CFDocument; strands, ladders and steps are CFItems of PbyP's
three CFItemTypes ("Strand", "Ladder", "Step", declared in CFDefinitions), each keeping its PbyP
identifier; `isChildOf` associations (origin = child, destination = parent, strands under the
CFDocument) carry the tree and `sequenceNumber` its order (a step's is its level). Association
identifiers are derived from the (child, parent) pair, so the same tree always exports the same
file. What CASE has no field for travels in each item's `extensions["pbyp"]`: a step's phase
wordings (early_years, primary, secondary), a strand's colour and icon, a ladder's icon, a
description. Phase wordings are also written into the step's `notes` as labelled lines
("Early years and KS1: …"), for people and for tools that drop extensions (CASE 1.0 tools).
The CFDocument carries no CFPackageURI: the 1.1 schema does not allow it there.

Import. Two ways in:
- A package using PbyP's own item types (every CFItem a Strand, Ladder or Step) is read exactly:
  Strand under the document, Ladder under a Strand, Step under a Ladder, 9 steps a ladder. Anything
  else refuses the file, so our own exports round-trip unchanged.
- Any other package (OpenSALT, a publisher…) is fitted to strands → ladders → steps: a ladder is an
  item with leaf children (its steps, levels 1..n in order); its strand is its top-level ancestor,
  or a strand named after the document when the ladder itself sits under the document. Deeper
  grouping levels are flattened, leaves straight under the document and items not linked to it are
  left out, associations other than isChildOf are ignored, isChildOf links to items that are not in
  the file are ignored. Every such change is listed in the report. It arrives as a draft: ladders
  may have any number of steps until someone finishes them and publishes.
Children are ordered by sequenceNumber, then humanCodingScheme (natural order: 2 before 10), then
listEnumeration, then the order of CFItems in the file. Identifiers of the CFDocument and of
every CFItem used are kept.
A file is refused whole (a ValidationError naming each problem) when it is not UTF-8 JSON, is
larger than 5 MB, has no usable CFDocument, has items without identifier or fullStatement, or has
isChildOf links that go round in a circle.
"""

import json
import math
import re
import uuid
from collections import Counter
from datetime import UTC

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import slugify

from pbyp.ladders.defaults import default_framework_data, stable_id
from pbyp.ladders.models import LEVELS, FrameworkVersion, VersionStatus
from pbyp.ladders.services import framework_import, package_problems, version_as_package

MAX_BYTES = 5 * 1024 * 1024  # the largest file we read, CASE or CSV

STRAND, LADDER, STEP = "Strand", "Ladder", "Step"
ITEM_TYPES = {
    STRAND: ("1", "A group of related ladders, with its own colour."),
    LADDER: ("2", "A skill, climbed in 9 steps (levels 1 to 9)."),
    STEP: ("3", "One step (rung) of a ladder: a statement written for learners."),
}
WORDINGS = (
    ("early_years", "Early years and KS1"),
    ("primary", "Primary"),
    ("secondary", "Secondary"),
)
ADOPTION_STATUS = {
    VersionStatus.DRAFT: "Draft",
    VersionStatus.PUBLISHED: "Adopted",
    VersionStatus.RETIRED: "Deprecated",
}
# Fields of the CASE 1.1 schema: anything else in an imported file is named in the report.
KNOWN_FIELDS = {
    "CFDocument": {
        "identifier", "uri", "frameworkType", "caseVersion", "creator", "title",
        "lastChangeDateTime", "officialSourceURL", "publisher", "description", "subject",
        "subjectURI", "language", "version", "adoptionStatus", "statusStartDate", "statusEndDate",
        "licenseURI", "notes", "extensions",
    },
    "CFItems": {
        "identifier", "fullStatement", "alternativeLabel", "CFItemType", "uri",
        "humanCodingScheme", "listEnumeration", "abbreviatedStatement", "conceptKeywords",
        "conceptKeywordsURI", "notes", "subject", "subjectURI", "language", "educationLevel",
        "CFItemTypeURI", "licenseURI", "statusStartDate", "statusEndDate", "lastChangeDateTime",
        "extensions",
    },
    "CFAssociations": {
        "identifier", "associationType", "sequenceNumber", "uri", "originNodeURI",
        "destinationNodeURI", "CFAssociationGroupingURI", "lastChangeDateTime", "notes",
        "extensions",
    },
}  # fmt: skip
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
CODE_MAX, TITLE_MAX, ICON_MAX = 20, 200, 20


# --- shared with csvio ----------------------------------------------------------------------


def read_text(data: bytes | str, *, what: str) -> str:
    """An uploaded file as text: at most 5 MB, UTF-8 (a byte-order mark is fine)."""
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > MAX_BYTES:
        raise ValidationError(
            f"The file is {size / 1024 / 1024:.1f} MB: the largest file we can import is "
            f"{MAX_BYTES // 1024 // 1024} MB."
        )
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            f"The file isn't UTF-8 text, so we can't read it as {what}. Save it again as UTF-8 "
            "(in Excel: “CSV UTF-8”) and import that."
        ) from None


def version_for_export(framework, *, draft: bool = False) -> FrameworkVersion | None:
    """The version to export (1 query): the published one, else the draft (a framework that was
    never published); with `draft`, only the draft."""
    versions = {
        v.status: v
        for v in framework.versions.filter(
            status__in=[VersionStatus.PUBLISHED, VersionStatus.DRAFT]
        )
    }
    if draft:
        return versions.get(VersionStatus.DRAFT)
    return versions.get(VersionStatus.PUBLISHED) or versions.get(VersionStatus.DRAFT)


def strand_colours() -> list[str]:
    """Colours for strands that arrive without one: the default framework's, in turn."""
    return [s["colour"] for s in default_framework_data()["strands"]]


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def quoted(text: str, limit: int = 60) -> str:
    text = " ".join(str(text).split())
    return f"“{text if len(text) <= limit else text[: limit - 1].rstrip() + '…'}”"


def listed(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


# --- export -------------------------------------------------------------------------------------


def _uri(kind: str, identifier) -> str:
    return f"{settings.SITE_URL}/case/{kind}/{identifier}"


def _type_link(name: str) -> dict:
    identifier = str(stable_id("case", "CFItemType", name))
    return {"title": name, "identifier": identifier, "uri": _uri("CFItemTypes", identifier)}


def export_case(version: FrameworkVersion) -> dict:
    """A framework version as a CASE 1.1 CFPackage (3 queries: strands, ladders, steps)."""
    package = version_as_package(version)
    framework = version.framework
    stamp = (version.published_at or version.created_at).astimezone(UTC)
    stamp = stamp.isoformat(timespec="seconds")
    doc_id = str(framework.identifier)
    document = {
        "identifier": doc_id,
        "uri": _uri("CFDocuments", doc_id),
        "creator": "PbyP",
        "title": version.title,
        "lastChangeDateTime": stamp,
        "caseVersion": "1.1",
        "version": str(version.number),
        "adoptionStatus": ADOPTION_STATUS.get(version.status, "Draft"),
        "language": "en-GB",
        "description": version.description,
        "extensions": {"pbyp": {"slug": framework.slug}},
    }
    doc_link = {"title": version.title, "identifier": doc_id, "uri": document["uri"]}
    items: list[dict] = []
    associations: list[dict] = []

    def add(kind, identifier, statement, code, sequence, parent, notes, extension) -> dict:
        identifier = str(identifier)
        item = {
            "identifier": identifier,
            "uri": _uri("CFItems", identifier),
            "fullStatement": statement,
            "CFItemType": kind,
            "CFItemTypeURI": _type_link(kind),
            "listEnumeration": str(sequence),
            "language": "en-GB",
            "lastChangeDateTime": stamp,
            "extensions": {"pbyp": extension},
        }
        if code:
            item["humanCodingScheme"] = code
        if notes:
            item["notes"] = notes
        items.append(item)
        link = {"title": code or statement, "identifier": identifier, "uri": item["uri"]}
        pair = str(stable_id("case", "isChildOf", identifier, parent["identifier"]))
        associations.append(
            {
                "identifier": pair,
                "uri": _uri("CFAssociations", pair),
                "associationType": "isChildOf",
                "sequenceNumber": sequence,
                "originNodeURI": dict(link),
                "destinationNodeURI": dict(parent),
                "lastChangeDateTime": stamp,
            }
        )
        return link

    for s_seq, strand in enumerate(package["strands"], start=1):
        strand_link = add(
            STRAND,
            strand["identifier"],
            strand["title"],
            strand["code"],
            s_seq,
            doc_link,
            strand["description"],
            {
                "colour": strand["colour"],
                "icon": strand["icon"],
                "description": strand["description"],
            },
        )
        for l_seq, ladder in enumerate(strand["ladders"], start=1):
            ladder_link = add(
                LADDER,
                ladder["identifier"],
                ladder["title"],
                ladder["code"],
                l_seq,
                strand_link,
                ladder["description"],
                {"icon": ladder["icon"], "description": ladder["description"]},
            )
            for step in ladder["steps"]:
                notes = "\n".join(
                    f"{label}: {' '.join(step[field].split())}"
                    for field, label in WORDINGS
                    if step[field]
                )
                add(
                    STEP,
                    step["identifier"],
                    step["statement"],
                    f"{ladder['code']}.{step['level']}" if ladder["code"] else "",
                    step["level"],
                    ladder_link,
                    notes,
                    {"level": step["level"], **{field: step[field] for field, _ in WORDINGS}},
                )
    item_types = [
        {
            "identifier": (link := _type_link(name))["identifier"],
            "uri": link["uri"],
            "title": name,
            "description": description,
            "hierarchyCode": code,
            "typeCode": name,
            "lastChangeDateTime": stamp,
        }
        for name, (code, description) in ITEM_TYPES.items()
    ]
    return {
        "CFDocument": document,
        "CFItems": items,
        "CFAssociations": associations,
        "CFDefinitions": {"CFItemTypes": item_types},
    }


# --- import -------------------------------------------------------------------------------------


def _identifier(raw) -> tuple[uuid.UUID, bool]:
    """A CASE identifier as a UUID; one that isn't a UUID gets a UUID made from it (True)."""
    text = str(raw).strip()
    try:
        return uuid.UUID(text), False
    except ValueError:
        return stable_id("case", "identifier", text), True


def _link_id(link) -> str | None:
    """The identifier a LinkGenURI points at (or the last part of a bare URI, as some tools
    write)."""
    if isinstance(link, dict):
        value = link.get("identifier")
        return str(value).strip() if value not in (None, "") else None
    if isinstance(link, str) and link.strip():
        return link.strip().rstrip("/").rsplit("/", 1)[-1]
    return None


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _natural(text: str) -> tuple:
    """Sort key putting "L1.2" before "L1.10"."""
    return tuple(
        (0, int(part)) if part.isdecimal() else (1, part.lower())
        for part in re.split(r"(\d+)", text)
        if part
    )


def _sequence(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    if isinstance(value, str) and value.strip().lstrip("-").isdecimal():
        return int(value.strip())
    return None


def _extension(item: dict) -> dict:
    extensions = item.get("extensions")
    pbyp = extensions.get("pbyp") if isinstance(extensions, dict) else None
    return pbyp if isinstance(pbyp, dict) else {}


def _wordings(item: dict) -> dict:
    """A step's phase wordings: from extensions, else from labelled lines in its notes."""
    extension = _extension(item)
    if any(field in extension for field, _ in WORDINGS):
        return {field: _text(extension.get(field)) for field, _ in WORDINGS}
    found = {}
    for line in _text(item.get("notes")).splitlines():
        for field, label in WORDINGS:
            if line.startswith(f"{label}: "):
                found[field] = line[len(label) + 2 :].strip()
    return found


def _find_cycle(parents: dict[str, list[str]]) -> list[str] | None:
    """A loop in the child → parents graph, as the list of nodes going round it."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in parents:
        if start in state:
            continue
        state[start], path, stack = 1, [start], [iter(parents[start])]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(parents.get(nxt, ())))
    return None


class _Reader:
    """One CASE package being read: the items, their tree, and the report of what changed."""

    def __init__(self, raw: dict):
        self.raw = raw
        self.report: list[str] = []
        self.problems: list[str] = []
        self.shortened: dict[str, str] = {}  # code → the code cut to fit
        self.long_titles = 0

    # -- checks and tree --

    def read(self) -> dict:
        document = self.raw["CFDocument"]
        doc_id = document.get("identifier")
        title = _text(document.get("title"))
        if doc_id in (None, "") or not str(doc_id).strip():
            self.problems.append("The CFDocument has no identifier.")
        if not title:
            self.problems.append("The CFDocument has no title.")
        raw_items = self.raw.get("CFItems", [])
        raw_links = self.raw.get("CFAssociations", [])
        if not isinstance(raw_items, list):
            self.problems.append("CFItems should be a list of items.")
            raw_items = []
        if not isinstance(raw_links, list):
            self.problems.append("CFAssociations should be a list of associations.")
            raw_links = []
        self.items: dict[str, dict] = {}  # normalised identifier → item
        self.order: dict[str, int] = {}
        made_up = 0
        for n, item in enumerate(raw_items, start=1):
            if not isinstance(item, dict):
                self.problems.append(f"Item {n} in CFItems isn't an object.")
                continue
            raw_id = item.get("identifier")
            if raw_id in (None, "") or not str(raw_id).strip():
                self.problems.append(f"Item {n} in CFItems has no identifier.")
                continue
            if not _text(item.get("fullStatement")):
                self.problems.append(
                    f"Item {n} in CFItems (identifier {raw_id}) has no fullStatement."
                )
                continue
            identifier, converted = _identifier(raw_id)
            made_up += converted
            key = str(identifier)
            if key in self.items:
                self.problems.append(f"The identifier {raw_id} is used by two items.")
                continue
            self.items[key] = item
            self.order[key] = n
        if self.problems:
            raise ValidationError(self.problems)
        self.doc_id, converted = _identifier(doc_id)
        self.doc_key = str(self.doc_id)
        if self.doc_key in self.items:
            raise ValidationError(f"The identifier {doc_id} is used by the CFDocument and an item.")
        if made_up or converted:
            self.report.append(
                f"Made UUIDs for {plural(made_up + converted, 'identifier')} that weren't UUIDs "
                "(CASE identifiers should be)."
            )
        self._unknown_fields(document, raw_items, raw_links)
        self._tree(raw_links)
        self.native = bool(self.items) and all(
            self._type(item) in ITEM_TYPES for item in self.items.values()
        )
        title = self._title(title)
        strands = self._native() if self.native else self._foreign()
        package = {
            "slug": _text(_extension(document).get("slug")) or slugify(title)[:70],
            "identifier": self.doc_id,
            "title": title,
            "description": _text(document.get("description")),
            "strands": strands,
            "native": self.native,
        }
        if self.long_titles:
            self.report.append(
                f"Shortened {plural(self.long_titles, 'title')} to {TITLE_MAX} characters "
                "(strands and ladders keep the full text in their description)."
            )
        if self.native:
            problems = package_problems(package, strict_steps=True)
            if problems:
                raise ValidationError(problems)
        return package

    def _unknown_fields(self, document: dict, items: list, links: list) -> None:
        unknown = Counter()
        for part, rows in (
            ("CFDocument", [document]),
            ("CFItems", items),
            ("CFAssociations", links),
        ):
            for row in rows:
                if isinstance(row, dict):
                    unknown.update(set(row) - KNOWN_FIELDS[part])
        extra = sorted(set(self.raw) - {"CFDocument", "CFItems", "CFAssociations"})
        if unknown:
            self.report.append(
                "Ignored fields that aren't part of CASE 1.1: " + ", ".join(sorted(unknown)) + "."
            )
        for part in extra:
            if part == "CFDefinitions":
                continue  # item types are read from each item; nothing else there is used
            self.report.append(f"Ignored the {part} section: PbyP doesn't use it.")

    def _tree(self, links: list) -> None:
        """Parents and ordered children from the isChildOf associations."""
        ignored, unknown, broken = Counter(), 0, 0
        parents: dict[str, list[tuple[str, int | None]]] = {}
        for link in links:
            if not isinstance(link, dict):
                broken += 1
                continue
            kind = _text(link.get("associationType"))
            if kind.lower() != "ischildof":
                ignored[kind or "(untyped)"] += 1
                continue
            origin, target = (
                _link_id(link.get("originNodeURI")),
                _link_id(link.get("destinationNodeURI")),
            )
            if origin is None or target is None:
                broken += 1
                continue
            child, parent = str(_identifier(origin)[0]), str(_identifier(target)[0])
            if child not in self.items or (parent not in self.items and parent != self.doc_key):
                unknown += 1
                continue
            if all(p != parent for p, _ in parents.get(child, [])):
                parents.setdefault(child, []).append(
                    (parent, _sequence(link.get("sequenceNumber")))
                )
        for kind, n in sorted(ignored.items(), key=lambda kv: (-kv[1], kv[0])):
            self.report.append(
                f"Ignored {n} “{kind}” association{'s' if n != 1 else ''}: PbyP keeps only the "
                "isChildOf tree."
            )
        if unknown:
            self.report.append(
                f"Ignored {plural(unknown, 'isChildOf link')} to or from items that aren't in "
                "the file."
            )
        if broken:
            self.report.append(
                f"Ignored {plural(broken, 'association')} without an origin or a destination."
            )
        cycle = _find_cycle({child: [p for p, _ in ps] for child, ps in parents.items()})
        if cycle:
            names = " → ".join(self._name(key) for key in cycle)
            raise ValidationError(
                f"The isChildOf links go round in a circle: {names} (each is listed as the child "
                "of the next). Fix the links in the file and import it again."
            )
        several = [self._name(child) for child, ps in parents.items() if len(ps) > 1]
        if several:
            self.report.append(
                f"{plural(len(several), 'item')} had more than one parent and "
                f"{'was' if len(several) == 1 else 'were'} kept under the first only: "
                f"{listed(several)}."
            )
        self.children: dict[str, list[str]] = {}
        self.sequence: dict[str, int | None] = {}
        for child, ps in parents.items():
            parent, sequence = ps[0]
            self.children.setdefault(parent, []).append(child)
            self.sequence[child] = sequence
        for kids in self.children.values():
            kids.sort(key=self._sort_key)
        reached, todo = set(), [self.doc_key]
        while todo:
            for child in self.children.get(todo.pop(), []):
                reached.add(child)
                todo.append(child)
        lost = [self._name(key) for key in self.items if key not in reached]
        if lost:
            self.report.append(
                f"Left out {plural(len(lost), 'item')} not linked to the document by isChildOf: "
                f"{listed(lost)}."
            )

    def _sort_key(self, key: str) -> tuple:
        item = self.items[key]
        sequence = self.sequence.get(key)
        code = _text(item.get("humanCodingScheme"))
        enumeration = _text(item.get("listEnumeration"))
        return (
            sequence is None,
            sequence or 0,
            not code,
            _natural(code),
            not enumeration,
            _natural(enumeration),
            self.order[key],
        )

    def _type(self, item: dict) -> str:
        kind = item.get("CFItemType")
        if not isinstance(kind, str):
            link = item.get("CFItemTypeURI")
            kind = link.get("title") if isinstance(link, dict) else ""
        return _text(kind)

    def _name(self, key: str) -> str:
        item = self.items.get(key)
        if item is None:
            return "the document"
        return quoted(_text(item.get("humanCodingScheme")) or _text(item.get("fullStatement")))

    def _title(self, text: str) -> str:
        if len(text) <= TITLE_MAX:
            return text
        self.long_titles += 1
        return text[: TITLE_MAX - 1].rstrip() + "…"

    # -- PbyP's own item types --

    def _native(self) -> list[dict]:
        expected_parent = {STRAND: None, LADDER: STRAND, STEP: LADDER}
        parent_of = {child: parent for parent, kids in self.children.items() for child in kids}
        for key, item in self.items.items():
            kind = self._type(item)
            parent = parent_of.get(key)
            want = expected_parent[kind]
            if parent is None:
                self.problems.append(
                    f"The {kind.lower()} {self._name(key)} isn't linked into the framework: it "
                    f"needs an isChildOf link to its {(want or 'CFDocument').lower()}."
                )
            elif want is None and parent != self.doc_key:
                self.problems.append(
                    f"The strand {self._name(key)} should sit straight under the CFDocument."
                )
            elif want is not None and self._type(self.items.get(parent, {})) != want:
                self.problems.append(
                    f"The {kind.lower()} {self._name(key)} should sit under a {want.lower()}, "
                    f"not under {self._name(parent)}."
                )
        if self.problems:
            raise ValidationError(self.problems)
        strands, colours = [], strand_colours()
        for s_pos, s_key in enumerate(self.children.get(self.doc_key, [])):
            strand = self.items[s_key]
            extension = _extension(strand)
            colour = _text(extension.get("colour"))
            strands.append(
                {
                    "identifier": uuid.UUID(s_key),
                    "code": _text(strand.get("humanCodingScheme")),
                    "title": self._title(_text(strand["fullStatement"])),
                    "description": self._description(strand),
                    "colour": colour if COLOUR.match(colour) else colours[s_pos % len(colours)],
                    "icon": _text(extension.get("icon"))[:ICON_MAX] or "star",
                    "position": s_pos,
                    "ladders": [
                        self._native_ladder(l_key, l_pos)
                        for l_pos, l_key in enumerate(self.children.get(s_key, []))
                    ],
                }
            )
        return strands

    def _native_ladder(self, key: str, position: int) -> dict:
        ladder = self.items[key]
        return {
            "identifier": uuid.UUID(key),
            "code": _text(ladder.get("humanCodingScheme")),
            "title": self._title(_text(ladder["fullStatement"])),
            "description": self._description(ladder),
            "icon": _text(_extension(ladder).get("icon"))[:ICON_MAX] or "star",
            "position": position,
            "steps": [
                self._step(step_key, level)
                for level, step_key in enumerate(self.children.get(key, []), start=1)
            ],
        }

    def _description(self, item: dict) -> str:
        extension = _extension(item)
        if "description" in extension:
            return _text(extension["description"])
        return _text(item.get("notes"))

    def _step(self, key: str, level: int) -> dict:
        item = self.items[key]
        return {
            "identifier": uuid.UUID(key),
            "level": level,
            "statement": _text(item["fullStatement"]),
            **_wordings(item),
        }

    # -- anyone else's tree --

    def _foreign(self) -> list[dict]:
        children = self.children
        is_leaf = lambda key: not children.get(key)  # noqa: E731
        colours = strand_colours()
        strands: list[dict] = []
        loose: dict | None = None  # the strand named after the document
        lonely, flattened, nested, mixed = [], [], [], []

        def new_strand(identifier, code, title, description) -> dict:
            strand = {
                "identifier": identifier,
                "code": code,
                "title": title,
                "description": description,
                "colour": colours[len(strands) % len(colours)],
                "icon": "star",
                "position": len(strands),
                "ladders": [],
            }
            strands.append(strand)
            return strand

        def ladder_of(key, identifier, steps, strand) -> None:
            item = self.items[key]
            strand["ladders"].append(
                {
                    **self._labels(item),
                    "identifier": identifier,
                    "icon": "star",
                    "position": len(strand["ladders"]),
                    "steps": [self._step(s, n) for n, s in enumerate(steps, start=1)],
                }
            )

        for top in children.get(self.doc_key, []):
            if is_leaf(top):
                lonely.append(self._name(top))
                continue
            leaves = [k for k in children[top] if is_leaf(k)]
            groups = [k for k in children[top] if not is_leaf(k)]
            if leaves and not groups:
                if loose is None:
                    loose = new_strand(
                        stable_id("case", "strand for", self.doc_key),
                        "",
                        self._title(_text(self.raw["CFDocument"].get("title"))),
                        "",
                    )
                ladder_of(top, uuid.UUID(top), leaves, loose)
                continue
            strand = new_strand(uuid.UUID(top), **self._labels(self.items[top]))
            if leaves:
                mixed.append(self._name(top))
                ladder_of(top, stable_id("case", "own steps", top), leaves, strand)
            # Walk below the strand in order: every item with leaf children is a ladder.
            todo = list(reversed(groups))
            while todo:
                key = todo.pop()
                kids = children[key]
                steps = [k for k in kids if is_leaf(k)]
                deeper = [k for k in kids if not is_leaf(k)]
                if steps:
                    ladder_of(key, uuid.UUID(key), steps, strand)
                    if deeper:
                        nested.extend(self._name(k) for k in deeper)
                else:
                    flattened.append(self._name(key))
                todo.extend(reversed(deeper))
        if flattened:
            self.report.append(
                f"Flattened {plural(len(flattened), 'grouping level')}: {listed(flattened)} "
                "(the ladders inside now sit straight in their strand)."
            )
        if nested:
            self.report.append(
                f"Moved {plural(len(nested), 'group')} that sat inside a ladder up to the "
                f"strand: {listed(nested)}."
            )
        if mixed:
            self.report.append(
                f"{listed(mixed)} had both steps and groups under "
                f"{'it' if len(mixed) == 1 else 'them'}: the steps became a ladder of the same "
                "name in that strand."
            )
        if loose is not None:
            n = len(loose["ladders"])
            self.report.append(
                f"Put {plural(n, 'ladder')} that sat straight under the document into a strand "
                f"named {quoted(loose['title'])}."
            )
        if lonely:
            self.report.append(
                f"Left out {plural(len(lonely), 'item')} straight under the document with "
                f"nothing under {'it' if len(lonely) == 1 else 'them'}: {listed(lonely)}."
            )
        if self.shortened:
            (before, after), n = next(iter(self.shortened.items())), len(self.shortened)
            self.report.append(
                f"Shortened {plural(n, 'code')} to fit {CODE_MAX} characters, e.g. "
                f"{quoted(before)} → {quoted(after)}."
            )
        ladders = [ladder for strand in strands for ladder in strand["ladders"]]
        if not ladders:
            raise ValidationError(
                "We found no ladders in this file: a ladder is an item with items under it (its "
                "steps), linked by isChildOf associations. " + " ".join(self.report)
            )
        uneven = [lad for lad in ladders if len(lad["steps"]) != LEVELS]
        need = f"a ladder needs exactly {LEVELS} before the framework can be published."
        if len(uneven) <= 5:
            for ladder in uneven:
                self.report.append(
                    f"Ladder {quoted(ladder['title'])} has "
                    f"{plural(len(ladder['steps']), 'step')}: {need}"
                )
        else:
            names = [f"{quoted(lad['title'])} ({len(lad['steps'])})" for lad in uneven]
            self.report.append(
                f"{len(uneven)} ladders don't have {LEVELS} steps: {listed(names)}. "
                f"{need[0].upper()}{need[1:]}"
            )
        return strands

    def _labels(self, item: dict) -> dict:
        """Code, title and description of a strand or ladder from another tool."""
        statement = _text(item["fullStatement"])
        title = _text(item.get("abbreviatedStatement")) or statement
        short = self._title(title)
        notes = _text(item.get("notes"))
        description = notes if short == statement else "\n\n".join(filter(None, [statement, notes]))
        code = _text(item.get("humanCodingScheme"))
        if len(code) > CODE_MAX:
            cut = code
            while len(cut) > CODE_MAX and "." in cut:
                cut = cut.split(".", 1)[1]
            self.shortened[code] = cut[-CODE_MAX:]
            code = cut[-CODE_MAX:]
        return {"code": code, "title": short, "description": description}


def parse_case(data: bytes | str) -> tuple[dict, list[str]]:
    """Read a CASE CFPackage (1.0 or 1.1) into a package dict (the shape of defaults.py) and a
    report of what was ignored or changed. `package["native"]` says whether the file uses PbyP's
    own item types (then it was read strictly). Raises ValidationError naming every problem."""
    text = read_text(data, what="CASE JSON")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationError(
            f"The file isn't valid JSON (line {error.lineno}, column {error.colno}: {error.msg}). "
            "A CASE framework is a .json file."
        ) from None
    except (ValueError, RecursionError):
        raise ValidationError(
            "The file isn't valid JSON. A CASE framework is a .json file."
        ) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("CFDocument"), dict):
        raise ValidationError(
            "The file has no CFDocument, so it isn't a CASE framework package. Export the "
            "framework as a CASE package (CFPackage) and import that."
        )
    reader = _Reader(raw)
    package = reader.read()
    return package, reader.report


def import_case_file(*, school, data: bytes | str, by, publish: bool):
    """Import a CASE file as a new framework of a school. Returns (version, report).

    A file in PbyP's own shape is imported as it is (published if asked); any other arrives as
    a draft to check and finish. Refused whole, naming each problem."""
    package, report = parse_case(data)
    native = package.pop("native")
    if native:
        version = framework_import(
            school=school, package=package, by=by, publish=publish, strict_steps=True
        )
    else:
        version = framework_import(
            school=school, package=package, by=by, publish=False, strict_steps=False
        )
        if publish:
            report.append(
                "Not published yet: a framework from another tool arrives as a draft. Check its "
                "ladders (each needs 9 steps), then publish it."
            )
    return version, report
