from django import template

register = template.Library()

ICONS = {
    "search": "🔍", "lightbulb": "💡", "mirror": "🪞", "people": "👥", "clock": "⏰",
    "megaphone": "📣", "puzzle": "🧩", "map": "🗺️", "book": "📖", "heart": "❤️", "star": "⭐",
    "flag": "🚩", "compass": "🧭", "chat": "💬", "tools": "🛠️", "leaf": "🍃", "globe": "🌍",
    "target": "🎯", "palette": "🎨", "question": "❓", "shield": "🛡️", "handshake": "🤝",
    "calendar": "📅", "microphone": "🎤",
}


@register.filter
def icon(name: str) -> str:
    """The picture for a strand's or ladder's icon name (always shown beside words)."""
    return ICONS.get(name, "⭐")
