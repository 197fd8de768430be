from django.contrib import admin

from suthra.locations.models import City, UnionCouncil


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "name_ur", "lat", "lon"]
    search_fields = ["name"]


@admin.register(UnionCouncil)
class UnionCouncilAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "type"]
    list_filter = ["city", "type"]
    search_fields = ["name"]
