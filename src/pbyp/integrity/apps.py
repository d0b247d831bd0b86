from django.apps import AppConfig


class IntegrityConfig(AppConfig):
    name = "pbyp.integrity"
    label = "integrity"
    verbose_name = "Integrity checks"
