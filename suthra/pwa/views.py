"""The phone app: service worker, web manifest, offline page, offline-visit queue, language."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_GET, require_POST

from suthra.pwa.services import staff_set_language

# Files every page needs, cached when the service worker installs (≈80 KB before compression).
SHELL_STATIC = [
    "css/app.css",
    "vendor/htmx.min.js",
    "vendor/idb-keyval.umd.js",
    "js/offline-queue.js",
    "js/pwa.js",
    "js/phone.js",
    "pwa/icon-192.png",
    # Urdu names and the language switch appear on every page, online and offline.
    "fonts/urdu.css",
    "fonts/noto-naskh-arabic/noto-naskh-arabic-arabic-400-normal.woff2",
]
SW_SOURCE = "js/pwa-sw.js"


def _url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _sw_config() -> dict[str, Any]:
    worklist = _url_or_none("visits:worklist")
    # Pages kept for offline use: the worklist and the visit pages it links to (same app prefix).
    prefixes = [worklist.rstrip("/").rsplit("/", 1)[0] + "/"] if worklist else []
    # The cash collection form the worklist links to (field cash, suthra.cash), too.
    collect = _url_or_none("cash:book")
    if collect:
        prefixes.append(collect + "collect/")
    exact = [p for p in (reverse("core:home"), reverse("pwa:queue"), worklist) if p]
    return {
        "precache": [static(path) for path in SHELL_STATIC] + [reverse("pwa:offline")],
        "staticPrefix": settings.STATIC_URL,
        "pageExact": exact,
        "pagePrefixes": prefixes,
        "offlineUrl": reverse("pwa:offline"),
        "loginPath": reverse(settings.LOGIN_URL),
        "logoutPath": _url_or_none("accounts:logout") or "",
        "staticCacheFirst": not settings.DEBUG,
    }


def _build_sw() -> str:
    config = _sw_config()
    source_path = finders.find(SW_SOURCE)
    source = open(source_path, encoding="utf-8").read() if source_path else ""  # noqa: SIM115
    # The version changes whenever a cached file changes, so phones fetch the new shell.
    digest = hashlib.sha256(source.encode())
    for path in SHELL_STATIC:
        found = finders.find(path)
        if found:
            with open(found, "rb") as fh:
                digest.update(fh.read())
    digest.update(json.dumps(config, sort_keys=True).encode())
    config["version"] = digest.hexdigest()[:12]
    return f"const SUTHRA_SW = {json.dumps(config)};\n{source}"


_build_sw_cached = functools.lru_cache(maxsize=1)(_build_sw)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker script, served from the site root so its scope is the whole site."""
    body = _build_sw() if settings.DEBUG else _build_sw_cached()
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    # Browsers re-check the worker at most daily anyway; never let a proxy keep an old one.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest (makes the site installable from Chrome on Android)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    data = {
        "id": "/",
        "name": _("Suthra Punjab Billing"),
        "short_name": _("Suthra"),
        "description": _("Sanitation fee bills, payments and field visits."),
        "lang": language,
        "dir": "rtl" if translation.get_language_bidi() else "ltr",
        "start_url": reverse("core:home"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b6e4f",
        "icons": [
            {"src": static("pwa/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("pwa/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("pwa/icon-maskable-192.png"),
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "maskable",
            },
            {
                "src": static("pwa/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """Shown by the service worker for a page that is not saved on the phone.

    Rendered as for a visitor (no name, no menu) because the service worker keeps it for everyone
    who uses the phone; it is written in both languages for the same reason.
    """
    request.user = AnonymousUser()
    return render(request, "pwa/offline.html")


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Visits and cash receipts saved on this phone: waiting to be sent, and sent. The list
    itself lives in the phone's storage (IndexedDB) and is drawn by static/js/pwa.js."""
    return render(request, "pwa/queue.html")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language: saved on the profile when logged in, and in a cookie
    (so the login page follows too). Redirects back to ``next``."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        staff_set_language(staff=request.user, language=language)  # type: ignore[arg-type]
    return response
