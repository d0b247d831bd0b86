from django.urls import path

from pbyp.ladders import interop_views

urlpatterns = [
    path("frameworks/import/", interop_views.framework_import, name="framework_import"),
    path(
        "frameworks/<int:framework_id>/export/case.json",
        interop_views.framework_export_case,
        name="framework_export_case",
    ),
    path(
        "frameworks/<int:framework_id>/export/steps.csv",
        interop_views.framework_export_csv,
        name="framework_export_csv",
    ),
]
