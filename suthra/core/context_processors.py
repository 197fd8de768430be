from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop

from suthra.core.js_strings import JS_STRINGS
from suthra.core.nav import nav_for

# Must equal the default of SITE_NAME in config/settings.py.
DEFAULT_SITE_NAME = gettext_noop("Suthra Punjab Billing")


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": site_name(),
        "nav_items": nav_for(user),
        "JS_STRINGS": JS_STRINGS,
    }


def site_name() -> str:
    """The configured name, in Urdu when it is the default one (a name set in SITE_NAME is
    shown as set)."""
    if settings.SITE_NAME == DEFAULT_SITE_NAME:
        return gettext(DEFAULT_SITE_NAME)
    return settings.SITE_NAME
