"""``/api/v1/``: the JSON API (its URL names are in the "api" namespace)."""

from django.urls import path

from suthra.api.api import api

urlpatterns = [path("", api.urls)]
