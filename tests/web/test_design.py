"""Design rules that can be checked without eyes: contrast, landmarks, sandbox banner."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import ModuleFactory

CSS = (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_text()


def luminance(hex_colour: str) -> float:
    hex_colour = hex_colour.lstrip("#")
    if len(hex_colour) == 3:
        hex_colour = "".join(c * 2 for c in hex_colour)
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def variables() -> dict[str, str]:
    return dict(re.findall(r"(--c-[\w-]+):\s*(#[0-9a-fA-F]{3,6})", CSS))


def resolve(value: str) -> str:
    match = re.fullmatch(r"var\((--c-[\w-]+)\)", value.strip())
    return variables()[match.group(1)] if match else value.strip()


def coloured_rules() -> list[tuple[str, str, str]]:
    """(selector, background, text colour) of every badge/status/notice rule giving both."""
    rules = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", CSS):
        selector = selector.strip()
        if not re.search(r"\.(badge|status|notice)-[\w-]+", selector):
            continue
        background = re.search(r"background:\s*([^;]+);", body)
        colour = re.search(r"(?<![-\w])color:\s*([^;]+);", body)
        if background and colour:
            rules.append((selector, resolve(background.group(1)), resolve(colour.group(1))))
    return rules


def test_badges_statuses_and_notices_meet_wcag_aa():
    rules = coloured_rules()
    assert len(rules) >= 15  # the parser found the rules it is meant to check
    failures = [
        (selector, bg, fg, round(contrast(bg, fg), 2))
        for selector, bg, fg in rules
        if contrast(bg, fg) < 4.5
    ]
    assert failures == []


@pytest.mark.parametrize(
    "foreground, background",
    [
        ("--c-text", "--c-bg"),
        ("--c-muted", "--c-surface"),
        ("--c-muted", "--c-bg"),
        ("--c-primary", "--c-surface"),
        ("--c-primary", "--c-primary-soft"),
        ("--c-danger", "--c-surface"),
        ("--c-warning-text", "--c-warning-soft"),
    ],
)
def test_text_colours_meet_wcag_aa(foreground, background):
    colours = variables()
    assert contrast(colours[foreground], colours[background]) >= 4.5


def test_white_text_on_primary_and_danger_buttons_meets_wcag_aa():
    colours = variables()
    assert contrast("#ffffff", colours["--c-primary"]) >= 4.5
    assert contrast("#ffffff", colours["--c-danger"]) >= 4.5


@pytest.mark.django_db
def test_pages_have_landmarks_skip_link_and_one_h1(client):
    ModuleFactory(name="m", readme="# Readme title\n\ntext")
    for url in ("/", "/modules/", "/tools/", "/modules/m/"):
        html = client.get(url).content.decode()
        assert '<a class="skip-link" href="#main">' in html, url
        assert '<main id="main"' in html and "<header" in html and "<footer" in html, url
        assert '<nav class="site-nav" aria-label="Main">' in html, url
        assert html.count("<h1") == 1, url


@pytest.mark.django_db
def test_every_browse_control_has_a_label(client):
    ModuleFactory()
    html = client.get("/modules/").content.decode()
    ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', html)
    assert ids
    for control_id in ids:
        assert f'for="{control_id}"' in html, control_id


@pytest.mark.django_db
def test_sandbox_banner_shows_only_in_sandbox_mode(client, settings):
    settings.SANDBOX_MODE = False
    assert "nothing real runs" not in client.get("/").content.decode()
    settings.SANDBOX_MODE = True
    assert (
        "deployments go to a local emulator, nothing real runs" in client.get("/").content.decode()
    )


@pytest.mark.django_db
def test_empty_catalog_browse_page_explains_how_to_fill_it(client):
    html = client.get("/modules/").content.decode()
    assert "No modules yet" in html and "manage.py harvest" in html and "load_demo" in html


def test_templates_reference_static_files_through_the_static_tag():
    templates = Path(settings.BASE_DIR) / "templates"
    for path in [templates / "base.html", *(templates / "catalog").glob("*.html")]:
        assert not re.search(r'(src|href)="/static/', path.read_text()), path
