"""The federated-server tool's page states what a run of it can guarantee, before anyone
launches one: the strategies, the DP modes, the budget the defaults would spend, SecAgg+."""

from __future__ import annotations

import pytest

from federated_learning import privacy
from tests.factories import ModuleFactory
from tests.federated_learning.test_flow import TOOL

pytestmark = pytest.mark.django_db


def test_the_tool_page_states_the_guarantees_and_the_budget_of_the_defaults(client):
    ModuleFactory(tool=True, name=TOOL)
    page = client.get(f"/modules/{TOOL}/").content.decode().replace("&#x27;", "'")
    assert "data-fed-offer" in page
    strategies = "FedAvg, FedProx, FedAdam, FedMedian, FedAvgM, FedOpt, FedYogi, FedAdagrad, "
    assert strategies + "FedTrimmedAvg, Krum (Flower's own)" in page
    assert "central, with FedAvg or FedProx, clipping on the server or on the clients" in page
    # The defaults (noise 1, 5 rounds, δ = 1e-5) by the accountant the server uses, and the cap.
    epsilon = privacy.epsilon_for(1.0, 5, 1e-5)
    assert f"ε = {epsilon:.2f} at δ = 1e-05 for 5 rounds (noise multiplier 1)" in page
    assert "the default cap ε = 10 allows 4 rounds" in page
    assert "SecAgg+ (Flower's), with FedAvg, FedProx, FedAvgM, FedOpt" in page
    assert "5 rounds, at least 2 clients" in page


def test_other_modules_have_no_such_panel(client):
    ModuleFactory(name="plain-module")
    assert "data-fed-offer" not in client.get("/modules/plain-module/").content.decode()
