"""The API docs page renders Swagger UI from local static files under the site's CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect


@pytest.mark.django_db(transaction=True)
def test_staff_open_api_docs_and_try_an_endpoint(desktop, live_server, world, login_as):
    csp_errors: list[str] = []
    external: list[str] = []
    desktop.on(
        "console",
        lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )

    def _request(req):  # no CDN: every request goes to our own server
        if not req.url.startswith((live_server.url, "data:", "blob:")):
            external.append(req.url)

    desktop.on("request", _request)
    login_as(desktop, world.supervisor)
    desktop.goto("/api/v1/docs")
    expect(desktop.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(desktop.locator(".swagger-ui")).to_contain_text("/api/v1/units")
    # "Try it out" on GET /me runs with the logged-in session.
    block = desktop.locator("#operations-me-me")
    block.locator(".opblock-summary").click()
    block.locator("button.try-out__btn").click()
    block.locator("button.execute").click()
    expect(block.locator(".live-responses-table tbody .response-col_status").first).to_contain_text(
        "200"
    )
    assert not csp_errors, csp_errors
    assert not external, external
