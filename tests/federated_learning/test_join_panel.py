"""The "How clients join" part of a federated server's deployment page, for the few and the
many: a run waiting for 1000 clients (the most the form allows) keeps a page of ordinary size
that still gives every client its way in, and its command boxes fit a phone's width; the
install line is described truthfully whether it names a package or a folder. Each test
deploys through the form to the sandbox Nomad, which runs the real server, and reads the page
as its owner."""

from __future__ import annotations

import html
import re
import shlex
import subprocess

import pytest

from deployments.models import Deployment
from deployments.services import deployment_submit, sync_statuses
from tests.deploy.test_deploy_browser import _sign_in
from tests.federated_learning.test_flow import deploy_through_the_form, deployment_token, federated
from tests.fixtures.axe import axe_violations, overflow, widest
from tests.fixtures.deploy import wait_for

pytestmark = pytest.mark.slow

MANY = 1000  # options.MAX_CLIENTS
# A whole deployment page, a run waiting for its clients: ~10 KB whatever their number now;
# one command per client made it 379 KB at 1000.
PAGE_LIMIT = 30_000


def deploy_waiting_for(client, clients: int) -> Deployment:
    """A federated server deployed through the form, running and waiting for `clients`."""
    deployment = deploy_through_the_form(
        client, flower_min_fit_clients=clients, flower_min_available_clients=clients
    )
    deployment_submit(deployment_id=deployment.pk)
    wait_for(lambda: (sync_statuses() or True) and federated(client, deployment)["address"], 90)
    return deployment


def as_the_shell_runs_it(text: str) -> list[str]:
    """The arguments aix-fl-client receives when `text` is pasted into bash."""
    script = 'aix-fl-client() { printf "%s\\n" "$@"; }\n' + text
    done = subprocess.run(  # noqa: S603 - bash running the page's own text
        ["/bin/bash", "-c", script], capture_output=True, text=True, check=True
    )
    return ["aix-fl-client", *done.stdout.splitlines()]


def pre_text(page: str, marker: str) -> list[str]:
    """The text of the page's boxes (<pre> or <code>) that carry `marker`, as a person copies
    it."""
    found = re.findall(rf"<(pre|code) [^>]*{marker}[^>]*>(.*?)</\1>", page, re.S)
    return [html.unescape(text) for _tag, text in found]


def test_a_thousand_clients_get_one_command_and_a_download_not_a_page_of_a_thousand(
    client, db, deploy_settings, nomad
):
    deployment = deploy_waiting_for(client, MANY)
    page = client.get(f"/deployments/{deployment.pk}/").content.decode()
    assert len(page.encode()) < PAGE_LIMIT
    # The status the panel polls every 3 s stays small as well.
    assert len(client.get(f"/deployments/{deployment.pk}/federated.json").content) < PAGE_LIMIT
    assert pre_text(page, "data-fed-command") == []

    # Downloaded from the page, a line per client, each on its own shard.
    link = re.search(r'<a href="([^"]+)" download data-fed-all-commands>([^<]*)</a>', page)
    assert link and link.group(2) == f"download the {MANY} commands"
    download = client.get(link.group(1))
    assert download.status_code == 200
    assert download["Cache-Control"] == "no-store"
    assert download["Content-Disposition"].startswith("attachment;")
    lines = download.content.decode().splitlines()
    assert len(lines) == MANY
    token = deployment_token(deployment)
    for number, line in enumerate(lines, start=1):
        words = shlex.split(line)
        assert words[0] == "aix-fl-client"
        assert words[words.index("--token") + 1] == token
        assert words[words.index("--shard") + 1] == f"{number}/{MANY}"

    # One command on the page serves every client: with its number put in place of the 1,
    # the shell runs exactly that client's downloaded line.
    (any_client,) = pre_text(page, "data-fed-any-command")
    assert any_client.startswith("CLIENT=1\n")
    assert "in place of the 1 in <code>CLIENT=1</code>" in page
    for number in (1, 537, MANY):
        pasted = any_client.replace("CLIENT=1\n", f"CLIENT={number}\n", 1)
        assert as_the_shell_runs_it(pasted) == shlex.split(lines[number - 1])
    assert 'data-copy="#fed-command-any" data-copy-label="Command for any client"' in page


def test_a_run_of_a_few_clients_lists_each_clients_command(client, db, deploy_settings, nomad):
    deployment = deploy_waiting_for(client, 3)
    page = client.get(f"/deployments/{deployment.pk}/").content.decode()
    commands = [shlex.split(text) for text in pre_text(page, "data-fed-command")]
    assert [c[c.index("--shard") + 1] for c in commands] == ["1/3", "2/3", "3/3"]
    assert "data-fed-any-command" not in page
    assert "Copy command for shard 3" in page


SAYS_NO_COPY_NEEDED = "so a site needs no copy of our source tree of its own"
SAYS_FOLDER_NEEDED = (
    "which this site installs from a folder holding our source tree, so each site needs that "
    "folder at the same place on its own machine"
)


@pytest.mark.parametrize(
    ("install", "said", "not_said"),
    [
        ("pip install ai-exchange", SAYS_NO_COPY_NEEDED, SAYS_FOLDER_NEEDED),
        # As the demo sets it (rundemo): this checkout, on the machine that runs the clients.
        ("pip install /work/main", SAYS_FOLDER_NEEDED, "no copy of our source tree"),
    ],
)
def test_the_install_line_is_described_as_what_it_installs_from(
    client, db, deploy_settings, nomad, install, said, not_said
):
    deploy_settings.DEPLOY_FEDSERVER_CLIENT_INSTALL = install
    deployment = deploy_waiting_for(client, 2)
    page = client.get(f"/deployments/{deployment.pk}/").content.decode()
    assert pre_text(page, "data-fed-install") == [install]
    assert said in page
    assert not_said not in page


@pytest.mark.browser
@pytest.mark.parametrize("clients", [3, MANY])
def test_at_375_px_the_command_boxes_are_as_wide_as_the_panel_and_scroll_inside(
    ui_page, live_server, client, transactional_db, deploy_settings, nomad, clients
):
    """The install line beside its button was 82 px wide ("pip insta"). Each command box is
    now as wide as the panel; a longer line scrolls sideways in its own box, which the
    keyboard can reach, and the page itself never does."""
    deployment = deploy_waiting_for(client, clients)
    ui_page.set_viewport_size({"width": 375, "height": 800})
    _sign_in(ui_page, live_server, deployment.owner)
    ui_page.goto(f"{live_server.url}/deployments/{deployment.pk}/")
    ui_page.locator("[data-fed-install]").wait_for()
    boxes = ui_page.locator("[data-fed-install], [data-fed-command], [data-fed-any-command]")
    for index in range(boxes.count()):
        box = boxes.nth(index)
        width = box.bounding_box()["width"]
        assert width >= 0.75 * 375, f"{box.inner_text()[:30]!r}: {width} px"
        fits = box.evaluate("b => b.scrollWidth <= b.clientWidth")
        assert fits or box.get_attribute("tabindex") == "0"  # scrolls: keyboard-reachable
    assert boxes.count() == (1 + clients if clients < MANY else 2)
    assert overflow(ui_page) <= 0, widest(ui_page)
    # axe at the desktop width: at 375 px it also flags the account menu's <summary> (only
    # its avatar letter shows there), which is every page's, not this panel's.
    ui_page.set_viewport_size({"width": 1280, "height": 800})
    assert overflow(ui_page) <= 0, widest(ui_page)
    assert axe_violations(ui_page) == []
    assert ui_page.problems == []
