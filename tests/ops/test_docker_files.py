"""docker/ is checked without a Docker daemon: the Dockerfile is parsed with BuildKit's own
parser (the `dockerfile` package) and held to our rules, the Compose file is parsed as YAML
and its services and roles cross-checked with the image's entrypoint."""

import re
import tomllib
from pathlib import Path

import dockerfile
import yaml

DOCKER = Path(__file__).resolve().parents[2] / "docker"


def _stages():
    stages, current = [], None
    for command in dockerfile.parse_file(str(DOCKER / "Dockerfile")):
        if command.cmd == "FROM":
            current = {"from": command.value[0], "commands": []}
            stages.append(current)
        elif current is not None:
            current["commands"].append(command)
    return stages


def test_dockerfile_is_multi_stage_with_a_pinned_base():
    stages = _stages()
    assert len(stages) >= 2
    for stage in stages:
        image, _, tag = stage["from"].partition(":")
        assert tag and tag != "latest", f"{stage['from']} is not pinned"
        assert re.match(r"\d+\.\d+\.\d+", tag), f"{stage['from']} should pin a full version"


def test_final_stage_runs_as_non_root_with_a_healthcheck_and_collected_static():
    final = _stages()[-1]["commands"]
    users = [c.value[0] for c in final if c.cmd == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert any(c.cmd == "HEALTHCHECK" for c in final)
    assert any(c.cmd == "RUN" and "collectstatic" in c.original for c in final)


def test_build_stage_copies_every_package_the_wheel_declares():
    """The wheel is built from what the build stage copied: a package left out is missing
    from the image, and the site fails at start (its app is in INSTALLED_APPS)."""
    pyproject = tomllib.loads((DOCKER.parent / "pyproject.toml").read_text())
    declared = {
        pattern.rstrip("*")
        for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    build = _stages()[0]["commands"]
    copied = {
        c.value[0].rstrip("/") for c in build if c.cmd == "COPY" and "--from" not in c.original
    }
    assert declared <= copied, f"not copied into the build stage: {sorted(declared - copied)}"


def test_apt_installs_are_pinned_and_cleaned():
    for stage in _stages():
        for command in stage["commands"]:
            if command.cmd == "RUN" and "apt-get install" in command.original:
                assert "--no-install-recommends" in command.original
                assert "rm -rf /var/lib/apt/lists" in command.original


def test_compose_declares_the_process_model():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    services = compose["services"]
    for name in (
        "postgres",
        "redis",
        "web",
        "worker-harvest",
        "worker-deploy",
        "worker-sync",
        "beat",
        "sandbox",
        "migrate",
    ):
        assert name in services, f"compose lacks {name}"
    assert services["sandbox"]["profiles"] == ["sandbox"]
    assert services["postgres"]["healthcheck"] and services["redis"]["healthcheck"]


def test_every_compose_role_exists_in_the_entrypoint():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    entrypoint = (DOCKER / "entrypoint.sh").read_text()
    roles = {
        s["command"][0]
        for s in compose["services"].values()
        if "command" in s and s.get("image", "").startswith("${AIX_IMAGE")
    }
    assert roles >= {"web", "migrate", "worker-harvest", "worker-deploy", "worker-sync", "beat"}
    for role in roles:
        assert re.search(rf"^\s*{re.escape(role)}\)", entrypoint, re.M), f"no {role} role"


def _join_commands():
    return list(dockerfile.parse_file(str(DOCKER / "join" / "Dockerfile")))


def test_join_image_is_pinned_non_root_and_ships_the_helper_where_the_script_calls_it():
    from pipelines.oscar import JOIN_SCRIPT

    commands = _join_commands()
    bases = [c.value[0] for c in commands if c.cmd == "FROM"]
    for base in bases:
        _, _, tag = base.partition(":")
        assert re.match(r"\d+\.\d+\.\d+", tag), f"{base} should pin a full version"
    last_from = max(i for i, c in enumerate(commands) if c.cmd == "FROM")
    final = commands[last_from:]
    users = [c.value[0] for c in final if c.cmd == "USER"]
    assert users and users[-1] not in ("root", "0")
    copies = [c.value for c in final if c.cmd == "COPY"]
    assert ("docker/join/join.py", "/opt/aix/join.py") in [tuple(v[-2:]) for v in copies]
    assert "python3 /opt/aix/join.py" in JOIN_SCRIPT


def test_join_image_pins_what_it_installs():
    for command in _join_commands():
        if command.cmd == "RUN" and "pip install" in command.original:
            requirements = command.original.split("pip install", 1)[1].split("&&", 1)[0].split()
            for requirement in requirements:
                assert "==" in requirement, f"{requirement} is not pinned"
        assert not (command.cmd == "RUN" and "apt-get install" in command.original)


def test_app_image_ships_the_join_helper_for_its_sandbox_role():
    final = _stages()[-1]["commands"]
    copies = [tuple(c.value[-2:]) for c in final if c.cmd == "COPY"]
    assert ("docker/join/join.py", "/opt/aix/join.py") in copies
    envs = " ".join(c.original for c in final if c.cmd == "ENV")
    assert "AIX_JOIN_HELPER=/opt/aix/join.py" in envs


def test_collectstatic_rewrites_every_url_the_static_files_name(tmp_path, settings):
    """The image runs collectstatic with production's manifest storage, which rewrites every
    URL a CSS or JS file names and fails on one it cannot find (a vendored file's
    `sourceMappingURL` once broke the image build this way). Django's manifest storage does
    that rewriting; production's WhiteNoise subclass only adds compression (1.5 min here)."""
    import io

    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", stdout=io.StringIO())
    manifest = (tmp_path / "staticfiles" / "staticfiles.json").read_text()
    assert "vendor/dagre/dagre.min.js.map" in manifest
