from django.urls import path

from suthra.units import views

app_name = "units"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("ucs/", views.uc_options, name="uc_options"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/photo/", views.photo, name="photo"),
    path("<int:pk>/billing/", views.edit_billing, name="edit_billing"),
    path("<int:pk>/active/", views.set_active, name="set_active"),
    path("uc/<int:uc>/bulk/", views.bulk, name="bulk"),
    path("uc/<int:uc>/map/", views.uc_map, name="map"),
    path("uc/<int:uc>/map/points/", views.map_points, name="map_points"),
]
