from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "pbyp.evidence"
    label = "evidence"
    verbose_name = "Evidence, assessment and galleries"
