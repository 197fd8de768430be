from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "suthra.units"
    label = "units"

    def ready(self) -> None:
        # Survey files (new or corrected units) plug into the shared import machinery.
        from suthra.imports import registry
        from suthra.units.importer import UnitImport

        registry.register(UnitImport())
