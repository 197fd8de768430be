"""Interface text of our own scripts under static/js, translated on the server and handed over
in a ``json_script`` element (``#js-strings``): the Content-Security-Policy forbids inline
scripts. ``{0}`` is filled in by the script. Lazy: each page gets the reader's language."""

from django.utils.translation import gettext_lazy as _

JS_STRINGS = {
    # static/js/visits.js
    "gps_none": _("This phone gives no GPS position; the visit will be flagged."),
    "gps_getting": _("Getting your GPS position…"),
    "gps_accuracy": _("GPS ± {0} m"),
    "gps_distance": _("{0} m from the unit"),
    "gps_failed": _("No GPS position ({0}). Step outside and press Retry GPS."),
    "gps_failed_short": _("No GPS position ({0})."),
    "gps_denied": _("location permission refused"),
    "gps_timeout": _("took too long"),
    "gps_unavailable": _("position not available"),
    "saving": _("Saving…"),
    # static/js/dashboard.js
    "billed": _("Billed"),
    "collected": _("Collected"),
    "rate": _("Rate %"),
    "collection_rate": _("Collection rate %"),
    "arrears": _("Arrears (Rs)"),
    # static/js/units_map.js
    "units_shown": _("{0} units shown"),
    "zoom_in": _("(zoom in to see all)"),
    "map_failed": _("Could not load the units; check the connection."),
}
