"""What several fault scenarios share (the fault fixtures load from tests/conftest.py)."""

import pytest


@pytest.fixture
def deployer(client, transactional_db, deploy_settings):
    """A user who may deploy, signed in on `client`."""
    from tests.factories import DeployerFactory

    user = DeployerFactory()
    client.force_login(user)
    return user


@pytest.fixture
def nomad_proxy(fault_proxy, nomad):
    """The fault proxy in front of the Nomad emulator (``.url`` is NOMAD_ADDR through it)."""
    return http_proxy(fault_proxy, nomad)


@pytest.fixture
def oscar_proxy(fault_proxy, oscar):
    """The fault proxy in front of the OSCAR emulator (``.url`` is OSCAR_ENDPOINT through it)."""
    return http_proxy(fault_proxy, oscar)


def http_proxy(fault_proxy, server):
    proxy = fault_proxy(server.port)
    proxy.url = f"http://127.0.0.1:{proxy.port}"
    return proxy
