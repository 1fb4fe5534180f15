"""Build the offline demo catalog, ``catalog/demo/snapshot.json``, from the fixture corpus.

A developer tool, run by hand when the corpus, the metadata pipeline or module naming changes:

    .venv/bin/python scripts/build_demo_snapshot.py [--fixtures ../shared/fixtures]

It is the only code that reads ``../shared/fixtures``; the product reads the snapshot it
writes (``manage.py load_demo``). The snapshot covers every module of the catalog's
``.gitmodules`` (46) and is built by the product's own code, so a demo module shows what a
harvested one shows: module names from ``parse_gitmodules``, which files are read from
``files_to_read``, metadata and problems from the harvester's ``build_outcome`` (a module
whose metadata cannot be used is listed with its problems and no values, as a harvest lists
it), Docker image problems from ``dockerhub_image``. It holds descriptive metadata and each
module's README (as committed, ``README.md`` or ``readme.md``), no code; each entry names its
source repository, commit, files and licence, repeated in the attribution block.

Nothing is read from Docker Hub: pull counts, digests, sizes and push dates are left unknown
(null), and the tag names are the ones AI4OS images usually carry, flagged as such.

Two tools are added, written by us for the demo (the corpus has no tools catalog); the
snapshot flags them as such.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from catalog.metadata import SourceFile, build_metadata  # noqa: E402
from catalog.services.harvest_module import build_outcome, dockerhub_image  # noqa: E402
from catalog.sources.github import RepoFile, RepoFiles, files_to_read  # noqa: E402
from catalog.sources.gitmodules import Submodule, parse_gitmodules  # noqa: E402

DEFAULT_FIXTURES = ROOT.parent / "shared" / "fixtures"
OUT = ROOT / "catalog" / "demo" / "snapshot.json"
CATALOG = "ai4os-hub/modules-catalog"
TOOLS_CATALOG = "ai4os/tools-catalog"
GATHERED_AT = "2026-11-24T00:00:00+00:00"  # when the corpus was gathered (fixtures/README.md)
GITHUB = "https://github.com"
RAW = "https://raw.githubusercontent.com"

# Opening words of a LICENSE file -> SPDX id (AGPL before GPL: the former contains the latter).
LICENCES = [
    ("gnu affero general public license", "AGPL-3.0"),
    ("gnu general public license", "GPL-3.0"),
    ("apache license", "Apache-2.0"),
    ("mit license", "MIT"),
    ("redistribution and use in source and binary forms", "BSD-3-Clause"),
]

TOOLS = [
    {
        "name": "ai4os-dev-env",
        "repository": "ai4os/ai4os-dev-env",
        "metadata": {
            "metadata_version": "2.0.0",
            "title": "AI4OS Development Environment",
            "summary": "A ready-to-use environment to develop and train your own AI modules.",
            "description": (
                "The development environment gives you a JupyterLab or VS Code session in a "
                "container with the AI4OS tooling preinstalled: the DEEPaaS API, the AI4OS "
                "module template, common deep learning frameworks and access to your storage.\n\n"
                "Use it to build a new module from the template, to adapt an existing one, or "
                "to explore data before training. When your code is ready, publish it as a "
                "module in the catalog."
            ),
            "dates": {"created": "2023-06-01", "updated": "2025-03-10"},
            "links": {
                "source_code": "https://github.com/ai4os/ai4os-dev-env",
                "docker_image": "ai4oshub/ai4os-dev-env",
                "documentation": "https://docs.ai4os.eu/en/latest/howtos/develop/dashboard.html",
            },
            "tags": ["development", "jupyterlab", "vscode", "deepaas"],
            "tasks": ["Other"],
            "categories": ["AI4 tools"],
            "libraries": ["TensorFlow", "PyTorch", "Other"],
            "data-type": ["Other"],
        },
    },
    {
        "name": "ai4os-federated-server",
        "repository": "ai4os/ai4os-federated-server",
        "metadata": {
            "metadata_version": "2.0.0",
            "title": "Federated learning server",
            "summary": "Coordinate federated training across sites with a Flower server.",
            "description": (
                "This tool starts a Flower federated learning server. Clients at different "
                "sites train on their own data and send model updates, never the data itself; "
                "the server aggregates the updates (FedAvg and other strategies) and sends "
                "back the improved global model.\n\n"
                "Configure the number of rounds, the minimum number of clients and the "
                "aggregation strategy when you deploy it, then point your clients at the "
                "server's address."
            ),
            "dates": {"created": "2023-11-15", "updated": "2025-02-20"},
            "links": {
                "source_code": "https://github.com/ai4os/ai4os-federated-server",
                "docker_image": "ai4oshub/ai4os-federated-server",
                "documentation": "https://docs.ai4os.eu/en/latest/howtos/train/federated.html",
            },
            "tags": ["federated learning", "flower", "privacy"],
            "tasks": ["Other"],
            "categories": ["AI4 tools"],
            "libraries": ["TensorFlow", "PyTorch"],
            "data-type": ["Other"],
        },
    },
]


DEMO_TAGS = ["latest", "cpu", "gpu"]
DEMO_TAGS_NOTE = (
    "Tag names typical of AI4OS images, not read from Docker Hub: their digests, sizes and "
    "push dates are unknown."
)


def build_snapshot(fixtures: pathlib.Path) -> dict:
    """The whole snapshot, from the fixture corpus (pure: reads files, writes nothing)."""
    catalog_dir = fixtures / "modules-catalog"
    catalog_source = json.loads((catalog_dir / "_source.json").read_text())
    listed = parse_gitmodules(
        (catalog_dir / ".gitmodules").read_text(encoding="utf-8"),
        allowed_owners=settings.HARVEST_ALLOWED_OWNERS,
    )
    if listed.skipped:
        skipped = "; ".join(f"{e.section}: {e.reason}" for e in listed.skipped)
        raise SystemExit(f".gitmodules entries the harvester would skip: {skipped}")
    modules = [_module(entry, fixtures) for entry in listed.submodules]
    tools = [_tool(tool) for tool in TOOLS]
    commit = catalog_source["commit"]
    return {
        "about": (
            "Offline demo catalog for AI Exchange, built by scripts/build_demo_snapshot.py "
            "from a snapshot of public AI4OS modules. Descriptive metadata and READMEs only, "
            "no code. Nothing in it was read from Docker Hub."
        ),
        "gathered_at": GATHERED_AT,
        "catalog": {
            "repository": CATALOG,
            "commit": commit,
            "committed_at": catalog_source["committed_at"],
            "gitmodules_url": f"{GITHUB}/{CATALOG}/blob/{commit}/.gitmodules",
        },
        "attribution": {
            "statement": (
                "Module metadata and READMEs from AI4OS / AI4EOSC (https://github.com/ai4os-hub "
                "and https://github.com/deephdc), shown as descriptive content of each module. "
                "Each entry keeps the licence of the repository it came from."
            ),
            "sources": [
                {
                    "name": m["name"],
                    "repository_url": m["repository_url"],
                    "license": m["license"],
                    "commit": m["commit"],
                    "files": [
                        url for url in (m["metadata_url"], (m["readme"] or {}).get("url")) if url
                    ],
                }
                for m in modules
            ],
        },
        "modules": modules,
        "tools": tools,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", type=pathlib.Path, default=DEFAULT_FIXTURES)
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    args = parser.parse_args()
    snapshot = build_snapshot(args.fixtures)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(snapshot), encoding="utf-8")
    modules, tools = snapshot["modules"], snapshot["tools"]
    size_kb = args.out.stat().st_size // 1024
    print(f"wrote {args.out} ({len(modules)} modules, {len(tools)} tools, {size_kb} KB)")
    for module in modules:
        fields = module["fields"] or {}
        badges = [k for k in ("trainable", "inference", "pretrained") if fields.get(k)]
        state = "INVALID" if module["fields"] is None else f"{len(module['problems'])} problem(s)"
        readme = (module["readme"] or {}).get("path", "no README")
        print(f"  {module['name']:<36} {readme:<10} {state:<13} {' '.join(badges)}")


def render(snapshot: dict) -> str:
    return json.dumps(snapshot, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def _module(entry: Submodule, fixtures: pathlib.Path) -> dict:
    folder = fixtures / "ai4os-hub" / entry.repo
    source = json.loads((folder / "_source.json").read_text())
    repo, commit = source["repo"], source["commit"]
    if repo.lower() != entry.full_name.lower():
        raise SystemExit(f"{folder}: holds {repo}, but .gitmodules lists {entry.full_name}")
    files = _repo_files(folder, repo, commit)
    outcome = build_outcome(files)
    problems = [p.as_dict() for p in outcome.problems]
    entry_fields = None
    metadata_file = metadata_url = schema_version = ""
    readme = None
    if outcome.ok:
        entry_fields = outcome.fields
        metadata_file = outcome.used_file
        metadata_url = f"{GITHUB}/{repo}/blob/{commit}/{metadata_file}"
        schema_version = outcome.schema_version or ""
        readme = _readme(files.readme)
        image = str(entry_fields.get("docker_image") or "")
        _image, docker_problem = dockerhub_image(image) if image else (None, None)
        if docker_problem is not None:
            problems.append(docker_problem)
    return {
        "name": entry.name,
        "kind": "module",
        "catalog": CATALOG,
        "repository": repo,
        "repository_url": f"{GITHUB}/{repo}",
        "branch_declared": entry.branch or "",
        "branch": entry.branch or source["default_branch"],
        "commit": commit,
        "committed_at": source["committed_at"],
        "metadata_file": metadata_file,
        "metadata_url": metadata_url,
        "schema_version": schema_version,
        "license": _licence(folder / "LICENSE"),
        "fields": entry_fields,  # None: no usable metadata (the problems say why)
        "problems": problems,
        "readme": readme,
        "docker": _docker(entry_fields),
    }


def _repo_files(folder: pathlib.Path, repo: str, commit: str) -> RepoFiles:
    """The files a harvest would read at ``commit``, from the fixture copy of the repo."""
    names = [path.name for path in folder.iterdir() if path.is_file()]
    primary, legacy, readme = files_to_read(names)

    def read(name: str | None) -> RepoFile | None:
        if name is None:
            return None
        return RepoFile(
            path=name,
            body=(folder / name).read_bytes(),
            raw_url=f"{RAW}/{repo}/{commit}/{name}",
            html_url=f"{GITHUB}/{repo}/blob/{commit}/{name}",
            commit=commit,
        )

    files = RepoFiles(read(primary), read(legacy), read(readme), notes=[], unreadable=set())
    if files.readme is not None and len(files.readme.body) > settings.README_MAX_BYTES:
        raise SystemExit(
            f"{folder / readme} is larger than README_MAX_BYTES: a harvest would not read it."
        )
    return files


def _readme(file: RepoFile | None) -> dict | None:
    if file is None:
        return None
    return {
        "path": file.path,
        "url": file.html_url,
        # As the harvester stores it.
        "text": file.body.decode("utf-8", "replace").replace("\x00", ""),
    }


def _docker(fields: dict | None) -> dict:
    image = str((fields or {}).get("docker_image") or "")
    if not image:
        return {"image": "", "tags": [], "note": ""}
    return {"image": image, "tags": DEMO_TAGS, "note": DEMO_TAGS_NOTE}


def _tool(tool: dict) -> dict:
    text = json.dumps(tool["metadata"])
    outcome = build_metadata(SourceFile("ai4-metadata.json", text), None)
    errors = [p for p in outcome.problems if p.severity == "error"]
    if not outcome.ok or errors:
        raise SystemExit(f"{tool['name']}: our own metadata is invalid: {outcome.problems}")
    repo = tool["repository"]
    return {
        "name": tool["name"],
        "kind": "tool",
        "written_for_demo": True,
        "note": (
            "Written by the AI Exchange team for the demo: the fixture corpus has no tools "
            "catalog. Not harvested from GitHub."
        ),
        "catalog": TOOLS_CATALOG,
        "repository": repo,
        "repository_url": f"{GITHUB}/{repo}",
        "branch_declared": "",
        "branch": "main",
        "commit": "",
        "committed_at": None,
        "metadata_file": "ai4-metadata.yml",
        "metadata_url": f"{GITHUB}/{repo}/blob/main/ai4-metadata.yml",
        "schema_version": outcome.schema_version,
        "license": "Apache-2.0",
        "fields": outcome.fields,
        "problems": [],
        "readme": None,
        "docker": _docker(outcome.fields),
    }


def _licence(path: pathlib.Path) -> str:
    text = path.read_text(errors="replace")[:4000].lower() if path.exists() else ""
    return next((spdx for needle, spdx in LICENCES if needle in text), "NOASSERTION")


if __name__ == "__main__":
    main()
