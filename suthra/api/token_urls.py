"""``/api-tokens/``: the pages where staff manage their API tokens (in the access matrix)."""

from django.urls import path

from suthra.api import views

app_name = "api_tokens"
urlpatterns = [
    path("", views.tokens, name="list"),
    path("all/", views.tokens_all, name="all"),
    path("<int:pk>/revoke/", views.token_revoke, name="revoke"),
]
