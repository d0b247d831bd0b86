from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "pbyp.assessment"
    label = "assessment"
    verbose_name = "Peer assessment, routing and spot checks"
