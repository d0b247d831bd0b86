"""Create forms that save once, however often they are sent (double clicks, resends)."""

import secrets
from functools import wraps

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect

from pbyp.core.models import FormSubmission

FIELD = "form_token"


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


def save_once(view):
    """For POST views that create something and redirect on success.

    The form carries a hidden one-time token (`{% form_token %}`). The first request with it runs
    the view inside one transaction together with the token's row; a repeat is redirected to the
    first one's result instead of creating a second copy. An invalid form rolls the token back so
    the corrected form can be sent again.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        token = request.POST.get(FIELD, "") if request.method == "POST" else ""
        if not token or len(token) > 40:
            return view(request, *args, **kwargs)
        try:
            with transaction.atomic():
                submission = FormSubmission.objects.create(token=token, user=request.user)
                response = view(request, *args, **kwargs)
                if isinstance(response, HttpResponseRedirect):
                    submission.result_url = response.url
                    submission.save(update_fields=["result_url"])
                else:
                    transaction.set_rollback(True)
                return response
        except IntegrityError:
            done = FormSubmission.objects.filter(token=token, user=request.user).first()
            if done is None:
                raise
            messages.info(request, "That was already saved: you only need to send it once.")
            return HttpResponseRedirect(done.result_url or request.path)

    return wrapper
