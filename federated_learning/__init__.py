"""Federated learning with Flower: the server the federated-server tool runs, and a demo client.

- ``options``: the tool's ``flower`` configuration section (PAPI's user.yaml) and the job
  environment it becomes (PAPI's nomad.hcl variable names).
- ``server``: ``python -m federated_learning.server``, a Flower server driven by that
  environment, as the ai4os-federated-server image's ``fedserver/server.py`` is; it checks a
  per-deployment bearer token on every gRPC call and serves its progress as JSON.
- ``client``: ``python -m federated_learning.client``, a Flower client training a small
  numpy model on one shard of a generated dataset (``model``).
- ``auth``: the bearer-token gRPC interceptors of both sides.
- ``services``, ``views``, ``urls``: a federated-server deployment's panel on its page (the
  "deployment_panels" template hook) and the JSON it polls.

``options``, ``server``, ``client``, ``model`` and ``auth`` import no Django: the server and the
client run as plain processes. deployments (below this app) reads ``options`` through the
DEPLOY_FEDERATED_OPTIONS setting (deployments/federated_options.py).
"""
