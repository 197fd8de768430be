from django.urls import path

from suthra.cash import views

app_name = "cash"
urlpatterns = [
    path("", views.book, name="book"),
    path("collect/<int:unit_pk>/", views.collect, name="collect"),
    path("receipts/<int:pk>/", views.receipt, name="receipt"),
    path("receipts/<int:pk>/print/", views.receipt_print, name="receipt_print"),
    path("receipts/<int:pk>/cancel/", views.receipt_cancel, name="receipt_cancel"),
    path("blocks/", views.block_reserve, name="blocks"),
    path("handover/", views.handover_new, name="handover_new"),
    path("handovers/", views.handovers, name="handovers"),
    path("handovers/<int:pk>/confirm/", views.handover_confirm, name="handover_confirm"),
    path("handovers/<int:pk>/slip/", views.handover_slip, name="handover_slip"),
    path("report/", views.report, name="report"),
]
