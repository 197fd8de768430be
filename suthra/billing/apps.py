from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "suthra.billing"
    label = "billing"

    def ready(self) -> None:
        # Bill and payment files plug into the shared import machinery.
        from suthra.billing.importing import BillImport, LegacyBillImport, PaymentImport
        from suthra.imports import registry

        registry.register(BillImport())
        registry.register(PaymentImport())
        registry.register(LegacyBillImport())
