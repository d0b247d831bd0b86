from django import forms
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    username = forms.CharField(
        label="Username",
        help_text="Staff can use their email address.",
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}
        ),
    )
    error_messages = {
        "invalid_login": "That username and password don't match. Check them and try again. "
        "Passwords care about capital letters.",
        "inactive": "This account is switched off. Ask your school to switch it back on.",
    }
