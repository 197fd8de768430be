from django.urls import path

from suthra.reports import views

app_name = "reports"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("", views.index, name="index"),
    path("collection/", views.report_collection, name="collection"),
    path("aging/", views.report_aging, name="aging"),
    path("defaulters/", views.report_defaulters, name="defaulters"),
    path("consumers/", views.report_consumers, name="consumers"),
    path("staff/", views.report_staff, name="staff"),
    path("adjustments/", views.report_adjustments, name="adjustments"),
    path("export/", views.export, name="export"),
    path("export/<uuid:token>/", views.export_status, name="export_status"),
    path("export/<uuid:token>/download/", views.export_download, name="export_download"),
]
