from django.urls import path

from pbyp.schools import views

urlpatterns = [
    path("me/", views.learner_home, name="learner_home"),
    path("parent/", views.parent_home, name="parent_home"),
    path("learners/<int:membership_id>/", views.learner_detail, name="learner_detail"),
    path("tutor/", views.tutor_home, name="tutor_home"),
    path("groups/<int:group_id>/", views.group_detail, name="group_detail"),
    path("school/", views.school_overview, name="school_overview"),
    path("school/settings/", views.school_settings, name="school_settings"),
    path("school/calendar/", views.school_calendar, name="school_calendar"),
    path("school/calendar/add/", views.calendar_period_edit, name="calendar_period_add"),
    path("school/calendar/fill/", views.calendar_fill, name="calendar_fill"),
    path(
        "school/calendar/<int:period_id>/", views.calendar_period_edit, name="calendar_period_edit"
    ),
    path(
        "school/calendar/<int:period_id>/delete/",
        views.calendar_period_delete,
        name="calendar_period_delete",
    ),
    path("school/staff/", views.staff_list, name="staff_list"),
    path("school/staff/add/", views.staff_add, name="staff_add"),
    path("school/staff/<int:membership_id>/", views.staff_edit, name="staff_edit"),
    path("school/learners/", views.learner_list, name="learner_list"),
    path("school/learners/add/", views.learner_add, name="learner_add"),
    path("school/learners/<int:membership_id>/", views.learner_edit, name="learner_edit"),
    path(
        "school/learners/<int:membership_id>/passphrase/",
        views.learner_passphrase,
        name="learner_passphrase",
    ),
    path("school/groups/", views.group_list, name="group_list"),
    path("school/groups/add/", views.group_edit, name="group_add"),
    path("school/groups/<int:group_id>/", views.group_edit, name="group_edit"),
    path("school/parents/", views.parent_list, name="parent_list"),
    path("school/parents/add/", views.parent_add, name="parent_add"),
    path("school/parents/<int:link_id>/remove/", views.parent_remove, name="parent_remove"),
]
