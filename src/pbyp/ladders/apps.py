from django.apps import AppConfig


class LaddersConfig(AppConfig):
    name = "pbyp.ladders"
    label = "ladders"
    verbose_name = "Frameworks, ladders and targets"
