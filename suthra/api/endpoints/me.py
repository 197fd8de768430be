"""Who am I: the caller's role and the union councils they may work in."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from suthra.accounts import scope
from suthra.api.schemas import responses

router = Router(tags=["me"])


class UcOut(Schema):
    id: int
    name: str
    city_id: int
    city: str


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    role: str
    sees_everything: bool
    ucs: list[UcOut]
    token: str | None


@router.get("/me", response=responses(MeOut), operation_id="me")
def me(request: HttpRequest) -> dict[str, Any]:
    """The caller, their role and their union councils (all of them for head office)."""
    user: Any = request.user
    api_token: Any = getattr(request, "api_token", None)
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "sees_everything": scope.sees_everything(user),
        "ucs": [
            {"id": uc.id, "name": uc.name, "city_id": uc.city_id, "city": uc.city.name}
            for uc in scope.visible_ucs(user)
        ],
        "token": api_token.prefix if api_token is not None else None,
    }
