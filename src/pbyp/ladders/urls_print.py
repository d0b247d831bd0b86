"""Printables: PDFs of a ladder, a framework and a learner's record (see printables.py)."""

from django.urls import path

from pbyp.ladders import printables

urlpatterns = [
    path("ladders/<uuid:identifier>/poster.pdf", printables.ladder_poster, name="ladder_poster"),
    path(
        "frameworks/<int:framework_id>/planner.pdf",
        printables.framework_planner,
        name="framework_planner",
    ),
    path(
        "learners/<int:membership_id>/record.pdf", printables.learner_record, name="learner_record"
    ),
]
