"""docker/.env.example documents every setting the application reads from the environment."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = [ROOT / "marketplace" / "settings.py", ROOT / "marketplace" / "settings_production.py"]
READ = re.compile(
    r"""(?:env|_env)\.\w+\(\s*["']([A-Z][A-Z0-9_]+)["']|_required\(["']([A-Z0-9_]+)"""
)
# Read by the test settings or tools only, never by a deployed site.
NOT_FOR_OPERATORS = {"AIX_VAR_DIR"}


def _names_read() -> set[str]:
    names = set()
    for path in SETTINGS:
        for match in READ.finditer(path.read_text()):
            names.add(match.group(1) or match.group(2))
    return names - NOT_FOR_OPERATORS


def test_every_environment_setting_is_documented_in_env_example():
    example = (ROOT / "docker" / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.M))
    missing = sorted(_names_read() - documented)
    assert missing == [], f"add these to docker/.env.example: {missing}"
