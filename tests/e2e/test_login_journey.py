import pytest
from playwright.sync_api import expect


@pytest.mark.django_db(transaction=True)
def test_agent_logs_in_on_a_phone_and_sees_only_own_ucs(phone, world, login_as, screenshot):
    login_as(phone, world.agent_a)
    expect(phone.locator("h1")).to_contain_text("Welcome")
    expect(phone.locator(".my-ucs")).to_contain_text("UC-Ravi")
    expect(phone.locator(".my-ucs")).not_to_contain_text("UC-Shalimar")
    screenshot(phone, "home-agent")
    # The menu works at a phone width and logs out.
    phone.click("summary")
    phone.click("text=Log out")
    expect(phone).to_have_url("/accounts/login/")


@pytest.mark.django_db(transaction=True)
def test_wrong_password_shows_generic_message(phone, world, login_as):
    login_as(phone, world.agent_a, password="wrong-password-123")
    expect(phone.locator("[role=alert]")).to_contain_text("correct username and password")
