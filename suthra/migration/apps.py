from django.apps import AppConfig


class MigrationConfig(AppConfig):
    name = "suthra.migration"
    label = "migration"
    verbose_name = "Legacy migration"
