"""Build the offline demo catalog, ``catalog/demo/snapshot.json``, from the fixture corpus.

A developer tool, run by hand when the corpus or the metadata parser changes:

    .venv/bin/python scripts/build_demo_snapshot.py [--fixtures ../shared/fixtures]

It is the only code that reads ``../shared/fixtures``; the product reads the snapshot it
writes (``manage.py load_demo``). The snapshot holds descriptive metadata only: the parsed
ai4-metadata of ~24 chosen modules as our parser normalises it, where it came from (repository,
commit, commit date, branch, file URL) and the problems found. No README text, no code. Each
module's source repository and licence are listed in the attribution block.

Two tools are added, written by us for the demo (the corpus has no tools catalog); the
snapshot flags them as such.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys

import django

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# catalog.sources loads the models: Django must be set up (no database is touched).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
django.setup()

from catalog.metadata import SourceFile, build_metadata  # noqa: E402
from catalog.sources.gitmodules import module_name  # noqa: E402  (the harvester's names)

DEFAULT_FIXTURES = ROOT.parent / "shared" / "fixtures"
OUT = ROOT / "catalog" / "demo" / "snapshot.json"
CATALOG = "ai4os-hub/modules-catalog"
TOOLS_CATALOG = "ai4os/tools-catalog"
GATHERED_AT = "2026-11-24T00:00:00+00:00"  # when the corpus was gathered (fixtures/README.md)

# Chosen for variety: every badge combination, vision/audio/NLP/time series, TensorFlow,
# PyTorch and others, both owners, and the real-world warts the catalog must show well.
MODULES = [
    "dogs-breed-detector",
    "ai4os-image-classification-tf",
    "ai4os-audio-classification-tf",
    "birds-audio-classification",
    "plants-classification",
    "obj-detection-torch",
    "semseg-vaihingen",
    "retinopathy-test",
    "ai4os-fasterrcnn-torch",
    "ai4os-speech-to-text-tf",
    "thunderstorm-nowcast-microstep",  # legacy metadata.json with a trailing comma
    "DEEP-OC-mods",  # deephdc, branch master
    "phyto-plankton-classification",  # invalid YAML: published from the legacy metadata.json
    "litter-assessment",
    "obsea-fish-detection",
    "zooprocess-multiple-classifier",
    "thermal-anomaly-segmenter",  # YAML and JSON disagree: YAML wins, with a warning
    "ai4os-demo-app",
    "posenet-tf",
    "ai4os-yolo-torch",
    "satsr",  # misspelt key sata-type
    "image-classification-tf-dicom",  # no branch in .gitmodules; image without namespace
    "sentinel-data-fusion",
    "socib-rip-currents-detection",  # unknown metadata_version 1.0.1; readme.md only
]

# Opening words of a LICENSE file -> SPDX id (AGPL before GPL: the former contains the latter).
LICENCES = [
    ("gnu affero general public license", "AGPL-3.0"),
    ("gnu general public license", "GPL-3.0"),
    ("apache license", "Apache-2.0"),
    ("mit license", "MIT"),
    ("redistribution and use in source and binary forms", "BSD-3-Clause"),
]

DEMO_TAGS = ["latest", "cpu", "gpu"]

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", type=pathlib.Path, default=DEFAULT_FIXTURES)
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    args = parser.parse_args()
    catalog_source = json.loads((args.fixtures / "modules-catalog" / "_source.json").read_text())
    modules = [_module(args.fixtures / "ai4os-hub" / name, catalog_source) for name in MODULES]
    tools = [_tool(tool) for tool in TOOLS]
    snapshot = {
        "about": (
            "Offline demo catalog for AI Exchange, built by scripts/build_demo_snapshot.py "
            "from a snapshot of public AI4OS modules. Descriptive metadata only."
        ),
        "gathered_at": GATHERED_AT,
        "catalog": {
            "repository": CATALOG,
            "commit": catalog_source["commit"],
            "committed_at": catalog_source["committed_at"],
            "gitmodules_url": f"https://github.com/{CATALOG}/blob/{catalog_source['commit']}"
            "/.gitmodules",
        },
        "attribution": {
            "statement": (
                "Module metadata from AI4OS / AI4EOSC (https://github.com/ai4os-hub and "
                "https://github.com/deephdc), used as descriptive metadata. Each entry keeps "
                "the licence of the repository it came from."
            ),
            "sources": [
                {
                    "name": m["name"],
                    "repository_url": m["repository_url"],
                    "license": m["license"],
                    "commit": m["commit"],
                }
                for m in modules
            ],
        },
        "modules": modules,
        "tools": tools,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(snapshot, indent=1, ensure_ascii=False, sort_keys=False) + "\n")
    print(f"wrote {args.out} ({len(modules)} modules, {len(tools)} tools)")
    for module in modules:
        fields = module["fields"]
        badges = [k for k in ("trainable", "inference", "pretrained") if fields[k]]
        print(f"  {module['name']:<36} {','.join(fields['libraries']):<24} {' '.join(badges)}")


def _module(folder: pathlib.Path, catalog_source: dict) -> dict:
    source = json.loads((folder / "_source.json").read_text())
    primary, legacy = folder / "ai4-metadata.yml", folder / "metadata.json"
    outcome = build_metadata(
        SourceFile(primary.name, primary.read_bytes()) if primary.exists() else None,
        SourceFile(legacy.name, legacy.read_bytes()) if legacy.exists() else None,
    )
    if not outcome.ok:
        raise SystemExit(f"{folder.name}: no usable metadata: {outcome.problems}")
    repo, commit = source["repo"], source["commit"]
    return {
        "name": module_name(source["catalog_path"]),
        "kind": "module",
        "catalog": CATALOG,
        "repository": repo,
        "repository_url": f"https://github.com/{repo}",
        "branch_declared": source["catalog_branch"] or "",
        "branch": source["default_branch"],
        "commit": commit,
        "committed_at": source["committed_at"],
        "metadata_file": outcome.used_file,
        "metadata_url": f"https://github.com/{repo}/blob/{commit}/{outcome.used_file}",
        "schema_version": outcome.schema_version,
        "license": _licence(folder / "LICENSE"),
        "fields": outcome.fields,
        "problems": [p.as_dict() for p in outcome.problems],
        "docker": {
            "image": outcome.fields["docker_image"],
            "tags": DEMO_TAGS,
            "note": "Tag names typical of AI4OS images, not read from Docker Hub.",
        },
    }


def _tool(tool: dict) -> dict:
    text = json.dumps(tool["metadata"])
    outcome = build_metadata(SourceFile("ai4-metadata.json", text), None)
    errors = [p for p in outcome.problems if p.severity == "error"]
    if not outcome.ok or errors:
        raise SystemExit(f"{tool['name']}: our own metadata is invalid: {outcome.problems}")
    repo = tool["repository"]
    return {
        "name": module_name(tool["name"]),
        "kind": "tool",
        "written_for_demo": True,
        "note": (
            "Written by the AI Exchange team for the demo: the fixture corpus has no tools "
            "catalog. Not harvested from GitHub."
        ),
        "catalog": TOOLS_CATALOG,
        "repository": repo,
        "repository_url": f"https://github.com/{repo}",
        "branch_declared": "",
        "branch": "main",
        "commit": "",
        "committed_at": None,
        "metadata_file": "ai4-metadata.yml",
        "metadata_url": f"https://github.com/{repo}/blob/main/ai4-metadata.yml",
        "schema_version": outcome.schema_version,
        "license": "Apache-2.0",
        "fields": outcome.fields,
        "problems": [],
        "docker": {
            "image": outcome.fields["docker_image"],
            "tags": DEMO_TAGS,
            "note": "Tag names typical of AI4OS images, not read from Docker Hub.",
        },
    }


def _licence(path: pathlib.Path) -> str:
    text = path.read_text(errors="replace")[:4000].lower() if path.exists() else ""
    return next((spdx for needle, spdx in LICENCES if needle in text), "NOASSERTION")


if __name__ == "__main__":
    main()
