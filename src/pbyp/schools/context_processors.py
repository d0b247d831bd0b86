from django.urls import reverse


def navigation(request):
    """The menu: one entry per place the person's roles open, in the order they'd use them."""
    ctx = getattr(request, "ctx", None)
    if ctx is None or ctx.user is None:
        return {"nav": []}
    items = []
    if ctx.is_learner:
        items.append(("learner_home", "My learning", "🪜"))
    if ctx.is_staff:
        items.append(("tutor_home", "My groups", "👥"))
    if ctx.is_manager:
        items += [("school_overview", "School", "🏫"), ("learner_list", "Learners", "🎒")]
    if ctx.is_parent:
        items.append(("parent_home", "My children", "🏠"))
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
