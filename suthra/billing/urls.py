from django.urls import path

from suthra.billing import views

app_name = "billing"
urlpatterns = [
    path("bills/", views.bills, name="bills"),
    path("bills/export.csv", views.bills_export, name="bills_export"),
    path("bills/bulk/", views.bulk, name="bulk"),
    path("bills/<int:psid>/payment/", views.payment, name="payment"),
    path("payments/", views.payments, name="payments"),
    path("payments/exceptions/", views.exceptions, name="exceptions"),
    path(
        "payments/exceptions/<int:pk>/resolve/", views.exception_resolve, name="exception_resolve"
    ),
    path("units/<int:pk>/ledger/", views.ledger, name="ledger"),
    path("ledger-check/", views.ledger_check, name="ledger_check"),
    path("ledger-check/uc/<int:pk>/", views.ledger_check, name="ledger_check_uc"),
]
urlpatterns += [
    path("adjustments/", views.adjustment_list, name="adjustments"),
    path("adjustments/<int:pk>/", views.adjustment_detail, name="adjustment"),
    path("adjustments/<int:pk>/decide/", views.adjustment_decide, name="adjustment_decide"),
    path("adjustments/<int:pk>/proof/", views.adjustment_proof, name="adjustment_proof"),
    path("bills/<int:psid>/adjust/", views.adjustment_new, name="adjustment_new"),
    path("units/<int:pk>/adjust/", views.adjustment_unit, name="adjustment_unit"),
]
