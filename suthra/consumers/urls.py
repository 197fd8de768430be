from django.urls import path

from suthra.consumers import views

app_name = "consumers"
urlpatterns = [
    path("bill/", views.public_lookup, name="lookup"),
    path("bill/pdf/", views.public_lookup_pdf, name="lookup_pdf"),
    path("consumers/bills/<int:psid>/pdf/", views.bill_pdf, name="bill_pdf"),
    path("consumers/units/<int:pk>/bill.pdf", views.unit_bill_pdf, name="unit_bill_pdf"),
    path("consumers/settings/", views.bill_settings, name="settings"),
    path("consumers/notices/", views.notices, name="notices"),
    path("consumers/notices/<int:pk>/", views.notice_batch, name="notice_batch"),
    path("consumers/notices/<int:pk>/pdf/", views.notice_batch_pdf, name="notice_batch_pdf"),
    path("consumers/notice/<int:pk>/pdf/", views.notice_pdf, name="notice_pdf"),
]
