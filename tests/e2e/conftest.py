"""Browser journeys: Playwright for Python driving Debian's Chromium at a phone viewport.

Fixtures: ``browser`` (one per session), ``phone`` (a fresh page 360×740, touch, Urdu-capable),
``desktop`` (1280×800), and ``login_as(page, user)`` which fills the real login form.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from suthra.testing import TEST_PASSWORD

# A loaded CI machine (two suites, a worker, Chromium) can take seconds over one request:
# assertions wait up to 15 s for the page instead of Playwright's 5 s.
expect.set_options(timeout=15_000)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test body
# are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    if not shutil.which(CHROMIUM):
        skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}")
        for item in items:
            if "tests/e2e" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def _context(browser, live_server, **kwargs):
    context = browser.new_context(base_url=live_server.url, **kwargs)
    context.set_default_timeout(20_000)
    return context


@pytest.fixture
def phone(browser, live_server):
    context = _context(
        browser,
        live_server,
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop(browser, live_server):
    context = _context(browser, live_server, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login_as():
    def _login(page, user, password: str = TEST_PASSWORD):
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("main form button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    return _login


@pytest.fixture
def screenshot():
    """screenshot(page, "name") saves docs/screenshots/name.png for the user guide."""

    def _shot(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return _shot


SW_READY = """async (ms) => {
    const timeout = new Promise((resolve) => setTimeout(() => resolve(null), ms));
    const ready = (async () => {
        const reg = await navigator.serviceWorker.ready;
        if (!navigator.serviceWorker.controller) {
            await new Promise((resolve) =>
                navigator.serviceWorker.addEventListener("controllerchange", resolve));
        }
        return reg.active.scriptURL;
    })();
    return await Promise.race([ready, timeout]);
}"""


def sw_ready(page, seconds: float = 20) -> str:
    """Wait (bounded) for the service worker to control the page; returns its script URL.

    A page's evaluate() has no timeout of its own, so an install that failed (say, one
    precached file refused while the machine was busy) would wait forever; this reloads once
    and then fails with a clear message instead."""
    for attempt in range(2):
        url = page.evaluate(SW_READY, int(seconds * 1000))
        if url:
            return url
        if attempt == 0:
            page.reload()
    state = page.evaluate(
        "async () => JSON.stringify((await navigator.serviceWorker.getRegistrations())"
        ".map((r) => [r.installing && r.installing.state, r.waiting && r.waiting.state,"
        " r.active && r.active.state]))"
    )
    raise AssertionError(f"the service worker did not take control in {seconds} s: {state}")
