"""Sandbox backends: loopback emulators of the Nomad HTTP API and the OSCAR API.

They serve two purposes: test doubles for the deploy code, driven by the real client libraries
(python-nomad, oscar-python), and the clearly labelled *sandbox* backend of the demo run command
(``python -m deployments.sandbox``), so a newcomer clicking Deploy sees a deployment move
through its states without a cluster. Standard library only, bound to 127.0.0.1 only; nothing
here ever starts a container or talks to a real cluster (the one process it may start is the
federated server, see ``runners``).

Public API
----------
``NomadEmulator(port=0, token=None, clock=time.monotonic, timeline=None, nodes=None,
namespaces=DEFAULT_NAMESPACES)`` and ``OscarEmulator(port=0, username="oscar",
password="oscar-sandbox", oidc_tokens=(), accept_any_jwt=False, job_timeline=None,
clock=time.monotonic, storage=None, poll_interval=0.1)``, both ``LoopbackServer``s:

- ``start()`` (returns self), ``stop()``, context manager; ``host``, ``port``, ``base_url``.
- ``down()`` closes the listening socket (connections refused), ``up()`` reopens the same port.
- ``fail_next(method, path_regex, status=500, count=1, body=...)``: the next matching requests
  get that status and plain-text body. ``delay_next(path_regex, seconds, count=1, method=None)``:
  the next matching requests are held first (to provoke client timeouts).
- ``calls``: list of ``Call(method, path, query)``; ``reset()`` forgets state, faults and calls.

Nomad: ``jobs`` (job ID → full job), ``allocations`` (alloc ID → allocation),
``fail_placement(job_id_or_predicate, reason)``, ``fail_task(job_id_or_predicate, message)``,
``complete(job_id, namespace=None)``, ``task_log(alloc_id)``, ``timeline``
(``{"pending": s, "running": s}`` from submit).
OSCAR: ``services`` (name → definition), ``jobs`` (service → job → info),
``fail_jobs(service_name_or_predicate, message)``, ``job_timeline`` (``{"running", "succeeded"}``).

Known differences from the real systems
---------------------------------------
Nomad:
- Nothing runs, except main tasks whose image (or command line) is in ``runners`` (the demo and
  the tests run the federated server's image this way, and every DEEPaaS API as the real
  DEEPaaS server with a sandbox model plugin, ``deployments.sandbox.deepaas_runner``), as local
  processes on loopback ports; NOMAD_PORT_<label> is then the host port, as for raw_exec, not
  the container port as for docker).
- ``POST /v1/jobs/parse`` answers 501 (no HCL parser in the standard library): submit JSON jobs.
- Scheduling is a feasibility check only: node eligibility, job/group/task constraints
  (``=``, ``!=``, ``regexp``, ``set_contains*``, ``is_set``, numeric comparisons; other
  operands count as satisfied), datacenters are not checked, devices by type/vendor/model and
  healthy instance count. Capacity is infinite, GPUs are never exhausted, affinities ignored,
  no deployments, reschedules or rolling updates (an update stops the old allocations at once).
- Lifecycle timing is relative to submit and lazy: transitions are applied when a request (or
  ``jobs``/``allocations``) is served after their due time.
- ``X-Nomad-Index`` and blocking queries use one cluster-wide index, not per-table indexes.
- Evaluations of a job are listed in creation order (Nomad: ID order), so ``evals[0]`` is the
  register evaluation carrying ``FailedTGAllocs``.
- A failed task's ``Events`` start with the failure (``Driver Failure``, then
  ``Not Restarting``), so ``Events[0].Message`` carries the reason as the deploy code expects;
  real Nomad lists events chronologically (``Received`` first).
- Filters implement the go-bexpr subset ``==``, ``!=``, ``is [not] empty``, ``[not] matches``,
  ``[not] contains``, ``[not] in``, ``and``/``or``/``not``, parentheses, dotted and
  ``["key"]`` selectors; a missing field equals nothing (so ``!=`` holds) instead of erroring.
  Anything else is a 400 ``failed to read filter expression: ...``.
- Namespaces are a fixed set (``namespaces``); ACL is a single management token.
OSCAR:
- No Kubernetes, MinIO or Knative: sync runs answer ``fake_prediction()`` (the arguments
  echoed, files described by size and digest, and an emulated label derived from the input's
  first file, labelled ``"emulated": true``), async jobs only change phase with time and log
  fixed lines. Volumes, federation, metrics and quotas are not served.
- Storage (``storage=``, an S3 server such as ``deployments.sandbox.s3.SandboxS3``): creating a
  service creates its input/output buckets, ``/system/config`` hands out the provider, and a
  poller (every ``poll_interval`` s, not MinIO's webhook) turns each new object under an input
  path into a job; when the job ends the service's sandbox function
  (``deployments.sandbox.functions``, chosen by ``AIX_SANDBOX_FUNCTION``) writes its output
  under every output path. The one script that really runs is a pipeline join's: a service
  whose script calls ``/opt/aix/join.py`` runs it with bash, the helper being the repository's
  ``docker/join/join.py`` (or ``AIX_JOIN_HELPER``) under this interpreter, with the service's
  variables and secrets, ``INPUT_FILE_PATH`` (the trigger, downloaded), ``TMP_OUTPUT_DIR`` and
  ``EVENT``; what it leaves in ``TMP_OUTPUT_DIR`` is uploaded, a non-zero exit fails the job
  (a sync ``/run`` of such a service runs the script on the body and answers its output).
  A join by a user's module (``AIX_JOIN_INPUTS`` with a module script) gets ``{"parts": ...}``
  once every part is there. Bucket deletion, the ``/system/buckets`` API and per-user MinIO
  credentials are not served.
- ``oidc_tokens`` / ``accept_any_jwt`` stand in for the OIDC provider; VO membership is not
  checked. Service visibility: Basic admin sees all; an OIDC user sees services they own, are
  listed in ``allowed_users`` of, or that are ``public``; only the owner may update or delete.
- ``/system/logs/{name}`` is never paginated (``next_page`` empty); logs of a Pending job 404.
- The service name is validated as a 1–39 character Kubernetes DNS label up front (OSCAR
  leaves most of that to Kubernetes); an existing name is a 400.
"""

import sys

from deployments.sandbox.httpserver import Call, LoopbackServer
from deployments.sandbox.nomad_emulator import NomadEmulator
from deployments.sandbox.oscar_emulator import OscarEmulator

# Images whose main task the sandbox Nomad really runs (``NomadEmulator(runners=...)``): the
# federated-server tool's image runs our Flower server on loopback, bounded in time.
FEDERATED_SERVER_IMAGE = "ai4oshub/ai4os-federated-server"
# Any module's DEEPaaS API ("deep-start --deepaas") runs as the real DEEPaaS server with the
# sandbox model plugin (deployments.sandbox.deepaas_runner), in its own virtual environment:
# the demo's run command adds these (and prepares the environment first).
DEEPAAS_COMMAND = "deep-start --deepaas"
DEEPAAS_RUNNERS = {DEEPAAS_COMMAND: [sys.executable, "-m", "deployments.sandbox.deepaas_runner"]}
SANDBOX_RUNNERS = {
    FEDERATED_SERVER_IMAGE: [
        sys.executable,
        "-m",
        "federated_learning.server",
        "--max-seconds",
        "900",
    ]
}

__all__ = [
    "DEEPAAS_RUNNERS",
    "SANDBOX_RUNNERS",
    "Call",
    "LoopbackServer",
    "NomadEmulator",
    "OscarEmulator",
]
