"""How the clients of a federated run join, as its deployment's page tells the owner.

A run may wait for up to options.MAX_CLIENTS (1000) clients. One command per client on the
page made it 379 KB and ~127,000 px tall at 1000, for nothing a person reads: the commands
differ only in the client's number. So a few clients (three partner hospitals) each get their
own command to copy; more get one command whose client number is a shell variable, and every
client's own line in a text file to download, so the page stays the same size whatever the
count."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from dataclasses import dataclass

from federated_learning.services import FederatedInfo

# Up to this many clients, each gets its own command and copy button on the page.
LISTED_CLIENTS = 5
# The shell variable a site sets to its number when the page shows one command for all.
CLIENT_VARIABLE = "CLIENT"
# How an install target that is a folder (or a file) on the installing machine starts.
LOCAL_PATH_PREFIXES = ("/", "./", "../", "~", "file:")


@dataclass(frozen=True)
class JoinInstructions:
    """What the page shows under "How clients join". `commands` lists one command per client
    when there are few; otherwise it is empty and `any_client` is the one command, with the
    client's number in $CLIENT."""

    clients: int
    commands: list[str]
    any_client: str
    install: str
    install_from_path: bool

    @property
    def listed(self) -> bool:
        return bool(self.commands)

    @property
    def number_line(self) -> str:
        """The line of `any_client` that sets the client's number (`CLIENT=1`)."""
        return self.any_client.partition("\n")[0]

    def as_dict(self) -> dict:
        return {
            "clients": self.clients,
            "commands": self.commands,
            "any_client": self.any_client,
            "install": self.install,
        }


def client_count(info: FederatedInfo) -> int:
    """The clients the server waits for (its minimum (available)), at least 2."""
    return max(2, int(info.options.get("min_available_clients") or 2))


def join_instructions(info: FederatedInfo) -> JoinInstructions:
    count = client_count(info)
    commands: list[str] = []
    any_client = ""
    if info.address and info.token:
        if count <= LISTED_CLIENTS:
            commands = list(every_command(info))
        else:
            any_client = any_client_command(info)
    install = info.client_install()
    return JoinInstructions(
        clients=count,
        commands=commands,
        any_client=any_client,
        install=install,
        install_from_path=installs_from_local_path(install),
    )


def installs_from_local_path(install: str) -> bool:
    """Whether the install line (DEPLOY_FEDSERVER_CLIENT_INSTALL) installs from a folder on
    the machine that runs it (`pip install /work/main`, as the demo sets it) rather than a
    package from an index or a URL: then a site does need that copy of our source tree."""
    try:
        words = shlex.split(install)
    except ValueError:
        return False
    if "install" not in words:
        return False
    arguments = words[words.index("install") + 1 :]
    return any(word == "." or word.startswith(LOCAL_PATH_PREFIXES) for word in arguments)


def every_command(info: FederatedInfo) -> Iterator[str]:
    """Each client's own command, on its own shard (what the download holds)."""
    count = client_count(info)
    for index in range(1, count + 1):
        yield info.client_command(f"{index}/{count}")


def any_client_command(info: FederatedInfo) -> str:
    """Two lines a site copies once and changes one number in: `CLIENT=1`, then the command
    with `--shard "$CLIENT/<count>"`. shlex would quote the variable away, so the shard's
    value is spliced in after quoting the rest. No `#` comment: zsh, macOS's shell, does not
    read one at its prompt."""
    count = client_count(info)
    words = shlex.split(info.client_command(f"1/{count}"))
    at = words.index("--shard")
    shard = f'"${CLIENT_VARIABLE}/{count}"'
    command = " ".join([shlex.join(words[: at + 1]), shard, shlex.join(words[at + 2 :])])
    return f"{CLIENT_VARIABLE}=1\n{command.strip()}"
