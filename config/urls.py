from django.contrib import admin
from django.urls import include, path

from suthra.accounts.views import admin_login_redirect

urlpatterns = [
    path("", include("suthra.core.urls")),
    path("", include("suthra.pwa.urls")),
    path("accounts/", include("suthra.accounts.urls")),
    path("units/", include("suthra.units.urls")),
    path("billing/", include("suthra.billing.urls")),
    path("imports/", include("suthra.imports.urls")),
    path("tickets/", include("suthra.tickets.urls")),
    path("visits/", include("suthra.visits.urls")),
    path("cash/", include("suthra.cash.urls")),
    path("notifications/", include("suthra.notifications.urls")),
    path("reports/", include("suthra.reports.urls")),
    path("sms/", include("suthra.sms.urls")),
    path("", include("suthra.consumers.urls")),
    path("api/v1/", include("suthra.api.urls")),
    path("api-tokens/", include("suthra.api.token_urls")),
    # The admin signs in through the staff login (its rate limits, lockout, two-factor, audit).
    path("admin/login/", admin_login_redirect),
    path("admin/", admin.site.urls),
]

# A 400 names the bad parameter (see suthra/core/validators.py); other errors use templates/.
handler400 = "suthra.core.errors.bad_request"
