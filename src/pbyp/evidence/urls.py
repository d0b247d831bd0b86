from django.urls import path

from pbyp.evidence import views

urlpatterns = [
    path("evidence/new/<int:step_id>/", views.evidence_new, name="evidence_new"),
    path("evidence/<int:evidence_id>/", views.evidence_detail, name="evidence_detail"),
    path("evidence/<int:evidence_id>/again/", views.evidence_again, name="evidence_again"),
    path("evidence/<int:evidence_id>/gallery/", views.gallery_choice, name="gallery_choice"),
    path("files/<int:file_id>/", views.evidence_file, name="evidence_file"),
    path(
        "files/<int:file_id>/thumbnail/",
        views.evidence_file,
        {"thumbnail": True},
        name="evidence_thumbnail",
    ),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("assess/", views.queue, name="queue"),
    path("assess/<int:evidence_id>/", views.assess, name="assess"),
    path("notifications/", views.notifications, name="notifications"),
]
