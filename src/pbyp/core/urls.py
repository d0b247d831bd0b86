from django.urls import path

from pbyp.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("ping/", views.ping, name="ping"),
    path("status/", views.status, name="status"),
    path("switch-school/", views.switch_school, name="switch_school"),
    path("operator/", views.operator_home, name="operator_home"),
    path("operator/schools/new/", views.school_new, name="school_new"),
    path("operator/schools/<int:school_id>/", views.operator_school, name="operator_school"),
]
