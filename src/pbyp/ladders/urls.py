from django.urls import path

from pbyp.ladders import views

urlpatterns = [
    path("ladders/", views.my_ladders, name="my_ladders"),
    path("ladders/next/", views.next_steps, name="next_steps"),
    path("ladders/<uuid:identifier>/", views.ladder_page, name="ladder"),
    path("targets/choose/", views.target_choose, name="target_choose"),
    path("targets/<int:target_id>/drop/", views.target_drop, name="target_drop"),
    path("progress/", views.progress, name="progress"),
    path("progress/baselines/", views.baselines, name="baselines"),
    path("frameworks/", views.framework_list, name="framework_list"),
    path("frameworks/new/", views.framework_new, name="framework_new"),
    path("frameworks/<int:framework_id>/", views.framework_detail, name="framework_detail"),
    path("frameworks/<int:framework_id>/draft/", views.framework_draft, name="framework_draft"),
    path(
        "frameworks/<int:framework_id>/publish/", views.framework_publish, name="framework_publish"
    ),
    path("frameworks/<int:framework_id>/strands/add/", views.strand_edit, name="strand_add"),
    path("frameworks/strands/<int:strand_id>/", views.strand_edit, name="strand_edit"),
    path("frameworks/<int:framework_id>/ladders/add/", views.ladder_edit, name="ladder_add"),
    path("frameworks/ladders/<int:ladder_id>/", views.ladder_edit, name="ladder_edit"),
    path("frameworks/steps/<int:step_id>/", views.step_edit, name="step_edit"),
]
