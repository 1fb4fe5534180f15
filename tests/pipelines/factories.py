"""Catalog modules that can be pipeline steps (a Docker image, image input, inference)."""

from __future__ import annotations

import base64
import hashlib

from catalog.models import Module
from tests.factories import ModuleFactory, add_revision

# The first bytes of a JPEG file, its signature: enough for a run's check of what kind of
# file it is given (pipelines are fed images; a text file is refused), and for the emulator.
JPEG = b"\xff\xd8\xff\xe0"
JPEG_BASE64 = base64.b64encode(JPEG + b"image").decode()  # as the API's JSON sends it
VOTE_YAML = """\
input_type: Image
steps:
  - id: resnet
    module: {a}
  - id: effnet
    module: {b}
  - id: vote
    join: majority_vote
    inputs: [resnet, effnet]
"""


def classifier(name: str, **fields) -> Module:
    module = ModuleFactory(
        name=name,
        title=fields.pop("title", name.replace("-", " ").title()),
        docker_image=fields.pop("docker_image", f"ai4oshub/{name}"),
        data_types=fields.pop("data_types", ["Image"]),
        categories=fields.pop("categories", ["AI4 inference", "AI4 pre trained"]),
        source_commit=fields.pop("source_commit", hashlib.sha1(name.encode()).hexdigest()),  # noqa: S324
        **fields,
    )
    add_revision(module, number=1)
    return module
