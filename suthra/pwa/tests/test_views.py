import json
import re

import pytest
from django.templatetags.static import static
from django.urls import reverse


@pytest.mark.django_db
def test_service_worker_is_served_from_the_site_root_uncached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    config = json.loads(re.match(r"const SUTHRA_SW = (\{.*?\});\n", body).group(1))
    assert static("css/app.css") in config["precache"]
    assert reverse("pwa:offline") in config["precache"]
    assert config["loginPath"] == reverse("accounts:login")
    assert re.fullmatch(r"[0-9a-f]{12}", config["version"])
    assert 'self.addEventListener("fetch"' in body


@pytest.mark.django_db
def test_manifest_meets_install_criteria(client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["name"] and data["short_name"]
    assert data["display"] == "standalone"
    assert data["start_url"] == "/"
    icons = {(i["sizes"], i.get("purpose", "any")) for i in data["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable")} <= icons


@pytest.mark.django_db
def test_manifest_follows_the_users_language(world, login):
    world.agent_a.language = "ur"
    world.agent_a.save()
    data = json.loads(login(world.agent_a).get("/manifest.webmanifest").content)
    assert data["lang"] == "ur"
    assert data["dir"] == "rtl"


@pytest.mark.django_db
def test_offline_page_keeps_no_personal_data(world, login):
    # The service worker keeps this page for anyone who picks up the phone.
    html = login(world.agent_a).get("/offline/").content.decode()
    assert world.agent_a.full_name not in html
    assert "You are offline" in html


@pytest.mark.django_db
def test_queue_page_needs_login(client, world, login):
    assert client.get("/offline/queue/").status_code == 302
    response = login(world.agent_a).get("/offline/queue/")
    assert response.status_code == 200
    assert b'id="pwa-queue"' in response.content


@pytest.mark.django_db
def test_every_page_links_manifest_and_worker_without_inline_script(world, login):
    html = login(world.agent_a).get("/").content.decode()
    assert 'rel="manifest"' in html
    assert 'data-sw="/sw.js"' in html
    assert 'name="theme-color"' in html
    # CSP allows scripts from our own files only: no inline <script> bodies, no on* handlers.
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=", html)
