"""The location hierarchy: City (tehsil/district) → Union Council (UC)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class City(models.Model):
    """A city / tehsil (the seed's ``city_district``)."""

    id = models.SmallAutoField(primary_key=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    name_ur = models.CharField(_("name (Urdu)"), max_length=60, blank=True)
    # Map centre for the city, used for the UC map and for generated demo data.
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "cities"

    def __str__(self) -> str:
        return self.name


class UnionCouncil(models.Model):
    """A union council, the unit of field work (the seed's ``uc_name`` / ``uc_type``)."""

    class Type(models.IntegerChoices):
        URBAN = 1, _("Urban")
        RURAL = 2, _("Rural")

    id = models.SmallAutoField(primary_key=True)
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="ucs")
    name = models.CharField(_("name"), max_length=80)
    type = models.PositiveSmallIntegerField(_("type"), choices=Type.choices, default=Type.URBAN)

    class Meta:
        ordering = ["city__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="uc_unique_name_in_city"),
        ]

    def __str__(self) -> str:
        return self.name
