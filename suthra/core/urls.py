from django.urls import path

from suthra.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("install/", views.install, name="install"),
]
