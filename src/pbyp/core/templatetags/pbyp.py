from django import template
from django.utils.html import format_html

from pbyp.core.forms import FIELD, new_form_token

register = template.Library()


@register.simple_tag(takes_context=True)
def form_token(context):
    """The hidden one-time token of a create form; a re-rendered form keeps the token it was sent
    with, so correcting a mistake and sending again still saves once."""
    request = context.get("request")
    token = request.POST.get(FIELD) if request is not None and request.method == "POST" else None
    return format_html(
        '<input type="hidden" name="{}" value="{}">', FIELD, token or new_form_token()
    )
