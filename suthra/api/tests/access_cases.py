"""The API tokens pages in the access matrix (see suthra/testing/access.py).

The JSON API itself (namespace "api:") is exempt there: suthra/api/tests check every endpoint
per role and scope, with tokens and sessions.
"""

from __future__ import annotations

from typing import Any

from suthra.testing.access import Case


def _head_token(world: Any) -> dict[str, Any]:
    from suthra.api.services import token_create

    token, _raw = token_create(user=world.head, name="matrix")
    return {"pk": token.pk}


CASES = [
    Case("api_tokens:list", "ANY"),
    Case("api_tokens:list", "ANY", method="post", data={"name": "phone"}),
    Case("api_tokens:all", "HEAD", denied=(403,)),
    # Someone else's token is a 404 except for HEAD; exact cases in tests/test_token_pages.py.
    Case(
        "api_tokens:revoke",
        "ANY",
        obj=_head_token,
        method="post",
        scoped=False,
        ok=(302, 404),
        note="owner or HEAD: 302; anybody else: 404",
    ),
]
