"""The phone app: installable, works offline, light on a slow network."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect


def sw_ready(page) -> str:
    """Wait for the service worker to control the page; returns its script URL."""
    return page.evaluate(
        """async () => {
            const reg = await navigator.serviceWorker.ready;
            if (!navigator.serviceWorker.controller) {
                await new Promise((resolve) =>
                    navigator.serviceWorker.addEventListener("controllerchange", resolve));
            }
            return reg.active.scriptURL;
        }"""
    )


@pytest.mark.django_db(transaction=True)
def test_install_criteria_manifest_and_service_worker(phone, world, login_as, screenshot):
    login_as(phone, world.agent_a)
    href = phone.get_attribute("link[rel=manifest]", "href")
    manifest = phone.evaluate(
        "async (href) => (await fetch(href, {credentials: 'include'})).json()", href
    )
    assert manifest["name"] and manifest["short_name"]
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        status = phone.evaluate("async (src) => (await fetch(src)).status", icon["src"])
        assert status == 200, icon["src"]
    assert phone.get_attribute("meta[name=theme-color]", "content")
    assert sw_ready(phone).endswith("/sw.js")
    scope = phone.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    assert scope == phone.url.split("/", 3)[0] + "//" + phone.url.split("/", 3)[2] + "/"
    screenshot(phone, "pwa-home")


@pytest.mark.django_db(transaction=True)
def test_a_page_not_kept_shows_the_offline_page(phone, world, login_as):
    login_as(phone, world.agent_a)
    sw_ready(phone)
    phone.reload()
    phone.context.set_offline(True)
    try:
        phone.goto("/units/not-kept-offline/")
        expect(phone.locator("h1").first).to_contain_text("You are offline")
        expect(phone.locator("[lang=ur] h1")).to_contain_text("آف لائن")
    finally:
        phone.context.set_offline(False)
