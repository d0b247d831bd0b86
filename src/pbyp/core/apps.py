from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "pbyp.core"
    label = "core"
    verbose_name = "Platform"
