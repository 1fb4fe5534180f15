"""Loopback fakes of GitHub and Docker Hub for harvester tests and benchmarks.

    from tests.fakes import Corpus, FakeDockerHub, FakeGitHub

    corpus = Corpus.load()                 # the 46 fixture modules + ai4os-hub/modules-catalog
    with FakeGitHub.running(corpus) as gh, FakeDockerHub.running(corpus) as hub:
        gh.base_url, gh.raw_base_url, hub.base_url

Standard library + requests only (no Django), and only ever 127.0.0.1.
"""

from .corpus import CATALOG, Corpus
from .dockerhub import FakeDockerHub
from .github import FakeGitHub
from .multisource import FakeAIoD, FakeBioImageIO, FakeHuggingFace
from .server import FakeServer, LoggedRequest, RequestLog

__all__ = [
    "CATALOG",
    "Corpus",
    "FakeAIoD",
    "FakeBioImageIO",
    "FakeDockerHub",
    "FakeHuggingFace",
    "FakeGitHub",
    "FakeServer",
    "LoggedRequest",
    "RequestLog",
]
