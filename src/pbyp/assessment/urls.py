from django.urls import path

from pbyp.assessment import views

urlpatterns = [
    path("peer/", views.peer_home, name="peer_home"),
    path("peer/next/", views.peer_next, name="peer_next"),
    path("peer/review/<int:review_id>/", views.peer_review, name="peer_review"),
    path("peer/review/<int:review_id>/return/", views.peer_return, name="peer_return"),
    path("assess/spot-checks/", views.spot_checks, name="spot_checks"),
    path("assess/spot-checks/<int:check_id>/", views.spot_check, name="spot_check"),
]
