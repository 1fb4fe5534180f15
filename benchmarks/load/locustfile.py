"""Locust scenario: people browsing and searching, machines harvesting the API and OAI-PMH,
signed-in users clicking Deploy. Run by benchmarks/load/run.py against a loopback stack;
it reads what it needs (module names, session cookies) from the JSON file named by
``LOAD_FIXTURE``. No Django import here: this process only speaks HTTP to 127.0.0.1.

    LOAD_FIXTURE=var/load-fixture.json locust -f benchmarks/load/locustfile.py \\
        --headless -u 40 -r 20 -t 60s --host http://127.0.0.1:8000
"""

from __future__ import annotations

import json
import os
import random
import re
import uuid

from locust import HttpUser, between, task

with open(os.environ["LOAD_FIXTURE"], encoding="utf-8") as _file:
    FIXTURE = json.load(_file)

MODULES: list[str] = FIXTURE["modules"]
WORDS: list[str] = FIXTURE["words"]
TASKS = ["Classification", "Computer Vision", "Segmentation", "Time Series"]
RESUMPTION = re.compile(r"<resumptionToken[^>]*>([^<]+)</resumptionToken>")


class Browser(HttpUser):
    """Someone looking around: home, lists, facets, search, module pages."""

    weight = 6
    wait_time = between(0.05, 0.3)

    @task(3)
    def module_page(self) -> None:
        self.client.get(f"/modules/{random.choice(MODULES)}/", name="/modules/[name]/")

    @task(2)
    def browse(self) -> None:
        page = random.randint(1, 5)
        self.client.get(f"/modules/?page={page}", name="/modules/?page=")

    @task(2)
    def search(self) -> None:
        self.client.get("/modules/", params={"q": random.choice(WORDS)}, name="/modules/?q=")

    @task(1)
    def facet(self) -> None:
        self.client.get(
            "/modules/",
            params={"task": random.choice(TASKS), "trainable": "1"},
            name="/modules/?task=",
        )

    @task(1)
    def home(self) -> None:
        self.client.get("/", name="/")


class Harvester(HttpUser):
    """A machine client: the REST API page by page and OAI-PMH with resumption tokens."""

    weight = 2
    wait_time = between(0.05, 0.3)

    @task(2)
    def api_pages(self) -> None:
        url = "/api/v1/modules/?page_size=100"
        for _ in range(3):  # the first pages; a full walk is the OAI task's job
            response = self.client.get(url, name="/api/v1/modules/?page_size=100")
            if response.status_code != 200:
                return
            url = response.json().get("next")
            if not url:
                return

    @task(1)
    def api_detail(self) -> None:
        self.client.get(
            f"/api/v1/modules/{random.choice(MODULES)}/", name="/api/v1/modules/[name]/"
        )

    @task(2)
    def oai_list_records(self) -> None:
        params = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
        for _ in range(3):
            response = self.client.get("/oai", params=params, name="/oai?verb=ListRecords")
            token = RESUMPTION.search(response.text or "")
            if response.status_code != 200 or not token:
                return
            params = {"verb": "ListRecords", "resumptionToken": token.group(1)}


class Deployer(HttpUser):
    """A signed-in user clicking Deploy, then watching the deployments table poll."""

    weight = 1
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        session, csrf = random.choice(FIXTURE["sessions"])
        self.client.cookies.set("sessionid", session)
        self.client.cookies.set("csrftoken", csrf)
        self.csrf = csrf

    @task(1)
    def click_deploy(self) -> None:
        data = {
            **FIXTURE["deploy_form"],
            "token": uuid.uuid4().hex,  # the form's one-time token: each click is new
            "title": f"load {uuid.uuid4().hex[:8]}",
            "csrfmiddlewaretoken": self.csrf,
        }
        with self.client.post(
            f"/deployments/new/{FIXTURE['deploy_module']}/",
            data=data,
            headers={"Referer": self.host + "/"},
            allow_redirects=False,
            name="POST /deployments/new/[module]/",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"deploy click answered {response.status_code}")

    @task(3)
    def poll_status(self) -> None:
        self.client.get("/deployments/status.json", name="/deployments/status.json")
