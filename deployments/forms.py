"""The deploy form, built from the configuration definition; the API validates with it too."""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any

from django import forms
from django.conf import settings

from deployments.config import (
    DESCRIPTION_MAX,
    IDE_SERVICES,
    PASSWORD_MIN,
    SERVICE_LABELS,
    TITLE_MAX,
    DeployConfig,
    image_allowed,
)
from deployments.datasets import DatasetError, parse_datasets
from deployments.federated_options import federated_options
from deployments.services.create import DeploymentRequest

flower = federated_options()  # the tool's `flower` section (federated_learning.options)

_HOSTNAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
SECRET_FIELDS = ("jupyter_password", "rclone_password")


def _int_field(param, label: str) -> forms.IntegerField:
    low, high = param.range or [None, None]
    span = f" ({low}–{high})" if low is not None and high is not None else ""
    return forms.IntegerField(
        label=f"{label}{span}",
        initial=param.value,
        min_value=low,
        max_value=high,
        error_messages={
            "required": f"{label} is required.",
            "invalid": f"{label} must be a whole number.",
            "min_value": f"{label} must be at least %(limit_value)s.",
            "max_value": f"{label} can be at most %(limit_value)s.",
        },
    )


class DeploymentForm(forms.Form):
    """Fields follow the configuration: an OSCAR service has no GPU, disk or storage."""

    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, config: DeployConfig, vos: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.config = config
        general = config.sections["general"]
        hardware = config.sections["hardware"]
        self.fields["token"].initial = uuid.uuid4().hex
        self.fields["vo"] = forms.ChoiceField(
            label="Virtual organisation",
            choices=[(vo, vo) for vo in vos],
            initial=config.vo or (vos[0] if vos else ""),
            error_messages={"invalid_choice": "You cannot deploy in VO %(value)s."},
        )
        self.fields["title"] = forms.CharField(
            label="Title",
            required=False,
            max_length=TITLE_MAX,
            error_messages={"max_length": f"The title can have at most {TITLE_MAX} characters."},
        )
        self.fields["description"] = forms.CharField(
            label="Description",
            required=False,
            max_length=DESCRIPTION_MAX,
            widget=forms.Textarea(attrs={"rows": 3}),
            error_messages={
                "max_length": f"The description can have at most {DESCRIPTION_MAX} characters."
            },
        )
        if "service" in general:
            self.fields["service"] = forms.ChoiceField(
                label="Service",
                choices=[(s, SERVICE_LABELS[s]) for s in general["service"].options],
                initial=general["service"].value,
            )
        if config.kind == "tool":
            self.fields["docker_image"] = forms.CharField(
                label="Docker image", initial=general["docker_image"].value, max_length=300
            )
        tags = general["docker_tag"].options or ["latest"]
        self.fields["docker_tag"] = forms.ChoiceField(
            label="Docker tag",
            choices=[(t, t) for t in tags],
            initial=general["docker_tag"].value,
            error_messages={
                "invalid_choice": "Docker tag %(value)s is not a harvested tag of this image."
            },
        )
        for key in ("cpu_num", "ram", "disk", "gpu_num"):
            if key in hardware:
                self.fields[key] = _int_field(hardware[key], hardware[key].name)
        if "gpu_type" in hardware:
            self.fields["gpu_type"] = forms.ChoiceField(
                label="GPU model",
                required=False,
                choices=[(t, t or "Any") for t in hardware["gpu_type"].options],
                error_messages={"invalid_choice": "GPU model %(value)s is not offered here."},
            )
        if "jupyter_password" in general:
            self.fields["jupyter_password"] = forms.CharField(
                label="IDE password",
                required=False,
                widget=forms.PasswordInput(render_value=False),
                help_text=f"JupyterLab and VS Code only; at least {PASSWORD_MIN} characters.",
            )
            self.fields["hostname"] = forms.CharField(
                label="Hostname", required=False, max_length=63, help_text="Optional."
            )
        if "storage" in config.sections:
            self.fields["rclone_url"] = forms.URLField(
                label="Storage URL (WebDAV)",
                required=False,
                max_length=500,
                assume_scheme="https",
                error_messages={"invalid": "The storage URL must be an http(s) URL."},
            )
            self.fields["rclone_user"] = forms.CharField(
                label="Storage user", required=False, max_length=200
            )
            self.fields["rclone_password"] = forms.CharField(
                label="Storage password",
                required=False,
                max_length=500,
                widget=forms.PasswordInput(render_value=False),
            )
            self.fields["datasets"] = DatasetsField()

        if "flower" in config.sections:
            for key, param in config.sections["flower"].items():
                self.fields[f"flower_{key}"] = _flower_field(key, param)

    # Fieldsets of the page, in display order.
    GROUPS = {
        "general": (
            "vo",
            "title",
            "description",
            "service",
            "docker_image",
            "docker_tag",
            "jupyter_password",
            "hostname",
        ),
        "hardware": ("cpu_num", "ram", "disk", "gpu_num", "gpu_type"),
        "storage": ("rclone_url", "rclone_user", "rclone_password", "datasets"),
        "flower": tuple(f"flower_{key}" for key in flower.OPTIONS),
    }

    def _group(self, name: str) -> list[forms.BoundField]:
        return [self[field] for field in self.GROUPS[name] if field in self.fields]

    @property
    def general_group(self) -> list[forms.BoundField]:
        return self._group("general")

    @property
    def hardware_group(self) -> list[forms.BoundField]:
        return self._group("hardware")

    @property
    def storage_group(self) -> list[forms.BoundField]:
        return self._group("storage")

    @property
    def flower_group(self) -> list[forms.BoundField]:
        return self._group("flower")

    def clean_flower_metric(self) -> str:
        text = (self.cleaned_data.get("flower_metric") or "").strip()
        try:
            flower.parse_metrics(text)
        except ValueError as exc:
            raise forms.ValidationError(f"Evaluation metric: {exc}.") from exc
        return text

    def clean_hostname(self) -> str:
        hostname = (self.cleaned_data.get("hostname") or "").strip().lower()
        if hostname and not _HOSTNAME_RE.match(hostname):
            raise forms.ValidationError(
                "The hostname may contain lowercase letters, digits and hyphens "
                "(not at the start or end), at most 63 characters."
            )
        return hostname

    def clean_docker_image(self) -> str:
        image = (self.cleaned_data.get("docker_image") or "").strip().lower()
        if not image_allowed(image):
            raise forms.ValidationError(_image_refusal(f"Image {image} is not allowed"))
        return image

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        service = data.get("service", "deepaas")
        if service in IDE_SERVICES and "jupyter_password" in self.fields:
            password = data.get("jupyter_password") or ""
            if len(password) < PASSWORD_MIN:
                self.add_error(
                    "jupyter_password",
                    f"{SERVICE_LABELS[service]} needs a password of at least "
                    f"{PASSWORD_MIN} characters.",
                )
        if data.get("gpu_num", 0) == 0:
            data["gpu_type"] = ""  # a model only matters when GPUs are requested
        storage = [data.get(k) for k in ("rclone_url", "rclone_user", "rclone_password")]
        if "rclone_url" in self.fields and any(storage) and not all(storage):
            self.add_error(
                "rclone_url",
                "Storage needs all of URL, user and password (or none of them).",
            )
        self._clean_flower(data)
        if self.config.kind != "tool":
            image = self.config.sections["general"]["docker_image"].value
            if not image_allowed(image):
                raise forms.ValidationError(
                    _image_refusal(f"This module's image {image} cannot be deployed")
                )
        return data

    def _clean_flower(self, data: dict[str, Any]) -> None:
        """The rules across the federated options (strategy parameters, differential
        privacy, the budget cap): the tool's own check, each message on its field."""
        keys = [key for key in flower.OPTIONS if f"flower_{key}" in self.fields]
        if not keys:
            return
        wrong = {key for key in keys if f"flower_{key}" in self.errors}
        if wrong:
            # Some fields are wrong on their own; say at once what else is wrong with one
            # option alone (β₁ = 2 beside η = −0.1), judging the wrong ones at their defaults.
            # Rules across options wait: their message could name a value not given.
            values = {
                key: flower.OPTIONS[key].value if key in wrong else data.get(f"flower_{key}")
                for key in keys
            }
            for key, message in flower.validate(values, check_budget=False).items():
                if key in flower.SINGLE_OPTION_RULES and key not in wrong:
                    self.add_error(f"flower_{key}", message)
            return
        values = {key: data.get(f"flower_{key}") for key in keys}
        self._flower_values = values  # add_error drops a refused field from cleaned_data
        for key, message in flower.validate(values).items():
            self.add_error(f"flower_{key}", message)

    @property
    def flower_budget(self):
        """The privacy budget the form's federated options spend (None without DP or while
        they are invalid): shown before launch so a data owner can agree to it."""
        keys = [key for key in flower.OPTIONS if f"flower_{key}" in self.fields]
        if not keys:
            return None
        if self.is_bound:
            # Shown as long as each option is valid on its own: a budget beyond the cap is
            # exactly what the owner needs to see next to its refusal.
            values = getattr(self, "_flower_values", None)
            if values is None:
                return None
        else:
            values = {key: self[f"flower_{key}"].initial for key in keys}
        try:
            return flower.budget(values)
        except (TypeError, ValueError):
            return None

    def to_request(self, *, module) -> DeploymentRequest:
        """The validated values as the service's input (call after is_valid())."""
        data = self.cleaned_data
        general = self.config.sections["general"]
        hardware = self.config.sections["hardware"]
        default = {key: param.value for key, param in hardware.items()}
        # The IDE password only matters (and is only kept) for JupyterLab and VS Code.
        ide = data.get("service") in IDE_SERVICES
        secret_fields = [k for k in SECRET_FIELDS if ide or k != "jupyter_password"]
        kept_secrets = {key: data[key] for key in secret_fields if data.get(key)}
        config = {key: data[key] for key in ("rclone_url", "rclone_user") if data.get(key)}
        if data.get("datasets"):
            config["datasets"] = data["datasets"]
        if "flower" in self.config.sections:
            config["flower"] = {key: data[f"flower_{key}"] for key in flower.OPTIONS}
            # A fresh secret per deployment: every client must present it.
            kept_secrets[flower.TOKEN_SECRET] = secrets.token_hex(32)
        return DeploymentRequest(
            module=module,
            kind=self.config.kind,
            backend=self.config.backend,
            vo=data["vo"],
            title=data.get("title") or random_title(),
            description=data.get("description") or "",
            service=data.get("service") or "deepaas",
            docker_image=data.get("docker_image") or general["docker_image"].value,
            docker_tag=data["docker_tag"],
            cpu=data.get("cpu_num", default.get("cpu_num", 1)),
            ram_mb=data.get("ram", default.get("ram", 1000)),
            disk_mb=data.get("disk", default.get("disk") or 0),
            gpu_num=data.get("gpu_num", 0),
            gpu_type=data.get("gpu_type") or "",
            hostname=data.get("hostname") or "",
            config=config,
            secrets=kept_secrets,
        )


class DatasetsField(forms.Field):
    """Datasets by DOI or https URL: the form's lines or PAPI's `[{doi, force_pull}]`."""

    widget = forms.Textarea(attrs={"rows": 3, "placeholder": "10.5281/zenodo.1234567"})

    def __init__(self) -> None:
        super().__init__(
            label="Datasets (DOI or https URL)",
            required=False,
            help_text="One per line, fetched when the job starts; add “ force_pull” after "
            "one to download it again even if your storage already has it.",
        )

    def to_python(self, value):
        try:
            return parse_datasets(value)
        except DatasetError as exc:
            raise forms.ValidationError(f"Datasets: {exc}.") from exc

    def prepare_value(self, value):
        if isinstance(value, list):  # a refused or re-shown form keeps what was typed
            return "\n".join(
                d["doi"] + (" force_pull" if d.get("force_pull") else "")
                for d in value
                if isinstance(d, dict) and "doi" in d
            )
        return value


def _flower_field(key: str, param) -> forms.Field:
    """A form field for one option of the `flower` section, typed as PAPI's value is."""
    option = flower.OPTIONS[key]
    label = param.name
    if option.kind is bool:
        return forms.BooleanField(
            label=label, required=False, initial=param.value, help_text=param.description
        )
    if option.options:
        return forms.ChoiceField(
            label=label,
            choices=list(zip(option.options, option.labels or option.options, strict=True)),
            initial=param.value,
            help_text=param.description,
            error_messages={"invalid_choice": f"{label}: %(value)s is not offered."},
        )
    if option.kind is str:
        return forms.CharField(
            label=label, initial=param.value, max_length=200, help_text=param.description
        )
    low, high = option.range or (None, None)
    kind = forms.IntegerField if option.kind is int else forms.FloatField
    bounds = f"{'above' if option.above else 'at least'} {low}" + (
        f", at most {high}" if high is not None else ""
    )
    return kind(
        label=label,
        initial=param.value,
        min_value=low,
        max_value=high,
        help_text=f"{param.description} ({bounds}).",
        error_messages={
            "required": f"{label} is required.",
            "invalid": f"{label} must be a {'whole ' if option.kind is int else ''}number.",
            "min_value": f"{label} must be at least %(limit_value)s.",
            "max_value": f"{label} can be at most %(limit_value)s.",
        },
    )


def random_title() -> str:
    """A readable name for an untitled deployment, as the dashboard gives one."""
    colour = secrets.choice(_COLOURS)
    animal = secrets.choice(_ANIMALS)
    return f"{colour}-{animal}"


_COLOURS = ("amber", "azure", "coral", "indigo", "jade", "olive", "ruby", "teal", "violet")
_ANIMALS = ("otter", "lynx", "heron", "ibex", "koala", "puffin", "gecko", "bison", "marten")


def _image_refusal(what: str) -> str:
    prefixes = ", ".join(settings.DEPLOY_ALLOWED_IMAGE_PREFIXES)
    return f"{what}: it must start with one of {prefixes}."
