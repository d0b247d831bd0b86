from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import TemplateView

from pbyp.accounts import views

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/password/done/",
        TemplateView.as_view(template_name="accounts/password_change_done.html"),
        name="password_change_done",
    ),
    path("account/welcome/<uidb64>/<token>/", views.WelcomeView.as_view(), name="welcome"),
    path(
        "account/welcome/done/",
        TemplateView.as_view(template_name="accounts/welcome_done.html"),
        name="welcome_done",
    ),
    path("account/forgot/", views.ForgotView.as_view(), name="forgot"),
    path(
        "account/forgot/sent/",
        TemplateView.as_view(template_name="accounts/forgot_sent.html"),
        name="forgot_sent",
    ),
]
