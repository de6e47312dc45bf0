from django.apps import AppConfig


class CareTeamsConfig(AppConfig):
    name = "careteams"
    verbose_name = "Care teams"
