"""Run the real DEEPaaS API server for a sandbox Nomad deployment (a runner of the Nomad
emulator: `python -m deployments.sandbox.deepaas_runner`).

DEEPaaS pins libraries the site does not use (marshmallow 3, an old apispec), so it lives in
its own virtual environment, created on first use by `ensure_venv` (PyPI's `deepaas` and the
sandbox model plugin beside this file) and reused after. The server listens on the task's
`api` port (NOMAD_PORT_api) on loopback.
"""

from __future__ import annotations

import fcntl
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
PLUGIN = HERE / "deepaas_plugin"
EMULATED = HERE / "emulated.py"
DEEPAAS_REQUIREMENT = "deepaas>=2.5,<3"
DEFAULT_VENV = HERE.parents[1] / ".deepaas-venv"


def venv_path() -> pathlib.Path:
    return pathlib.Path(os.environ.get("AIX_DEEPAAS_VENV") or DEFAULT_VENV)


def ensure_venv(path: pathlib.Path | None = None) -> pathlib.Path:
    """The `deepaas-run` of a virtual environment holding DEEPaaS and the sandbox plugin,
    created (a minute, from the package index) when missing."""
    path = path or venv_path()
    run = path / "bin" / "deepaas-run"
    marker = path / ".aix-plugin-installed"
    if run.exists() and marker.exists():
        return run
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two runners starting at once build it once
        if not marker.exists():
            _build(path)
    return run


def _build(path: pathlib.Path) -> None:
    marker = path / ".aix-plugin-installed"
    if not (path / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)  # noqa: S603
    pip = [str(path / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, DEEPAAS_REQUIREMENT, "setuptools", "wheel"], check=True)  # noqa: S603
    with tempfile.TemporaryDirectory() as scratch:  # setuptools builds in the source tree
        source = shutil.copytree(PLUGIN, pathlib.Path(scratch) / "plugin")
        subprocess.run([*pip, "--no-build-isolation", str(source)], check=True)  # noqa: S603
    marker.write_text(DEEPAAS_REQUIREMENT + "\n")


def main() -> None:
    run = ensure_venv()
    port = os.environ.get("NOMAD_PORT_api", "5000")
    env = {**os.environ, "AIX_EMULATED_PY": str(EMULATED)}
    # The emulated model is "what the image is" (repository, no tag or digest), as on OSCAR.
    image = os.environ.get("AIX_TASK_IMAGE", "sandbox").split("@", 1)[0]
    env.setdefault("AIX_MODULE", image.rsplit(":", 1)[0] if ":" in image else image)
    os.execve(  # noqa: S606 - the venv's own server, on loopback
        str(run), [str(run), "--listen-ip", "127.0.0.1", "--listen-port", port], env
    )


if __name__ == "__main__":
    main()
