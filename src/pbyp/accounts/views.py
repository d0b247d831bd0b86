from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from pbyp.accounts.forms import SignInForm


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("password_change_done")


class WelcomeView(auth_views.PasswordResetConfirmView):
    """The link in an invitation or reset email: choose a password, then sign in."""

    template_name = "accounts/welcome.html"
    success_url = reverse_lazy("welcome_done")


class ForgotView(auth_views.PasswordResetView):
    """Staff and parents reset their own password by email; learners ask their teacher."""

    template_name = "accounts/forgot.html"
    email_template_name = "accounts/email/reset.txt"
    html_email_template_name = "accounts/email/reset.html"
    subject_template_name = "accounts/email/reset_subject.txt"
    success_url = reverse_lazy("forgot_sent")
