"""Install button (issue 19): when the browser offers to install (beforeinstallprompt), an
"Install app" button shows in the top bar and asks the browser to prompt; it hides again once
installed; a help page explains how to add the app on Android Chrome, in English and Urdu."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

# What Chrome fires: an event whose prompt() shows its install dialog and whose userChoice
# settles with the answer. Here prompt() only counts its calls.
OFFER = """(outcome) => {
    window.promptCalls = 0;
    const event = new Event("beforeinstallprompt", { cancelable: true });
    event.prompt = () => { window.promptCalls += 1; return Promise.resolve(); };
    event.userChoice = Promise.resolve({ outcome, platform: "web" });
    window.dispatchEvent(event);
    return event.defaultPrevented;
}"""


def wait_for_scripts(page):
    page.wait_for_load_state("load")
    page.wait_for_function("document.readyState === 'complete'")


@pytest.mark.django_db(transaction=True)
def test_install_button_appears_when_offered_and_prompts(phone, world, login_as, screenshot):
    login_as(phone, world.agent_a)
    wait_for_scripts(phone)
    button = phone.locator("header .install-app")
    expect(button).to_be_hidden()
    assert phone.evaluate(OFFER, "dismissed") is True  # the browser's own mini-bar is held back
    expect(button).to_be_visible()
    expect(button).to_have_text("Install app")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= 360
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "install-button")
    button.click()
    phone.wait_for_function("window.promptCalls === 1")
    expect(button).to_be_hidden()  # asked once; Chrome offers again later if the agent said no

    # Offered again, then installed from the browser's own menu: the button goes.
    phone.evaluate(OFFER, "accepted")
    expect(button).to_be_visible()
    phone.evaluate("window.dispatchEvent(new Event('appinstalled'))")
    expect(button).to_be_hidden()


@pytest.mark.django_db(transaction=True)
def test_no_install_button_when_running_as_the_app(browser, live_server, world, login_as):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 740}, is_mobile=True
    )
    page = context.new_page()
    # Opened from the home-screen icon: display-mode is standalone.
    page.add_init_script(
        """(() => { const real = window.matchMedia.bind(window);
        const yes = (q) => ({ matches: true, media: q, addEventListener() {},
                              removeEventListener() {} });
        window.matchMedia = (q) => (q.includes("display-mode: standalone") ? yes(q) : real(q));
        })()"""
    )
    login_as(page, world.agent_a)
    wait_for_scripts(page)
    page.evaluate(OFFER, "dismissed")
    page.wait_for_timeout(300)
    expect(page.locator("header .install-app")).to_be_hidden()
    page.click("header summary")
    expect(page.locator(".menu [data-install-help]")).to_be_hidden()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_help_page_explains_adding_to_the_home_screen(phone, world, login_as, screenshot):
    phone.goto(reverse("accounts:login"))
    link = phone.locator("main [data-install-help] a")
    expect(link).to_be_visible()  # before logging in too
    link.click()
    expect(phone.locator("h1")).to_have_text("Install the app")
    expect(phone.locator("#install-android")).to_contain_text("Add to Home screen")
    expect(phone.locator("#install-android")).to_contain_text("Chrome")
    screenshot(phone, "install-help")

    world.agent_a.language = "ur"
    world.agent_a.save()
    login_as(phone, world.agent_a)
    phone.click("header summary")
    phone.locator(".menu [data-install-help] a").click()
    assert phone.evaluate("document.documentElement.dir") == "rtl"
    expect(phone.locator("h1")).to_have_text("ایپ انسٹال کریں")
    expect(phone.locator("#install-android")).to_contain_text("کروم")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    wait_for_scripts(phone)
    phone.evaluate(OFFER, "accepted")
    button = phone.locator("header .install-app")
    expect(button).to_have_text("ایپ انسٹال کریں")
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    screenshot(phone, "urdu-install-help")
