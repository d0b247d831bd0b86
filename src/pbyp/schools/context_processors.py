from django.urls import reverse


def navigation(request):
    """The menu: one entry per place the person's roles open, in the order they'd use them."""
    ctx = getattr(request, "ctx", None)
    if ctx is None or ctx.user is None:
        return {"nav": []}
    items = []
    if ctx.is_learner:
        items += [
            ("learner_home", "Home", "🏠"),
            ("my_ladders", "My ladders", "🪜"),
            ("portfolio", "My work", "🗂️"),
            ("peer_home", "Check work", "🧐"),
        ]
    if ctx.is_staff:
        items += [
            ("tutor_home", "My groups", "👥"),
            ("queue", "Assess", "✅"),
            ("progress", "Progress", "📊"),
        ]
    if ctx.is_manager:
        items += [("school_overview", "School", "🏫"), ("framework_list", "Frameworks", "🗂️")]
    if ctx.is_parent:
        items.append(("parent_home", "My children", "👪"))
    if ctx.is_operator:
        items.append(("operator_home", "Schools", "🌍"))
    path = request.path
    nav = [
        {
            "url": reverse(name),
            "label": label,
            "icon": icon,
            "current": path.startswith(reverse(name)),
        }
        for name, label, icon in items
    ]
    return {"nav": nav}
