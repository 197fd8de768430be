"""One helper decides between the full page and the partial for htmx requests."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render ``template``; for an htmx request render ``partial`` (default: ``_`` + name)."""
    if is_htmx(request):
        if partial is None:
            folder, _, name = template.rpartition("/")
            partial = f"{folder}/_{name}" if folder else f"_{name}"
        return render(request, partial, context, status=status)
    return render(request, template, context, status=status)
