"""Run the sandbox Nomad and OSCAR emulators until interrupted.

    python -m deployments.sandbox --nomad-port 4646 --oscar-port 8088

Both listen on 127.0.0.1 only. Point the demo configuration at the printed URLs.
"""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType

from deployments.sandbox import DEEPAAS_RUNNERS, SANDBOX_RUNNERS
from deployments.sandbox.deepaas_runner import ensure_venv
from deployments.sandbox.nomad_emulator import DEFAULT_TIMELINE, NomadEmulator
from deployments.sandbox.oscar_emulator import DEFAULT_JOB_TIMELINE, OscarEmulator
from deployments.sandbox.s3 import SandboxS3


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m deployments.sandbox",
        description="Sandbox (emulated, loopback-only) Nomad and OSCAR backends for the demo.",
    )
    parser.add_argument("--nomad-port", type=int, default=4646)
    parser.add_argument("--oscar-port", type=int, default=8088)
    parser.add_argument("--nomad-token", default=None, help="require this Nomad ACL token")
    parser.add_argument("--oscar-user", default="oscar")
    parser.add_argument("--oscar-password", default="oscar-sandbox")
    parser.add_argument(
        "--pending",
        type=float,
        default=DEFAULT_TIMELINE["pending"],
        help="seconds from submit until the allocation is placed (status starting)",
    )
    parser.add_argument(
        "--running",
        type=float,
        default=DEFAULT_TIMELINE["running"],
        help="seconds from submit until the allocation runs",
    )
    parser.add_argument(
        "--s3-port",
        type=int,
        default=0,
        help="port of the S3 server (moto) playing OSCAR's MinIO for pipelines; 0 = any",
    )
    parser.add_argument(
        "--no-deepaas",
        action="store_true",
        help="do not run the real DEEPaaS server for DEEPaaS deployments (no virtualenv)",
    )
    args = parser.parse_args(argv)
    runners = dict(SANDBOX_RUNNERS)
    if not args.no_deepaas:
        # DEEPaaS pins libraries we do not: it gets its own virtual environment, built once.
        print("SANDBOX preparing DEEPaaS's virtual environment (once)…", flush=True)
        print(f"SANDBOX DEEPaaS server: {ensure_venv()}", flush=True)
        runners |= DEEPAAS_RUNNERS
    # OSCAR's storage provider: a real S3 API on loopback, so pipeline steps chain through
    # buckets as on a cluster.
    s3 = SandboxS3(port=args.s3_port).start()

    nomad = NomadEmulator(
        port=args.nomad_port,
        token=args.nomad_token,
        timeline={"pending": args.pending, "running": args.running},
        runners=runners,
    )
    # Sandbox mode: the demo hands OSCAR the signed-in user's OIDC token, which the emulator
    # cannot verify, so any unexpired JWT with a `sub` is accepted. Never expose this port.
    oscar = OscarEmulator(
        port=args.oscar_port,
        username=args.oscar_user,
        password=args.oscar_password,
        accept_any_jwt=True,
        job_timeline=DEFAULT_JOB_TIMELINE,
        storage=s3.provider,
    )
    nomad.start()
    oscar.start()
    print(f"SANDBOX Nomad emulator listening on {nomad.base_url}", flush=True)
    print(f"SANDBOX OSCAR emulator listening on {oscar.base_url}", flush=True)
    print(f"SANDBOX S3 server (OSCAR's MinIO) listening on {s3.endpoint}", flush=True)
    print(
        "These are emulators: no container is ever started (a federated server runs as a "
        "local Flower process, a DEEPaaS API as the real DEEPaaS server with an emulated "
        "model, on loopback). Ctrl-C to stop.",
        flush=True,
    )

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stop.wait(0.2):  # short waits keep the main thread responsive to signals
            pass
    finally:
        nomad.stop()
        oscar.stop()
        s3.stop()


if __name__ == "__main__":
    main()
