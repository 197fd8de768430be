"""Consumer units (the seed's ``survey_units``) and what they pay by business type and size."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from suthra.accounts.scope import ScopedQuerySet
from suthra.locations.models import UnionCouncil


class SizeCategory(models.IntegerChoices):
    SMALL = 1, _("Small")
    MEDIUM = 2, _("Medium")
    LARGE = 3, _("Large")


class HouseType(models.IntegerChoices):
    UNKNOWN = 0, _("Unknown")
    SHOP = 1, _("Shop")
    PLAZA = 2, _("Plaza")
    SHED = 3, _("Shed")
    HOUSE = 4, _("House")
    KIOSK = 5, _("Kiosk")
    OTHER = 9, _("Other")


class WaterConnection(models.IntegerChoices):
    UNKNOWN = 0, _("Unknown")
    NO = 1, _("No")
    YES = 2, _("Yes")
    WASA = 3, _("WASA")
    PRIVATE_BORE = 4, _("Private Bore")


class BusinessType(models.Model):
    """A kind of business (the seed's ``unit_specific_type``: Barber, Bakery, ...)."""

    id = models.SmallAutoField(primary_key=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    name_ur = models.CharField(_("name (Urdu)"), max_length=60, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tariff(models.Model):
    """The monthly fee (whole rupees) of a business type in a size category."""

    id = models.SmallAutoField(primary_key=True)
    business_type = models.ForeignKey(
        BusinessType, on_delete=models.CASCADE, related_name="tariffs"
    )
    category = models.PositiveSmallIntegerField(choices=SizeCategory.choices)
    monthly_fee = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business_type", "category"], name="tariff_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.business_type} / {self.get_category_display()}: Rs {self.monthly_fee}"


def shown_name_expression() -> Coalesce:
    """The name a unit is shown under (``billing_name_effective``) as a query expression: the
    sort "by name" sorts by it, through the index of the same expression."""
    return Coalesce(NullIf(models.F("billing_name"), models.Value("")), models.F("consumer_name"))


class SurveyUnitQuerySet(ScopedQuerySet["SurveyUnit"]):
    UC_PATH = "uc"


class SurveyUnit(models.Model):
    """A surveyed consumer unit (shop, house, business).

    Billing name/mobile/address are stored only where they differ from the surveyed ones (blank
    means "same as survey"); use the ``billing_*_effective`` properties to read them.
    ``gps_full_string`` of the old data is not stored: it is ``lat,lon``.
    """

    # Unique through ``unit_survey_id_unique`` below: ``unique=True`` on a CharField would make
    # Django add a second, ``varchar_pattern_ops`` index for LIKE 'prefix%' that nothing uses.
    survey_id = models.CharField(_("survey id"), max_length=20)
    # Indexed by the (uc, consumer_name, id) index below (uc first serves every UC filter).
    uc = models.ForeignKey(
        UnionCouncil, on_delete=models.PROTECT, related_name="units", db_index=False
    )
    surveyor_name = models.CharField(_("surveyor"), max_length=80, blank=True)
    surveyed_at = models.DateTimeField(_("survey time"), null=True, blank=True)
    # No index: units are always filtered by business type inside a UC, and the only lookup
    # by business type alone is the PROTECT check when one is deleted (rare, 15 types).
    business_type = models.ForeignKey(
        BusinessType,
        on_delete=models.PROTECT,
        related_name="units",
        verbose_name=_("business type"),
        db_index=False,
    )
    category = models.PositiveSmallIntegerField(_("size category"), choices=SizeCategory.choices)
    consumer_name = models.CharField(_("consumer name (survey)"), max_length=120)
    billing_name = models.CharField(_("billing name"), max_length=120, blank=True)
    # Mobiles are stored normalised as 11 digits "03XXXXXXXXX" (see core/phone.py).
    mobile = models.CharField(_("mobile (survey)"), max_length=11, blank=True)
    billing_mobile = models.CharField(_("billing mobile"), max_length=11, blank=True)
    address = models.CharField(_("address (survey)"), max_length=255, blank=True)
    billing_address = models.CharField(_("billing address"), max_length=255, blank=True)
    house_type = models.PositiveSmallIntegerField(
        _("house type"), choices=HouseType.choices, default=HouseType.UNKNOWN
    )
    water_connection = models.PositiveSmallIntegerField(
        _("water connection"), choices=WaterConnection.choices, default=WaterConnection.UNKNOWN
    )
    size_marla = models.DecimalField(
        _("size (marla)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    lat = models.FloatField(_("GPS latitude"), null=True, blank=True)
    lon = models.FloatField(_("GPS longitude"), null=True, blank=True)
    # A storage key, or the legacy portal URL until the photo is moved into storage.
    photo_ref = models.CharField(_("photo"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = SurveyUnitQuerySet.as_manager()

    class Meta:
        ordering = ["survey_id"]
        indexes = [
            # The browser's default order (the name it shows: billing name, else the surveyed
            # name) and its keyset pages: an index range scan of one page, instead of sorting
            # all of a UC's units on every page view. It also serves every other filter on
            # the UC (a UC has about 3,000 units; the other sorts read them all anyway), so
            # there is no separate (uc, id) index.
            models.Index(
                models.F("uc"), shown_name_expression(), models.F("id"), name="unit_uc_shown_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["survey_id"], name="unit_survey_id_unique"),
            models.CheckConstraint(
                condition=models.Q(lat__isnull=True) | models.Q(lat__gte=-90, lat__lte=90),
                name="unit_lat_range",
            ),
            models.CheckConstraint(
                condition=models.Q(lon__isnull=True) | models.Q(lon__gte=-180, lon__lte=180),
                name="unit_lon_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} {self.billing_name_effective}"

    @property
    def billing_name_effective(self) -> str:
        return self.billing_name or self.consumer_name

    @property
    def billing_mobile_effective(self) -> str:
        return self.billing_mobile or self.mobile

    @property
    def billing_address_effective(self) -> str:
        return self.billing_address or self.address

    @property
    def gps_full_string(self) -> str:
        return f"{self.lat},{self.lon}" if self.lat is not None and self.lon is not None else ""
