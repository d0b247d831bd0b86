from django.urls import path

from pbyp.assessment import monitoring_views as views

urlpatterns = [
    path("school/assessment/", views.assessment_monitoring, name="assessment_monitoring"),
    path(
        "school/assessment/figures.csv",
        views.assessment_figures_csv,
        name="assessment_figures_csv",
    ),
    path("tutor/assessors/", views.tutor_assessors, name="tutor_assessors"),
    path(
        "assessors/<int:membership_id>/suspend/",
        views.assessor_suspend,
        name="assessor_suspend",
    ),
]
