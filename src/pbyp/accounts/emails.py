"""Emails about accounts: one function per kind, text + HTML, sent from tasks (convention 9).

Emails carry links, never children's personal content.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from pbyp.accounts.models import User
from pbyp.schools.models import School


def _send(*, to: str, subject: str, template: str, context: dict) -> None:
    context = {**context, "site_url": settings.SITE_URL}
    text = render_to_string(f"accounts/email/{template}.txt", context)
    html = render_to_string(f"accounts/email/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def set_password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("welcome", kwargs={"uidb64": uid, "token": token})


@task()
def send_invite(*, user_id: int, school_id: int, role: str) -> None:
    """Tell a new staff member or parent they have a PbyP account, with a link to set a password."""
    user = User.objects.filter(pk=user_id).first()
    school = School.objects.filter(pk=school_id).first()
    if user is None or school is None or not user.email:
        return  # deleted since: nothing to send
    _send(
        to=user.email,
        subject=f"Your PbyP account at {school.name}",
        template="invite",
        context={
            "user": user,
            "school": school,
            "role": role,
            "link": set_password_link(user),
            "has_password": user.has_usable_password(),
        },
    )
