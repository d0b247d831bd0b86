from django.urls import include, path

urlpatterns = [
    path("", include("pbyp.accounts.urls")),
    path("", include("pbyp.core.urls")),
    path("", include("pbyp.schools.urls")),
    path("", include("pbyp.ladders.urls")),
    path("", include("pbyp.ladders.urls_interop")),
    path("", include("pbyp.ladders.urls_print")),
    path("", include("pbyp.evidence.urls")),
    path("", include("pbyp.assessment.urls")),
    path("", include("pbyp.assessment.urls_monitoring")),
    path("", include("pbyp.integrity.urls")),
]
