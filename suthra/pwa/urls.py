from django.urls import path

from suthra.pwa import views

app_name = "pwa"
urlpatterns = [
    # At the site root so the service worker's scope is the whole site.
    path("sw.js", views.service_worker, name="sw"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("offline/", views.offline, name="offline"),
    path("offline/queue/", views.queue, name="queue"),
    path("language/", views.set_language, name="language"),
]
