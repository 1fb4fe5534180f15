"""Deploy clicks through the real form, for the fault scenarios."""

from __future__ import annotations

from deployments.models import Deployment

SUBMITTED = {"pending", "starting", "running"}


def form_url(module, backend: str = "nomad") -> str:
    return f"/deployments/new/{module.name}/" + ("?backend=oscar" if backend == "oscar" else "")


def click_deploy(client, module, *, title: str, backend: str = "nomad", token: str | None = None):
    """Open the deploy form, keep its defaults, set the title, send it; the final response.

    ``token`` re-sends an earlier form (a double click); by default a fresh form is opened."""
    url = form_url(module, backend)
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: value for name, value in data.items() if value is not None}
    data["title"] = title
    if token is not None:
        data["token"] = token
    return client.post(url, data, follow=True)


def register_calls(emulator) -> list:
    """Job registrations Nomad received (each a POST/PUT to /v1/job…)."""
    return [
        c for c in emulator.calls if c.method in ("POST", "PUT") and c.path.startswith("/v1/job")
    ]


def reasons(deployment: Deployment) -> list[str]:
    return list(deployment.transitions.values_list("reason", flat=True))


def fresh(deployment: Deployment) -> Deployment:
    return Deployment.objects.get(pk=deployment.pk)
