"""Tests for catalog.metadata. The helpers below read the real module corpus (tests only)."""

import pathlib

# /work/main/tests/metadata/__init__.py -> parents[3] is the directory that holds shared/.
FIXTURES = pathlib.Path(__file__).resolve().parents[3] / "shared" / "fixtures"
MODULES_DIR = FIXTURES / "ai4os-hub"
MODULES = (
    sorted(p.name for p in MODULES_DIR.iterdir() if p.is_dir()) if MODULES_DIR.is_dir() else []
)
PRIMARY = "ai4-metadata.yml"
LEGACY = "metadata.json"


def fixture_bytes(module: str, name: str) -> bytes | None:
    """The bytes of a metadata file of a real module, or None if the module has none."""
    path = MODULES_DIR / module / name
    return path.read_bytes() if path.exists() else None


def modules_with(name: str) -> list[str]:
    """Modules that carry the file ``name``."""
    return [m for m in MODULES if (MODULES_DIR / m / name).exists()]
