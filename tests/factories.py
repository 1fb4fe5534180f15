"""factory-boy factories for the catalog, shaped like real AI4OS modules.

`ModuleFactory()` gives a published module with plausible metadata drawn from the AI4
vocabularies; traits cover the states pages must handle:

    ModuleFactory(tool=True)              # a tool (kind=tool, "AI4 tools" category)
    ModuleFactory(withdrawn=True)         # gone from the catalog
    ModuleFactory(hidden=True)            # hidden by a curator
    ModuleFactory(with_provenance=True)   # FieldProvenance for every curatable field + a run
    ModuleFactory(with_history=True)      # two ModuleRevisions (harvest, then curation)
    ModuleFactory(invalid_upstream=True)  # last harvest found invalid YAML, kept last good

`add_provenance(module, ...)` and `add_revision(module, ...)` are the helpers the traits use.

Deployments (all tests' factories live in this one module):

    DeployerFactory()                     # a user in vo.ai4eosc.eu with an OIDC sub
    DeploymentFactory(owner=user)         # a queued Nomad deployment of a module
    DeploymentFactory(running=True)       # submitted and running, with endpoints
    form_data(...), deployment_request(module, ...)  # what the deploy form posts / produces
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import uuid

import factory
from django.utils import timezone

from catalog.models import (
    CURATABLE_FIELDS,
    FieldProvenance,
    HarvestRun,
    Module,
    ModuleRevision,
)
from deployments.models import Deployment
from deployments.services import DeploymentRequest
from marketplace.models import User

TASKS = [
    "Computer Vision",
    "Classification",
    "Object Detection",
    "Segmentation",
    "Natural Language Processing",
    "Time Series",
    "Audio Processing",
    "Anomaly Detection",
    "Generative Models",
]
LIBRARIES = ["TensorFlow", "PyTorch", "Keras", "Scikit-learn", "XGBoost", "Other"]
DATA_TYPES = ["Image", "Video", "Text", "Audio", "Time Series", "Tabular", "Graph"]
TAGS = [
    "deep learning",
    "object detection",
    "general purpose",
    "vo.imagine-ai.eu",
    "vo.ai4eosc.eu",
    "earth observation",
    "biodiversity",
    "agriculture",
    "marine",
    "satellite imagery",
    "medical imaging",
]
LICENSES = ["MIT", "Apache-2.0", "GPL-3.0", "BSD-3-Clause", "AGPL-3.0"]
SUBJECTS = [
    ("plankton", "Phytoplankton species classifier"),
    ("yolo", "YOLO object detection"),
    ("speech", "Speech to text"),
    ("birds", "Bird sound classification"),
    ("sat", "Satellite super-resolution"),
    ("wrack", "Beach wrack segmentation"),
    ("thermal", "Thermal anomaly segmenter"),
    ("pose", "Human pose estimation"),
    ("lake", "Lake water quality forecaster"),
    ("seagrass", "Seagrass meadow mapper"),
]
CATEGORY_SETS = [
    ["AI4 trainable", "AI4 inference", "AI4 pre trained"],
    ["AI4 trainable", "AI4 inference"],
    ["AI4 inference", "AI4 pre trained"],
    ["AI4 trainable"],
    ["AI4 inference"],
]

README = """# {title}

{summary}.

## Usage

```bash
docker run -ti -p 5000:5000 {image}:latest
```

| Option | Default |
|---|---|
| `epochs` | 10 |

See the [training guide](docs/training.md) and the ![architecture](docs/arch.png).[^1]

[^1]: Built on the AI4OS template.
"""


def _pick(seq, n, seed, salt=""):
    """A deterministic, varied choice of n items: the same seed always gives the same list."""
    return random.Random(f"{salt}:{seed}").sample(list(seq), n)


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"curator{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")


class HarvestRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HarvestRun

    status = HarvestRun.Status.SUCCEEDED
    finished_at = factory.LazyFunction(timezone.now)
    catalogs = factory.LazyFunction(lambda: ["ai4os-hub/modules-catalog"])


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    class Params:
        seed = factory.Sequence(lambda n: n)
        subject = factory.LazyAttribute(lambda o: SUBJECTS[o.seed % len(SUBJECTS)])
        tool = factory.Trait(
            kind=Module.Kind.TOOL,
            categories=["AI4 tools"],
            name=factory.Sequence(lambda n: f"ai4os-dev-env-{n}"),
            title=factory.Sequence(lambda n: f"AI4OS Development Environment {n}"),
            summary="Jupyter and VS Code environment to build and train your own models",
        )
        withdrawn = factory.Trait(
            status=Module.Status.WITHDRAWN,
            withdrawn_at=factory.LazyFunction(timezone.now),
        )
        hidden = factory.Trait(is_hidden=True, moderation_reason="Broken image")
        invalid_upstream = factory.Trait(
            last_harvest_status=Module.HarvestStatus.INVALID,
            problems=factory.LazyFunction(
                lambda: [
                    {
                        "file": "ai4-metadata.yml",
                        "line": 14,
                        "field": "",
                        "message": "mapping values are not allowed here",
                        "severity": "error",
                    }
                ]
            ),
        )

    name = factory.LazyAttribute(lambda o: f"ai4os-{o.subject[0]}-{o.seed}")
    kind = Module.Kind.MODULE
    catalog = "ai4os-hub/modules-catalog"
    repository = factory.LazyAttribute(lambda o: f"ai4os-hub/{o.name}")
    repository_url = factory.LazyAttribute(lambda o: f"https://github.com/{o.repository}")
    branch = "main"
    title = factory.LazyAttribute(lambda o: f"{o.subject[1]} {o.seed}")
    summary = factory.LazyAttribute(
        lambda o: f"{o.subject[1]} trained on open data, ready to fine-tune or serve"
    )
    description = factory.LazyAttribute(
        lambda o: f"{o.subject[1]} built with the AI4OS template.\n\n**Inputs**: files."
    )
    tags = factory.LazyAttribute(lambda o: _pick(TAGS, 3, o.seed, "tags"))
    tasks = factory.LazyAttribute(lambda o: _pick(TASKS, 2, o.seed, "tasks"))
    categories = factory.LazyAttribute(
        lambda o: list(random.Random(f"categories:{o.seed}").choice(CATEGORY_SETS))
    )
    libraries = factory.LazyAttribute(
        lambda o: _pick(LIBRARIES, 1 + o.seed % 2, o.seed, "libraries")
    )
    data_types = factory.LazyAttribute(
        lambda o: _pick(DATA_TYPES, 1 + o.seed % 2, o.seed, "data_types")
    )
    license = factory.LazyAttribute(lambda o: LICENSES[o.seed % len(LICENSES)])
    docker_image = factory.LazyAttribute(lambda o: f"ai4oshub/{o.name}")
    links = factory.LazyAttribute(
        lambda o: {
            "source_code": o.repository_url,
            "docker_image": o.docker_image,
            "documentation": f"https://docs.ai4os.eu/en/latest/{o.name}.html",
            "dataset": f"https://zenodo.org/records/{1000000 + o.seed}",
        }
    )
    created = factory.LazyAttribute(lambda o: dt.date(2022, 1, 1) + dt.timedelta(days=o.seed * 7))
    updated = factory.LazyAttribute(
        lambda o: dt.date(2025, 7, 26) - dt.timedelta(days=(o.seed * 37) % 900)
    )
    docker_pulls = factory.LazyAttribute(lambda o: (o.seed * 7919) % 250_000)
    docker_tags = factory.LazyAttribute(
        lambda o: [
            {
                "name": "latest",
                "digest": "sha256:" + _sha(f"{o.name}:latest") + _sha(o.name)[:24],
                "size": 2_400_000_000,
                "architectures": ["amd64"],
                "last_pushed": "2025-07-26T10:00:00Z",
            },
            {
                "name": "cpu",
                "digest": "sha256:" + _sha(f"{o.name}:cpu") + _sha(o.name)[:24],
                "size": 1_100_000_000,
                "architectures": ["amd64", "arm64"],
                "last_pushed": "2025-06-01T10:00:00Z",
            },
        ]
    )
    readme = factory.LazyAttribute(
        lambda o: README.format(title=o.title, summary=o.summary, image=o.docker_image)
    )
    readme_path = "README.md"
    source_commit = factory.LazyAttribute(lambda o: _sha(o.name))
    source_committed_at = factory.LazyFunction(timezone.now)
    metadata_file = "ai4-metadata.yml"
    metadata_url = factory.LazyAttribute(
        lambda o: f"https://github.com/{o.repository}/blob/{o.source_commit}/ai4-metadata.yml"
    )
    metadata_version = "2.0.0"
    last_harvest_status = Module.HarvestStatus.OK
    last_harvested_at = factory.LazyFunction(timezone.now)
    last_good_harvest_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def with_provenance(obj, create, extracted, **kwargs):
        if create and extracted:
            add_provenance(obj)

    @factory.post_generation
    def with_history(obj, create, extracted, **kwargs):
        if create and extracted:
            add_revision(obj, number=1, kind=ModuleRevision.Kind.HARVEST)
            add_revision(obj, number=2, kind=ModuleRevision.Kind.CURATION)


def add_provenance(
    module: Module,
    *,
    fields: tuple[str, ...] = CURATABLE_FIELDS,
    harvest_run: HarvestRun | None = None,
    curated: dict[str, tuple[User, str]] | None = None,
) -> list[FieldProvenance]:
    """One FieldProvenance per field, as a harvest from GitHub/DockerHub would leave them.

    `curated` maps field → (curator, reason) for values a curator overrode.
    """
    run = harvest_run or HarvestRunFactory()
    module.last_harvest_run = run
    Module.objects.filter(pk=module.pk).update(last_harvest_run=run)
    curated = curated or {}
    now = timezone.now()
    rows = []
    for field in fields:
        if field in curated:
            curator, reason = curated[field]
            rows.append(
                FieldProvenance(
                    module=module,
                    field=field,
                    source_kind=FieldProvenance.SourceKind.CURATOR,
                    fetched_at=now,
                    curator=curator,
                    reason=reason,
                )
            )
        elif field == "docker_image":
            rows.append(
                FieldProvenance(
                    module=module,
                    field=field,
                    source_kind=FieldProvenance.SourceKind.DOCKERHUB,
                    source_url=f"https://hub.docker.com/r/{module.docker_image}",
                    fetched_at=now,
                    harvest_run=run,
                )
            )
        else:
            rows.append(
                FieldProvenance(
                    module=module,
                    field=field,
                    source_kind=FieldProvenance.SourceKind.GITHUB_FILE,
                    source_url=module.metadata_url,
                    commit_sha=module.source_commit,
                    fetched_at=now,
                    harvest_run=run,
                )
            )
    return FieldProvenance.objects.bulk_create(rows)


def add_revision(
    module: Module,
    *,
    number: int,
    kind: str = ModuleRevision.Kind.HARVEST,
    changes: list[dict] | None = None,
    author: User | None = None,
) -> ModuleRevision:
    """A revision of `module` with a plausible change list and its snapshot."""
    if changes is None:
        changes = [
            {"field": "summary", "old": "An older summary", "new": module.summary},
            {"field": "tags", "old": module.tags[:1], "new": module.tags},
        ]
    return ModuleRevision.objects.create(
        module=module,
        number=number,
        kind=kind,
        harvest_run=module.last_harvest_run if kind == ModuleRevision.Kind.HARVEST else None,
        author=author or (UserFactory() if kind == ModuleRevision.Kind.CURATION else None),
        reason="Fixed the summary" if kind == ModuleRevision.Kind.CURATION else "",
        from_commit=_sha(f"{module.name}-{number - 1}"),
        to_commit=module.source_commit or _sha(f"{module.name}-{number}"),
        changes=changes,
        snapshot={field: getattr(module, field) for field in ("title", "summary", "tags")},
    )


class ModuleRevisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModuleRevision

    module = factory.SubFactory(ModuleFactory)
    number = factory.Sequence(lambda n: n + 1)
    kind = ModuleRevision.Kind.HARVEST
    changes = factory.LazyFunction(list)
    snapshot = factory.LazyFunction(dict)


# --- deployments ----------------------------------------------------------------------------
VO = "vo.ai4eosc.eu"


class DeployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"deployer{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    oidc_sub = factory.LazyAttribute(lambda u: f"sub-{u.username}@egi.eu")
    vos = factory.LazyFunction(lambda: [VO])


class DeploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deployment

    class Params:
        running = factory.Trait(
            state=Deployment.State.RUNNING,
            submitted_at=factory.LazyFunction(timezone.now),
            submit_attempts=1,
            endpoints=factory.LazyAttribute(
                lambda o: {"api": f"https://api-{o.id}.deployments.localhost/ui"}
            ),
            main_endpoint="api",
        )

    id = factory.LazyFunction(uuid.uuid4)
    owner = factory.SubFactory(DeployerFactory)
    vo = VO
    module = factory.SubFactory(ModuleFactory)
    kind = Deployment.Kind.MODULE
    backend = Deployment.Backend.NOMAD
    title = factory.Sequence(lambda n: f"deployment {n}")
    service = Deployment.Service.DEEPAAS
    docker_image = factory.LazyAttribute(lambda o: o.module.docker_image)
    docker_tag = "latest"
    cpu = 1
    ram_mb = 2000
    disk_mb = 1000


def form_data(token: str = "", **overrides) -> dict:
    """What the deploy form posts for a small CPU DEEPaaS deployment; override any field."""
    return {
        "token": token or uuid.uuid4().hex,
        "vo": VO,
        "title": "t",
        "service": "deepaas",
        "docker_tag": "latest",
        "cpu_num": 1,
        "ram": 2000,
        "disk": 1000,
        "gpu_num": 0,
    } | overrides


def deployment_request(module, **overrides) -> DeploymentRequest:
    """A valid service-level request for `module` (what the form produces)."""
    backend = overrides.pop("backend", "nomad")
    values = {
        "module": module,
        "kind": "module" if backend == "nomad" else "oscar",
        "backend": backend,
        "vo": VO,
        "docker_image": module.docker_image,
        "docker_tag": "latest",
        "cpu": 1,
        "ram_mb": 2000,
        "disk_mb": 1000,
    }
    return DeploymentRequest(**(values | overrides))
