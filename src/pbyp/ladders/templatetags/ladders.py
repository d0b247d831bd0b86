from django import template
from django.utils.safestring import mark_safe

register = template.Library()

ICONS = {
    "search": "🔍",
    "lightbulb": "💡",
    "mirror": "🪞",
    "people": "👥",
    "clock": "⏰",
    "megaphone": "📣",
    "puzzle": "🧩",
    "map": "🗺️",
    "book": "📖",
    "heart": "❤️",
    "star": "⭐",
    "flag": "🚩",
    "compass": "🧭",
    "chat": "💬",
    "tools": "🛠️",
    "leaf": "🍃",
    "globe": "🌍",
    "target": "🎯",
    "palette": "🎨",
    "question": "❓",
    "shield": "🛡️",
    "handshake": "🤝",
    "calendar": "📅",
    "microphone": "🎤",
}


@register.filter
def icon(name: str) -> str:
    """The picture for a strand's or ladder's icon name (always shown beside words)."""
    return ICONS.get(name, "⭐")


@register.filter
def level_cells(levels) -> str:
    """A progress-grid row's cells. Built in Python: a 40 × 24 grid is ~1,000 cells, which the
    template language renders several times slower. Only integers go in, so nothing to escape."""
    return mark_safe("".join(f'<td class="lvl lvl-{n:d}">{n:d}</td>' for n in levels))  # noqa: S308


@register.filter
def mini_ladder(view) -> str:
    """A small ladder: nine rungs (9 at the top), the learner's place on it. Only integers and
    fixed words go in, so nothing to escape."""
    rungs = []
    for r in reversed(view.rungs):
        state = "done" if r.done else "next" if r.is_next else ""
        rungs.append(
            f'<li class="{state}"><span class="visually-hidden">Step {r.step.level:d}'
            f"{': ' + state if state else ''}</span></li>"
        )
    return mark_safe(  # noqa: S308
        f'<ol class="mini-ladder" reversed aria-label="Level {view.level:d} of 9">'
        f"{''.join(rungs)}</ol>"
    )
