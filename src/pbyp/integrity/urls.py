from django.urls import path

from pbyp.integrity import views

urlpatterns = [
    path("assess/flags/", views.flags, name="flags"),
    path("assess/flags/<int:flag_id>/", views.flag_detail, name="flag_detail"),
    path("school/integrity/", views.integrity_figures, name="integrity_figures"),
]
