"""The default framework shipped with PbyP: 6 strands × 4 ladders × 9 steps, in data/.

Every school gets its own copy when it is created (so its managers can edit it), all copies sharing
the same strand, ladder and step identifiers: a step means the same rung in every school, which is
what lets network schools assess each other's work.
"""

import json
import uuid
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "default_framework.json"
NAMESPACE = uuid.UUID("6f1c7a52-3f0e-4f43-9a55-2b7d0a1c9e11")  # PbyP's own UUID namespace


def stable_id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(parts))


@cache
def default_framework_data() -> dict:
    """The default framework as a package dict (the shape `load_package` takes)."""
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    slug = raw["slug"]
    strands = []
    for s_pos, strand in enumerate(raw["strands"]):
        ladders = []
        for l_pos, ladder in enumerate(strand["ladders"]):
            steps = [
                {
                    "identifier": stable_id(slug, ladder["code"], str(step["level"])),
                    "level": step["level"],
                    "statement": step["statement"],
                    "early_years": step.get("early_years", ""),
                }
                for step in ladder["steps"]
            ]
            ladders.append(
                {
                    "identifier": stable_id(slug, ladder["code"]),
                    "code": ladder["code"],
                    "title": ladder["title"],
                    "description": ladder.get("description", ""),
                    "icon": ladder.get("icon", "star"),
                    "position": l_pos,
                    "steps": steps,
                }
            )
        strands.append(
            {
                "identifier": stable_id(slug, strand["code"]),
                "code": strand["code"],
                "title": strand["title"],
                "description": strand.get("description", ""),
                "colour": strand["colour"],
                "icon": strand.get("icon", "star"),
                "position": s_pos,
                "ladders": ladders,
            }
        )
    return {
        "slug": slug,
        "identifier": stable_id(slug),
        "title": raw["title"],
        "description": raw.get("description", ""),
        "strands": strands,
    }
