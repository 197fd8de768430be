"""The API tokens pages: each user creates and revokes their own tokens; HEAD sees everyone's."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from suthra.accounts.decorators import role_required
from suthra.accounts.models import Role
from suthra.api import selectors, services
from suthra.api.forms import TokenCreateForm
from suthra.core.audit import client_ip


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """My tokens, and a form to create one. The new token is shown once, in this response only."""
    form = TokenCreateForm(request.POST or None)
    created: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.token_create(
                user=request.user, name=form.cleaned_data["name"], ip=client_ip(request)
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            created = {"token": token, "raw": raw}
            form = TokenCreateForm()
    context = {
        "form": form,
        "created": created,
        "tokens": selectors.token_list(actor=request.user),
        "everyone": False,
    }
    return render(request, "api/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of my tokens (HEAD: anyone's). Someone else's token is a 404."""
    token = selectors.token_get(actor=request.user, pk=pk)
    services.token_revoke(actor=request.user, token=token, ip=client_ip(request))
    messages.success(request, _("Token %(prefix)s… revoked.") % {"prefix": token.prefix})
    if request.POST.get("next") == "all" and request.user.at_least("HEAD"):  # type: ignore[union-attr]
        return redirect("api_tokens:all")
    return redirect("api_tokens:list")


@never_cache
@role_required(Role.HEAD)
@require_http_methods(["GET"])
def tokens_all(request: HttpRequest) -> HttpResponse:
    """Every user's tokens, newest first, for the head office to review and revoke."""
    qs = selectors.token_list(actor=request.user, everyone=True)[:500]
    return render(
        request, "api/tokens.html", {"tokens": qs, "everyone": True, "form": None, "created": None}
    )
