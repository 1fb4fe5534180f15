"""Settings for AI Exchange, read from the environment (django-environ).

Every setting has an embedded default that works on a laptop: SQLite in
./var, Redis on localhost as the broker if present, the sandbox deploy
backend. Production settings (`marketplace.settings_production`) refuse to
start without their secrets.
"""

import re
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("AIX_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
env.read_env(BASE_DIR / ".env") if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = "AI Exchange"
# Sandbox: deployments go to the local Nomad/OSCAR emulators and a "sign in as a sandbox
# user" button exists. Set only by the demo run command; never in production.
SANDBOX_MODE = env.bool("SANDBOX_MODE", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "mozilla_django_oidc",
    "marketplace",
    "catalog",
    "deployments",
    "pipelines",
    "monitoring",
    "federated_learning",
]

MIDDLEWARE = [
    "marketplace.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Inside CommonMiddleware, whose slash-appending redirect still comes first.
    "marketplace.middleware.DebugApiNotFoundMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # NUL or a lone surrogate in any form body is a 400 naming the field (marketplace/inputs).
    "marketplace.inputs.form_text.FormTextMiddleware",
    # A page's form action opened with GET (reload, bookmark) is a page, not an empty 405.
    "marketplace.form_addresses.FormAddressMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"
AUTH_USER_MODEL = "marketplace.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "marketplace.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite by default; DATABASE_URL=postgres://user@host:5432/name for PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several processes (web, worker) share the file: wait instead of failing on locks.
    # WAL lets readers proceed while the worker writes; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache("CACHE_URL")}
elif REDIS_URL:
    CACHES = {
        "default": {
            # Fails soft: with Redis away, pages are computed instead of crashing.
            "BACKEND": "marketplace.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ---------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# A task whose worker dies is re-delivered, not lost (tasks are idempotent).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded broker of the demo run command: messages are files under var/,
    # so a laptop without Redis still gets a real worker.
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
# Four queues so a slow harvest or a big status sync never delays a deploy click
# (exact task names win over the patterns).
CELERY_TASK_ROUTES = {
    "deployments.tasks.sync_statuses": {"queue": "sync"},
    "deployments.tasks.reconcile_deployments": {"queue": "sync"},
    "pipelines.tasks.reconcile_pipeline_runs": {"queue": "sync"},
    # Short and periodic: a long harvest on the harvest queue must not hold it up.
    "catalog.tasks.roll_up_usage": {"queue": "sync"},
    "federated_learning.tasks.record_progress": {"queue": "sync"},
    # Drift checks, pruning and the demo generator: a backlog there never delays the others.
    "monitoring.tasks.*": {"queue": "monitoring"},
    "catalog.tasks.*": {"queue": "harvest"},
    "deployments.tasks.*": {"queue": "deploy"},
    "pipelines.tasks.*": {"queue": "deploy"},
}
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_TIMEZONE = "UTC"

# --- Harvest --------------------------------------------------------------
GITHUB_API_URL = env.str("GITHUB_API_URL", default="https://api.github.com").rstrip("/")
GITHUB_RAW_URL = env.str("GITHUB_RAW_URL", default="https://raw.githubusercontent.com").rstrip("/")
GITHUB_TOKEN = env.str("GITHUB_TOKEN", default="")
DOCKERHUB_API_URL = env.str("DOCKERHUB_API_URL", default="https://hub.docker.com").rstrip("/")
# kind=owner/repo[@branch] pairs; the tools catalog is read the same way as modules.
HARVEST_CATALOGS = env.list(
    "HARVEST_CATALOGS",
    default=["modules=ai4os-hub/modules-catalog", "tools=ai4os/tools-catalog"],
)
# Catalogs are named GitHub organisations; links to any other host are not followed.
HARVEST_ALLOWED_OWNERS = env.list(
    "HARVEST_ALLOWED_OWNERS", default=["ai4os", "ai4os-hub", "deephdc"]
)
HARVEST_CONCURRENCY = env.int("HARVEST_CONCURRENCY", default=16)
HARVEST_HTTP_TIMEOUT = env.float("HARVEST_HTTP_TIMEOUT", default=15.0)
HARVEST_HTTP_RETRIES = env.int("HARVEST_HTTP_RETRIES", default=4)
HARVEST_MAX_WAIT_SECONDS = env.float("HARVEST_MAX_WAIT_SECONDS", default=900.0)
# Hourly: an unchanged module costs only conditional requests (304s, which GitHub does not
# count against the rate limit); webhooks (GITHUB_WEBHOOK_SECRET) make pushes faster still.
HARVEST_INTERVAL_HOURS = env.float("HARVEST_INTERVAL_HOURS", default=1.0)
README_MAX_BYTES = env.int("README_MAX_BYTES", default=512 * 1024)

# --- External sources (catalog.services.multisource) ----------------------------
# Queries per source, separated by ";", each "key=value,key=value" (docs/operations.md).
# Empty: nothing beyond the AI4OS catalogs is harvested.
HARVEST_HUGGINGFACE = [
    q for q in env.str("HARVEST_HUGGINGFACE", default="").split(";") if q.strip()
]
HARVEST_BIOIMAGEIO = [q for q in env.str("HARVEST_BIOIMAGEIO", default="").split(";") if q.strip()]
HARVEST_AIOD = [q for q in env.str("HARVEST_AIOD", default="").split(";") if q.strip()]
HUGGINGFACE_ENDPOINT = env.str("HUGGINGFACE_ENDPOINT", default="https://huggingface.co").rstrip("/")
HUGGINGFACE_TOKEN = env.str("HUGGINGFACE_TOKEN", default="")
BIOIMAGEIO_COLLECTION_URL = env.str(
    "BIOIMAGEIO_COLLECTION_URL",
    default="https://uk1s3.embl.ac.uk/public-datasets/bioimage.io/collection.json",
)
AIOD_API_URL = env.str("AIOD_API_URL", default="https://api.aiod.eu/v2").rstrip("/")

# --- Harvester engine (catalog.services.harvest, catalog.sources) ------------
# First retry after ~this many seconds, doubling each time (with jitter).
HARVEST_HTTP_BACKOFF = env.float("HARVEST_HTTP_BACKOFF", default=0.5)
# A run still "running" after this long belongs to a dead process: marked failed.
HARVEST_STALE_RUN_HOURS = env.float("HARVEST_STALE_RUN_HOURS", default=6.0)
CELERY_BEAT_SCHEDULE["harvest-catalog"] = {
    "task": "catalog.tasks.harvest_catalog",
    "schedule": HARVEST_INTERVAL_HOURS * 3600,
}

# --- Deploy (one-click deployments to Nomad and OSCAR) ---------------------
# Pointing these at a real cluster needs no code change; the demo points them at the
# sandbox emulators (deployments/sandbox).
# The class behind each Deployment.backend value (deployments.backends.registry). The sandbox
# and the tests run these same classes against the emulators in deployments/sandbox/.
# The federated-server tool's `flower` options the deploy form, PAPI's /config and the Nomad job
# offer (deployments.federated_options: deployments sits below the federated_learning app).
DEPLOY_FEDERATED_OPTIONS = "federated_learning.options"
DEPLOY_BACKENDS = {
    "nomad": "deployments.backends.nomad.NomadBackend",
    "oscar": "deployments.backends.oscar.OscarBackend",
}
# Datasets a deployment names by DOI or URL (deployments/datasets.py): the job fetches them in
# a prestart task running this image (PAPI's dataset_download task), and the platform reads the
# dataset's Zenodo-style record (files, checksums) once the job ran past it. The sandbox points
# DATASET_RECORDS_API at its loopback record server.
DEPLOY_DATASET_IMAGE = env.str(
    "DEPLOY_DATASET_IMAGE", default="registry.services.ai4os.eu/ai4os/docker-zenodo:latest"
)
DATASET_RECORDS_API = env.str(
    "DATASET_RECORDS_API", default="https://zenodo.org/api/records/"
).rstrip("/")
DATASET_RECORDS_TIMEOUT = env.float("DATASET_RECORDS_TIMEOUT", default=5.0)
NOMAD_ADDR = env.str("NOMAD_ADDR", default="http://127.0.0.1:4646").rstrip("/")
NOMAD_TOKEN = env.str("NOMAD_TOKEN", default="")
NOMAD_REGION = env.str("NOMAD_REGION", default="")
NOMAD_TIMEOUT = env.float("NOMAD_TIMEOUT", default=5.0)
NOMAD_DATACENTERS = env.list("NOMAD_DATACENTERS", default=["*"])
# Namespace per VO (PAPI's etc/main.yaml); VOs not listed use NOMAD_NAMESPACE.
NOMAD_NAMESPACE = env.str("NOMAD_NAMESPACE", default="default")
NOMAD_NAMESPACES = env.dict(
    "NOMAD_NAMESPACES",
    default={
        "vo.ai4eosc.eu": "ai4eosc",
        "vo.imagine-ai.eu": "imagine",
        "vo.ai4life.eu": "ai4life",
    },
)
# Base domain of the Traefik routers; endpoints are https://<label>-<uuid>.<domain>.
DEPLOY_ENDPOINT_DOMAIN = env.str("DEPLOY_ENDPOINT_DOMAIN", default="deployments.localhost")
# How this site reaches a federated server (its Flower gRPC port and its status JSON):
# "endpoint" through the Traefik routers (fedserver-/monitor-<uuid>.<domain>, TLS), as a real
# cluster serves them; "allocation" straight at the allocation's host ports read from Nomad
# (the sandbox emulator runs the server on loopback; on a real cluster only where this site
# can reach the nodes' addresses).
DEPLOY_FEDSERVER_ACCESS = env.str(
    "DEPLOY_FEDSERVER_ACCESS", default="allocation" if SANDBOX_MODE else "endpoint"
)
DEPLOY_FEDSERVER_TIMEOUT = env.float("DEPLOY_FEDSERVER_TIMEOUT", default=2.0)
# How often the beat reads each running federated server's status and keeps its progress
# (rounds completed, privacy budget spent) with the deployment for its citation record; the
# deployment's page keeps it too, at every poll.
FEDSERVER_PROGRESS_INTERVAL = env.float("FEDSERVER_PROGRESS_INTERVAL", default=60.0)
# What a partner site runs once to get the federated-learning client (the `aix-fl-client`
# console script of this package), shown with a copy button on a federated server's page. Set
# it to where this site publishes the package (a private index, a wheel URL, a git URL).
DEPLOY_FEDSERVER_CLIENT_INSTALL = env.str(
    "DEPLOY_FEDSERVER_CLIENT_INSTALL", default="pip install ai-exchange"
)
# How this site reaches a Nomad deployment's DEEPaaS API for inference (Try it, the OIP
# gateway): "endpoint" through its Traefik router, "allocation" at the allocation's `api`
# port (the sandbox runs the real DEEPaaS server on loopback).
DEPLOY_DEEPAAS_ACCESS = env.str(
    "DEPLOY_DEEPAAS_ACCESS", default="allocation" if SANDBOX_MODE else "endpoint"
)
# Seconds one inference (a DEEPaaS predict, an OSCAR /run) may take before we answer 504.
DEPLOY_INFERENCE_TIMEOUT = env.float("DEPLOY_INFERENCE_TIMEOUT", default=30.0)
# Model calls (Try it, the inference API) one web process waits on at once; a call beyond
# them is refused at once (503, Retry-After) so that slow models never hold every thread
# and the pages stay served (deployments.services.model_calls). 0: no bound. The container
# sets it to its threads less one (docker/entrypoint.sh).
INFERENCE_CALLS_PER_PROCESS = env.int("INFERENCE_CALLS_PER_PROCESS", default=0)
# Largest Open Inference Protocol request body accepted (JSON or binary tensors): 413 above.
INFERENCE_MAX_REQUEST_BYTES = env.int("INFERENCE_MAX_REQUEST_BYTES", default=16 * 1024 * 1024)
# The deployment an inference goes to, read moments ago, is reused for this long by the
# process that read it (deployments.selectors.deployment_for_inference); a change made in
# that process is seen at once, one made elsewhere within this. 0 reads it every request.
INFERENCE_ROUTE_RECHECK_SECONDS = env.float("INFERENCE_ROUTE_RECHECK_SECONDS", default=1.0)
# Stamped into every job's Meta so one bulk query finds this site's jobs on a shared cluster.
DEPLOY_INSTANCE = env.str("DEPLOY_INSTANCE", default="aix")
OSCAR_ENDPOINT = env.str("OSCAR_ENDPOINT", default="http://127.0.0.1:8090").rstrip("/")
OSCAR_CLUSTER_ID = env.str("OSCAR_CLUSTER_ID", default="oscar")
OSCAR_USERNAME = env.str("OSCAR_USERNAME", default="oscar")
OSCAR_PASSWORD = env.str("OSCAR_PASSWORD", default="")
# An OIDC access token instead of Basic auth (oscar-python's `oidc_token`).
OSCAR_OIDC = env.str("OSCAR_OIDC", default="")
OSCAR_SSL_VERIFY = env.bool("OSCAR_SSL_VERIFY", default=True)
OSCAR_TIMEOUT = env.float("OSCAR_TIMEOUT", default=10.0)
# Secrets (storage and IDE passwords) are Fernet-encrypted with a key derived from this,
# or from SECRET_KEY when empty.
DEPLOY_SECRETS_KEY = env.str("DEPLOY_SECRETS_KEY", default="")
DEPLOY_VOS = env.list("DEPLOY_VOS", default=["vo.ai4eosc.eu", "vo.imagine-ai.eu", "vo.ai4life.eu"])
DEPLOY_ALLOWED_IMAGE_PREFIXES = env.list(
    "DEPLOY_ALLOWED_IMAGE_PREFIXES",
    default=["ai4oshub/", "deephdc/", "registry.cloud.ai4eosc.eu/"],
)
DEPLOY_GPU_TYPES = env.list("DEPLOY_GPU_TYPES", default=["Tesla T4", "Tesla V100-PCIE-32GB"])
# Form ranges and defaults ([min, max], MB for ram/disk); per-VO overrides merge on top.
DEPLOY_LIMITS = env.json(
    "DEPLOY_LIMITS",
    default={
        "nomad": {
            "cpu_num": {"value": 4, "range": [1, 10]},
            "ram": {"value": 8000, "range": [2000, 40000]},
            "disk": {"value": 10000, "range": [1000, 50000]},
            "gpu_num": {"value": 0, "range": [0, 1]},
        },
        "oscar": {
            "cpu_num": {"value": 2, "range": [1, 8]},
            "ram": {"value": 3000, "range": [1000, 8000]},
        },
        "vo": {
            "tutorials": {
                "cpu_num": {"value": 2, "range": [2, 4]},
                "ram": {"value": 2000, "range": [2000, 4000]},
                "disk": {"value": 500, "range": [300, 1000]},
                "gpu_num": {"value": 0, "range": [0, 0]},
            }
        },
    },
)
# Concurrent use allowed per user and per VO ("*" = any VO not listed).
DEPLOY_QUOTAS = env.json(
    "DEPLOY_QUOTAS",
    default={
        "user": {"deployments": 10, "cpu": 40, "ram_mb": 160000, "gpu": 2},
        "vo": {"*": {"deployments": 2000, "cpu": 8000, "ram_mb": 32000000, "gpu": 64}},
    },
)
# Seconds a deployment may stay in a state before the reconciler acts.
DEPLOY_REQUEUE_AFTER = env.int("DEPLOY_REQUEUE_AFTER", default=30)
DEPLOY_STATE_TIMEOUTS = env.json(
    "DEPLOY_STATE_TIMEOUTS",
    default={"queued": 3600, "submitting": 900, "pending": 6 * 3600, "starting": 3600},
)
# Submit/delete tasks retry transient backend errors with exponential backoff (seconds).
DEPLOY_MAX_RETRIES = env.int("DEPLOY_MAX_RETRIES", default=6)
DEPLOY_RETRY_BACKOFF = env.int("DEPLOY_RETRY_BACKOFF", default=2)
DEPLOY_SYNC_INTERVAL = env.float("DEPLOY_SYNC_INTERVAL", default=15.0)
# A page view asks for a sync at most this often (seconds).
DEPLOY_SYNC_THROTTLE = env.float("DEPLOY_SYNC_THROTTLE", default=5.0)
DEPLOY_OSCAR_MAX_UPLOAD_BYTES = env.int("DEPLOY_OSCAR_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)

# --- Composite pipelines (pipelines/): steps as OSCAR services chained through MinIO ------
# Image of the aggregation (join) steps, built from docker/join/Dockerfile (operations.md);
# module steps run the module's own image.
PIPELINES_JOIN_IMAGE = env.str(
    "PIPELINES_JOIN_IMAGE", default="registry.example.org/ai-exchange-join:1.0.0"
)
PIPELINES_POLL_SECONDS = env.float("PIPELINES_POLL_SECONDS", default=1.0)
PIPELINES_RUN_TIMEOUT = env.float("PIPELINES_RUN_TIMEOUT", default=1800.0)
PIPELINES_SYNC_TIMEOUT = env.float("PIPELINES_SYNC_TIMEOUT", default=120.0)
PIPELINES_MAX_INPUT_FILES = env.int("PIPELINES_MAX_INPUT_FILES", default=200)
# The run reconciler (pipelines.reconcile): a queued run whose task is older than this is
# enqueued again; a worker that has not renewed its run's lease for PIPELINES_STALL_AFTER
# seconds is presumed dead, and its run goes to another worker at most
# PIPELINES_MAX_RECOVERIES times before it fails (services removed); a run queued for
# PIPELINES_QUEUED_TIMEOUT seconds fails.
PIPELINES_REQUEUE_AFTER = env.int("PIPELINES_REQUEUE_AFTER", default=60)
# Longer than the slowest single call between renewals (a Try-it step: PIPELINES_SYNC_TIMEOUT).
PIPELINES_STALL_AFTER = env.int("PIPELINES_STALL_AFTER", default=300)
PIPELINES_MAX_RECOVERIES = env.int("PIPELINES_MAX_RECOVERIES", default=2)
PIPELINES_QUEUED_TIMEOUT = env.int("PIPELINES_QUEUED_TIMEOUT", default=3600)
CELERY_BEAT_SCHEDULE["pipelines-reconcile"] = {
    "task": "pipelines.tasks.reconcile_pipeline_runs",
    "schedule": env.float("PIPELINES_RECONCILE_INTERVAL", default=30.0),
}
CELERY_BEAT_SCHEDULE["deployments-sync-statuses"] = {
    "task": "deployments.tasks.sync_statuses",
    "schedule": DEPLOY_SYNC_INTERVAL,
    "options": {"expires": DEPLOY_SYNC_INTERVAL},
}
CELERY_BEAT_SCHEDULE["federated-learning-record-progress"] = {
    "task": "federated_learning.tasks.record_progress",
    "schedule": FEDSERVER_PROGRESS_INTERVAL,
    "options": {"expires": FEDSERVER_PROGRESS_INTERVAL},
}
CELERY_BEAT_SCHEDULE["deployments-reconcile"] = {
    "task": "deployments.tasks.reconcile_deployments",
    "schedule": env.float("DEPLOY_RECONCILE_INTERVAL", default=30.0),
}

# --- REST API -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "marketplace.openapi.ErrorDocumentingAutoSchema",
    # DRF's defaults with the one bounded JSON reader (marketplace/inputs): a body nested
    # 5,000 deep, a 500-digit integer or a lone surrogate is a 400 naming the field.
    "DEFAULT_PARSER_CLASSES": [
        "marketplace.inputs.drf.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_THROTTLE_CLASSES": ["catalog.api.throttling.CatalogAnonThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env.str("API_ANON_RATE", default="600/minute")},
}
# A personal token found in the database is trusted for this long in the process that found
# it (marketplace.recently_read): a revocation reaches the other processes within it, the
# process that revoked at once. 0 reads the token on every request.
API_TOKEN_RECHECK_SECONDS = env.float("API_TOKEN_RECHECK_SECONDS", default=1.0)
SPECTACULAR_SETTINGS = {
    "TITLE": "AI Exchange API",
    "DESCRIPTION": "The FAIR catalog of AI modules: read it, harvest it, deploy from it.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc assets ship with drf-spectacular-sidecar: the docs work offline
    # and under a self-only Content Security Policy.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
CORS_URLS_REGEX = r"^/(api|v1|oai|catalog\.jsonld|sitemap\.xml|feed).*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False

# --- Catalog API, PAPI routes and FAIR exposure (catalog.api, catalog.papi, catalog.fair) ---
INSTALLED_APPS += ["django.contrib.sitemaps"]
MIDDLEWARE += [
    # JSON-LD / Turtle by content negotiation on module pages, and Signposting Link headers.
    "catalog.fair.negotiation.LinkedDataNegotiationMiddleware",
    "catalog.fair.signposting.SignpostingMiddleware",
]
FAIR_MODULE_PAGE_ROUTES = ["catalog:module-detail", "catalog:tool-detail"]
# Bearer token of PUT /v1/catalog/{modules,tools}/refresh (PAPI's Jenkins token); empty = off.
PAPI_REFRESH_TOKEN = env.str("PAPI_REFRESH_TOKEN", default="")
# `refresh?item_name=` waits this long for the one-module harvest; a slower one answers 202
# and publishes when it is done.
PAPI_REFRESH_TIMEOUT_SECONDS = env.float("PAPI_REFRESH_TIMEOUT_SECONDS", default=10.0)
# Called by each web worker as it starts (marketplace/wsgi.py), so that no request pays for
# a first use: the metadata validators and the SPDX licence index a refresh's harvest builds
# (~0.5 s once per process).
WARM_UP_ON_START = ["catalog.metadata.validation.warm_up", "catalog.metadata.licences.warm_up"]
# GitHub push webhooks (POST /api/v1/webhooks/github, docs/operations.md): the secret set on
# GitHub (empty: the endpoint answers 404), how long a delivery is remembered against replays,
# and how many events a repository may send a minute.
GITHUB_WEBHOOK_SECRET = env.str("GITHUB_WEBHOOK_SECRET", default="")
GITHUB_WEBHOOK_REPLAY_DAYS = env.float("GITHUB_WEBHOOK_REPLAY_DAYS", default=7.0)
GITHUB_WEBHOOK_MAX_PER_MINUTE = env.int("GITHUB_WEBHOOK_MAX_PER_MINUTE", default=30)
OAI_ADMIN_EMAIL = env.str("OAI_ADMIN_EMAIL", default="catalog@ai-exchange.example.org")
OAI_REPOSITORY_IDENTIFIER = env.str("OAI_REPOSITORY_IDENTIFIER", default="")  # SITE_URL host
OAI_PAGE_SIZE = env.int("OAI_PAGE_SIZE", default=100)
OAI_TOKEN_TTL = env.int("OAI_TOKEN_TTL", default=24 * 3600)
OAI_SETS_ENABLED = True
# Rendered API list pages are reused while their ETag holds (0 = always recompute).
API_LIST_CACHE_SECONDS = env.int("API_LIST_CACHE_SECONDS", default=300)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "ModuleKindEnum": "catalog.models.Module.Kind",
    "RevisionKindEnum": "catalog.models.ModuleRevision.Kind",
    "DeploymentKindEnum": "deployments.models.Deployment.Kind",
    "StateEnum": "deployments.models.DeploymentState",  # the name it had before pipelines
    "PipelineRunStateEnum": "pipelines.models.RunState",
    "PipelineStepStateEnum": "pipelines.models.StepRun.State",
    "PipelineRunModeEnum": "pipelines.models.PipelineRun.Mode",
    # A pipeline step's kind, also a part's kind in a pipeline's catalog entry.
    "PipelineStepKindEnum": ["module", "join", "pipeline"],
}

# --- Static files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- I18N -----------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Auth -----------------------------------------------------------------
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# --- Sign-in (OIDC) -------------------------------------------------------
# mozilla-django-oidc, authorization code flow with PKCE, state and nonce; ID tokens
# checked (RS256) against the provider's JWKS. Set OIDC_OP_DISCOVERY_URL (the provider's
# .well-known/openid-configuration) or each OIDC_OP_* endpoint; an explicit endpoint
# wins, the rest are read from discovery on first use (marketplace.auth.provider).
AUTHENTICATION_BACKENDS = ["marketplace.auth.backend.OIDCBackend", *AUTHENTICATION_BACKENDS]
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="your institution (EGI Check-in)")
OIDC_OP_DISCOVERY_URL = env.str("OIDC_OP_DISCOVERY_URL", default="")
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default="")
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile eduperson_entitlement")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_USE_PKCE = env.bool("OIDC_USE_PKCE", default=True)
OIDC_USE_NONCE = True
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10.0)
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of RP-initiated logout
OIDC_OP_LOGOUT_URL_METHOD = "marketplace.auth.views.provider_logout_url"
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = env.int("OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS", default=900)
OIDC_USERINFO_CACHE_SECONDS = env.int("OIDC_USERINFO_CACHE_SECONDS", default=60)
OIDC_EXEMPT_URLS = [re.compile(r"^/(api|v1|oai|static|healthz|readyz|metrics|accounts/logout)")]
# Roles from entitlement claims: whitespace-separated regular expressions, each matched
# against a whole entitlement; a named group `vo` names the VO (marketplace.auth.claims).
OIDC_ENTITLEMENT_CLAIMS = env.str(
    "OIDC_ENTITLEMENT_CLAIMS", default="eduperson_entitlement groups realm_access.roles"
).split()
OIDC_ENTITLEMENT_VO_PATTERN = env.str(
    "OIDC_ENTITLEMENT_VO_PATTERN",
    default=r"urn:mace:egi\.eu:group:(?P<vo>[^:#]+)(?::[^#]*)?(?:#.*)?"
    r" access:(?P<vo>[^:]+):[\w.-]+",
).split()
CURATOR_ENTITLEMENTS = env.str(
    "CURATOR_ENTITLEMENTS",
    default=r"urn:mace:egi\.eu:group:(?P<vo>[^:#]+):role=curator(?:#.*)?"
    r" access:(?P<vo>[^:]+):curator ai-exchange:curator",
).split()
ADMIN_ENTITLEMENTS = env.str("ADMIN_ENTITLEMENTS", default="ai-exchange:admin").split()
# Which catalogs (Module.catalog, owner/repo; "*" = all) each VO's curators look after;
# modules tagged with a VO name (vo.imagine-ai.eu) belong to that VO as well.
CURATION_VO_CATALOGS = env.json("CURATION_VO_CATALOGS", default={"vo.ai4eosc.eu": ["*"]})
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "marketplace.auth.middleware.SessionRefresh",
)
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "marketplace.auth.drf.PersonalTokenAuthentication",
    "marketplace.auth.drf.OIDCBearerAuthentication",
    # Enforces CSRF for signed-in sessions, so a cookie alone never authorises a write.
    "rest_framework.authentication.SessionAuthentication",
]

# --- Monitoring (inference traffic summaries and drift detection) -----------
# docs/mlops.md explains every one of these.
MONITORING_MAX_FEATURES = env.int("MONITORING_MAX_FEATURES", default=32)
MONITORING_MAX_SUMMARY_BYTES = env.int("MONITORING_MAX_SUMMARY_BYTES", default=16 * 1024)
MONITORING_MAX_BATCH = env.int("MONITORING_MAX_BATCH", default=500)
MONITORING_RAW_MAX_BYTES = env.int("MONITORING_RAW_MAX_BYTES", default=4096)
MONITORING_RETENTION_DAYS = env.float("MONITORING_RETENTION_DAYS", default=30.0)
MONITORING_MAX_SUMMARIES_PER_DEPLOYMENT = env.int(
    "MONITORING_MAX_SUMMARIES_PER_DEPLOYMENT", default=100_000
)
MONITORING_MAX_CHECKS_PER_DEPLOYMENT = env.int("MONITORING_MAX_CHECKS_PER_DEPLOYMENT", default=2000)
MONITORING_MIN_WINDOW = env.int("MONITORING_MIN_WINDOW", default=50)
MONITORING_CHECK_INTERVAL = env.float("MONITORING_CHECK_INTERVAL", default=300.0)
MONITORING_PRUNE_INTERVAL = env.float("MONITORING_PRUNE_INTERVAL", default=3600.0)
MONITORING_SAMPLE_REQUESTS = env.int("MONITORING_SAMPLE_REQUESTS", default=600)
# A sample-traffic stream whose progress is older than this has stopped (its worker died):
# the Monitoring tab says so instead of a frozen count (monitoring.demo).
MONITORING_SAMPLE_STALL_SECONDS = env.int("MONITORING_SAMPLE_STALL_SECONDS", default=30)
CELERY_BEAT_SCHEDULE["monitoring-schedule-checks"] = {
    "task": "monitoring.tasks.schedule_drift_checks",
    "schedule": MONITORING_CHECK_INTERVAL,
    "options": {"expires": MONITORING_CHECK_INTERVAL},
}
CELERY_BEAT_SCHEDULE["monitoring-prune"] = {
    "task": "monitoring.tasks.prune_monitoring_data",
    "schedule": MONITORING_PRUNE_INTERVAL,
    "options": {"expires": MONITORING_PRUNE_INTERVAL},
}
# Each inference's summary and usage count are written after its answer has gone: the
# request appends a record to a Redis list, the monitoring queue drains it (monitoring.journal).
# Without Redis, or with the list at MONITORING_JOURNAL_MAX records, requests write their own.
INFERENCE_RECORDING_IN_BACKGROUND = env.bool(
    "INFERENCE_RECORDING_IN_BACKGROUND", default=bool(REDIS_URL)
)
MONITORING_JOURNAL_KEY = env.str("MONITORING_JOURNAL_KEY", default="aix:inference-journal")
MONITORING_JOURNAL_MAX = env.int("MONITORING_JOURNAL_MAX", default=100_000)
MONITORING_JOURNAL_BATCH = env.int("MONITORING_JOURNAL_BATCH", default=500)
# The backstop drain, for records whose kick was lost (a killed process, the broker away).
MONITORING_JOURNAL_DRAIN_SECONDS = env.float("MONITORING_JOURNAL_DRAIN_SECONDS", default=30.0)
CELERY_BEAT_SCHEDULE["monitoring-drain-journal"] = {
    "task": "monitoring.tasks.drain_inference_journal",
    "schedule": MONITORING_JOURNAL_DRAIN_SECONDS,
    "options": {"expires": MONITORING_JOURNAL_DRAIN_SECONDS},
}
# Drift notifications go out by e-mail through Django's mail backend (console by default).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="AI Exchange <noreply@localhost>")

# --- Module page panels -----------------------------------------------------
# What other apps add to a module page (catalog.web.panels): dotted paths of callables
# (request, module) -> ModulePanel | None, rendered in this order.
CATALOG_MODULE_PANELS = [
    "monitoring.panels.module_drift",
    "deployments.panels.module_versions",
    "pipelines.panels.pipeline_entry",
    "federated_learning.panels.tool_guarantees",
    "catalog.usage.panel.module_usage",
]
# What other apps add to the site's and the deployments' templates
# (marketplace/templatetags/template_hooks.py): hook name -> templates rendered there, in order.
TEMPLATE_HOOKS = {
    "user_menu": ["monitoring/_menu.html"],
    "deployment_tabs": ["monitoring/_tabs.html"],
    # Below the deployment's details: the federated-learning panel (federated-server deployments).
    "deployment_panels": ["federated_learning/_section.html"],
    # In the deploy form's federated fieldset: the privacy budget the options spend.
    "deploy_form_flower": ["federated_learning/_budget.html"],
    "deployment_row_badges": ["monitoring/_drift_badge.html"],
}

# --- Operations -----------------------------------------------------------
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Anonymous catalog pages are cached until the catalog changes (0 turns it off).
CATALOG_PAGE_CACHE_SECONDS = env.int("CATALOG_PAGE_CACHE_SECONDS", default=300)
# How long a process trusts the catalog generation it last read (catalog.generation): a change
# reaches cached pages and prepared machine reads on every process at most this late, and a
# cache hit costs no query in between (0: read it on every request).
CATALOG_GENERATION_POLL_SECONDS = env.float("CATALOG_GENERATION_POLL_SECONDS", default=0.5)
# Paths of the pages views mark with cache_anonymous_page (the others skip the cache read).
CATALOG_PAGE_CACHE_PATHS = env.str(
    "CATALOG_PAGE_CACHE_PATHS", default=r"^/((modules|tools)/([\w-]+/)?)?$"
)
# Each process also keeps its latest cached pages in memory, up to this many bytes (0: off).
CATALOG_PAGE_LOCAL_CACHE_BYTES = env.int("CATALOG_PAGE_LOCAL_CACHE_BYTES", default=32 * 2**20)
# Served before sessions and authentication are looked at (catalog.web.page_cache); inside it,
# GZip, sessions, CSRF, auth and the FAIR headers run once for the stored copy.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.gzip.GZipMiddleware"),
    "catalog.web.page_cache.AnonymousPageCacheMiddleware",
)

# Machine reads (PAPI catalog routes, REST module list and detail) are answered from bytes
# prepared once per catalog change (catalog.api.prepared): kept this long in Redis (0: off)...
CATALOG_PREPARED_SECONDS = env.int("CATALOG_PREPARED_SECONDS", default=3600)
# ...and, per process, up to this many bytes in memory in front of Redis (0: off).
CATALOG_PREPARED_LOCAL_BYTES = env.int("CATALOG_PREPARED_LOCAL_BYTES", default=32 * 2**20)
# Cache-Control max-age of those answers: how long clients and proxies reuse them unasked.
CATALOG_PREPARED_MAX_AGE = env.int("CATALOG_PREPARED_MAX_AGE", default=60)
CATALOG_PREPARED_PATHS = env.str(
    "CATALOG_PREPARED_PATHS",
    default=(
        r"^/(v1/catalog/(modules|tools)(/detail|/tags|/[^/]+/(metadata|config))?"
        r"|api/v1/(modules|tools)/([^/]+/)?)$"
    ),
)
# Before the page cache and GZip: a hit skips every middleware below it and DRF's throttle.
MIDDLEWARE.insert(
    MIDDLEWARE.index("catalog.web.page_cache.AnonymousPageCacheMiddleware"),
    "catalog.api.prepared.PreparedReadMiddleware",
)

# --- Usage statistics (catalog.usage, docs/usage.md) ---------------------------
# Page views by people are counted in Redis (nothing without it), rolled up into the database.
USAGE_REDIS_URL = env.str("USAGE_REDIS_URL", default=REDIS_URL)
USAGE_KEY_PREFIX = env.str("USAGE_KEY_PREFIX", default="aix-usage")
# A visitor (keyed hash of address and user agent) making more views a minute is not a person.
USAGE_MAX_VIEWS_PER_MINUTE = env.int("USAGE_MAX_VIEWS_PER_MINUTE", default=30)
# The request META key holding the visitor's address; behind a proxy HTTP_X_FORWARDED_FOR
# (its last entry, the one the proxy appended, is used).
USAGE_CLIENT_IP_HEADER = env.str("USAGE_CLIENT_IP_HEADER", default="REMOTE_ADDR")
# Page views go to Redis from a thread of each process, pipelined, this often (seconds);
# off: each view waits for its own round trip.
USAGE_COUNT_IN_BACKGROUND = env.bool("USAGE_COUNT_IN_BACKGROUND", default=True)
USAGE_FLUSH_SECONDS = env.float("USAGE_FLUSH_SECONDS", default=0.2)
USAGE_CHART_DAYS = env.int("USAGE_CHART_DAYS", default=30)
USAGE_ROLLUP_SECONDS = env.float("USAGE_ROLLUP_SECONDS", default=300.0)
CELERY_BEAT_SCHEDULE["catalog-usage-rollup"] = {
    "task": "catalog.tasks.roll_up_usage",
    "schedule": USAGE_ROLLUP_SECONDS,
    "options": {"expires": USAGE_ROLLUP_SECONDS},
}

# --- Logging --------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "marketplace.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"},
        "json": {"()": "marketplace.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env.str("LOG_FORMAT", default="plain"),
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django": {"level": "WARNING"}},
}
