from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "pbyp.schools"
    label = "schools"
    verbose_name = "Schools and people"
