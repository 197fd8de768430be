"""Load test: the realistic mix of 50 staff against gunicorn + PostgreSQL (`make loadtest`).

Run through bench/loadtest.py, which starts the servers on loopback, bounds the run in time and
requests, and records the figures. By hand (loopback only):

    .venv/bin/locust -f bench/locustfile.py --headless -u 50 -r 10 -t 2m \
        --host http://127.0.0.1:8765

The mix (weights of users): agents 6 (worklist, unit pages, a visit with a photo now and then),
supervisors 2 (visit and ticket queues, unit lists, decisions on visits), managers 2
(dashboard, reports, bill queries). LOCUST_NO_WAIT=1 removes think time (the ceiling run).
Every user stops after MAX_TASKS tasks, so a run is bounded in requests too.

Think time (the time between one action and the next of the same person) is drawn uniformly
from THINK[role]: field agents 5–25 s (they walk to the door, talk, take the photo; a visit
is a form GET then a POST), supervisors and managers 3–15 s (they read the page they opened).
Fifty staff then ask for about 5 pages a second together — each person about 300 pages an
hour, a busy peak hour rather than an average day. LOAD_THINK_SCALE multiplies every think
time (e.g. 0.3 for a harsher run).
"""

from __future__ import annotations

import io
import os
import random
import re
import uuid
from typing import Any
from urllib.parse import urlsplit

from locust import HttpUser, between, constant, task
from locust.exception import StopUser

PASSWORD = os.environ.get("LOAD_PASSWORD", "suthra-demo-2025")
NO_WAIT = os.environ.get("LOCUST_NO_WAIT") == "1"
ALLOW_REMOTE = os.environ.get("LOAD_ALLOW_REMOTE") == "1"
MAX_TASKS = int(os.environ.get("LOCUST_MAX_TASKS", "400"))
THINK_SCALE = float(os.environ.get("LOAD_THINK_SCALE", "1"))
THINK = {"agent": (5, 25), "supervisor": (3, 15), "manager": (3, 15)}  # seconds, per role


def think(role: str) -> Any:
    low, high = THINK[role]
    return constant(0) if NO_WAIT else between(low * THINK_SCALE, high * THINK_SCALE)


# UCs of the agent and the supervisor's city (bench/loadtest.py looks them up).
AGENT_UCS = [u for u in os.environ.get("LOAD_AGENT_UCS", "").split(",") if u]
CITY = os.environ.get("LOAD_CITY", "1")
UNIT_LINK = re.compile(r'href="/units/(\d+)/"')
VISIT_LINK = re.compile(r'href="/visits/(\d+)/"')
_photo: bytes | None = None


def photo() -> bytes:
    """A phone-sized JPEG (1600×1200, about 150 kB), made once."""
    global _photo
    if _photo is None:
        from PIL import Image, ImageDraw

        image = Image.new("RGB", (1600, 1200), (180, 170, 150))
        draw = ImageDraw.Draw(image)
        rng = random.Random(1)
        for _ in range(400):
            x, y = rng.randrange(1600), rng.randrange(1200)
            colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            draw.rectangle((x, y, x + rng.randrange(10, 120), y + rng.randrange(10, 90)), colour)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85)
        _photo = out.getvalue()
    return _photo


class Staff(HttpUser):
    abstract = True
    wait_time = think("agent")
    username = "agent"

    def on_start(self) -> None:
        host = urlsplit(self.host or "").hostname
        # Loopback only unless LOAD_ALLOW_REMOTE=1: never load-test a server by accident.
        if host not in ("127.0.0.1", "localhost", "::1") and not ALLOW_REMOTE:
            raise StopUser()
        self.tasks_done = 0
        self.units: list[str] = []
        for _attempt in range(3):  # a phone retries a login that timed out
            self.client.get("/accounts/login/", name="login page")
            token = self.client.cookies.get("csrftoken", "")
            with self.client.post(
                "/accounts/login/",
                {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
                headers={"Referer": f"{self.host}/accounts/login/"},
                name="login",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code == 302:
                    response.success()
                    return
                # Counted as a failure (not hidden): wrong status means the login did not work.
                response.failure(f"login answered {response.status_code}")
        raise StopUser()

    def count(self) -> None:
        self.tasks_done += 1
        if self.tasks_done > MAX_TASKS:
            raise StopUser()

    def csrf(self) -> str:
        return str(self.client.cookies.get("csrftoken", ""))

    def remember_units(self, html: str) -> None:
        found = UNIT_LINK.findall(html)
        if found:
            self.units = found[:100]


class Agent(Staff):
    weight = 6
    username = "agent"
    wait_time = think("agent")

    @task(4)
    def worklist(self) -> None:
        self.count()
        response = self.client.get("/visits/worklist/", name="agent: worklist")
        self.remember_units(response.text)

    @task(5)
    def unit_page(self) -> None:
        self.count()
        if not self.units:
            self.unit_list()
        if self.units:
            pk = random.choice(self.units)
            self.client.get(f"/units/{pk}/", name="agent: unit page")

    @task(2)
    def unit_list(self) -> None:
        self.count()
        uc = random.choice(AGENT_UCS) if AGENT_UCS else ""
        response = self.client.get(f"/units/?uc={uc}", name="agent: unit list")
        self.remember_units(response.text)

    @task(1)
    def visit_with_photo(self) -> None:
        self.count()
        if not self.units:
            return
        pk = random.choice(self.units)
        self.client.get(f"/visits/new/{pk}/", name="agent: visit form")
        data: dict[str, Any] = {
            "outcome": random.choice([1, 2, 3, 5]),
            "notes": "load test",
            "lat": 31.52 + random.uniform(-0.05, 0.05),
            "lon": 74.35 + random.uniform(-0.05, 0.05),
            "accuracy": 12,
            "client_key": str(uuid.uuid4()),
            "csrfmiddlewaretoken": self.csrf(),
        }
        self.client.post(
            f"/visits/new/{pk}/",
            data=data,
            files={"photo": ("visit.jpg", photo(), "image/jpeg")},
            headers={"Referer": f"{self.host}/visits/new/{pk}/"},
            name="agent: visit with photo (POST)",
        )


class Supervisor(Staff):
    weight = 2
    username = "supervisor"
    wait_time = think("supervisor")

    @task(3)
    def visit_queue(self) -> None:
        self.count()
        response = self.client.get("/visits/queue/", name="supervisor: visit queue")
        visits = VISIT_LINK.findall(response.text)
        if visits and random.random() < 0.3:
            pk = random.choice(visits)
            self.client.post(
                f"/visits/{pk}/decide/",
                {"decision": "approve", "reason": "", "csrfmiddlewaretoken": self.csrf()},
                headers={"Referer": f"{self.host}/visits/queue/"},
                name="supervisor: decide visit (POST)",
            )

    @task(2)
    def ticket_queue(self) -> None:
        self.count()
        self.client.get("/tickets/", name="supervisor: ticket queue")

    @task(2)
    def unit_list(self) -> None:
        self.count()
        response = self.client.get(f"/units/?city={CITY}", name="supervisor: unit list")
        self.remember_units(response.text)
        if self.units:
            self.client.get(f"/units/{random.choice(self.units)}/", name="supervisor: unit page")

    @task(1)
    def dashboard(self) -> None:
        self.count()
        self.client.get("/reports/dashboard/", name="supervisor: dashboard")


class Manager(Staff):
    weight = 2
    username = "manager"
    wait_time = think("manager")

    @task(3)
    def dashboard(self) -> None:
        self.count()
        self.client.get("/reports/dashboard/", name="manager: dashboard")

    @task(3)
    def report(self) -> None:
        self.count()
        slug = random.choice(["collection", "aging", "defaulters", "consumers", "staff"])
        self.client.get(f"/reports/{slug}/", name=f"manager: report {slug}")

    @task(2)
    def bills(self) -> None:
        self.count()
        status = random.choice(["", "0", "1", "2"])
        self.client.get(f"/billing/bills/?status={status}", name="manager: bill query")

    @task(1)
    def search(self) -> None:
        self.count()
        name = random.choice(["Butt", "Khan", "Awan", "Malik", "0300", "SP-LAH-00012"])
        self.client.get(f"/units/?q={name}", name="manager: search")
