"""catalog.web.rendering: untrusted Markdown/HTML → safe HTML with repository-relative URLs."""

import pytest

from catalog.web.rendering import module_body_html, render_markdown
from tests.factories import ModuleFactory

REPO = {"repository": "ai4os-hub/demo", "commit": "abc123", "path": "README.md"}


def render(text, **kwargs):
    return render_markdown(text, **{**REPO, **kwargs})


@pytest.mark.parametrize(
    "payload",
    [
        "<script>window.__pwned = 1</script>",
        '<img src="x.png" onerror="window.__pwned = 1">',
        "<iframe src='https://evil.example'></iframe>",
        "<style>body { display: none }</style>",
        "<svg onload='window.__pwned = 1'></svg>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="  javascript:alert(1)">x</a>',
        "[x](javascript:alert(1))",
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
        '<form action="https://evil.example"><input name="q"></form>',
        '<div style="position:fixed;inset:0">cover</div>',
        '<object data="https://evil.example/x.swf"></object>',
        '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    ],
)
def test_active_content_never_survives(payload):
    html = render(payload).lower()
    for forbidden in (
        "<script",
        "onerror",
        "onload",
        "<iframe",
        "<style",
        "<svg",
        "javascript:",
        "data:",
        "<form",
        "<input",
        "style=",
        "<object",
        "<meta",
    ):
        assert forbidden not in html, (forbidden, html)


def test_links_get_nofollow_noopener_noreferrer():
    html = render("[docs](https://docs.ai4os.eu)")
    assert 'href="https://docs.ai4os.eu"' in html
    assert 'rel="nofollow noopener noreferrer"' in html


def test_relative_links_point_to_the_file_on_github_at_the_harvested_commit():
    html = render("[guide](docs/train.md#setup) [root](/LICENSE)", path="sub/README.md")
    assert 'href="https://github.com/ai4os-hub/demo/blob/abc123/sub/docs/train.md#setup"' in html
    assert 'href="https://github.com/ai4os-hub/demo/blob/abc123/LICENSE"' in html


def test_relative_images_load_raw_from_the_harvested_commit():
    html = render('![arch](img/arch one.png) <img src="./figs/a.png">')
    assert (
        'src="https://raw.githubusercontent.com/ai4os-hub/demo/abc123/img/arch%20one.png"' in html
    )
    assert 'src="https://raw.githubusercontent.com/ai4os-hub/demo/abc123/figs/a.png"' in html


def test_paths_escaping_the_repository_and_unknown_repositories_lose_their_url():
    assert "href" not in render("[up](../../../etc/passwd)")
    assert "href" not in render_markdown("[rel](docs/a.md)")  # no repository known


def test_headings_get_prefixed_ids_and_anchors_follow():
    html = render("# Usage\n\n[see](#usage)\n\n<h2 id='main'>x</h2>")
    assert '<h2 id="readme-usage">Usage</h2>' in html  # h1 → h2: the page title is the h1
    assert 'href="#readme-usage"' in html
    assert 'id="main"' not in html and 'id="readme-main"' in html


def test_tables_fenced_code_and_footnotes_render():
    html = render(
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nx = '<b>'\n```\n\nNote[^1]\n\n[^1]: here"
    )
    assert "<table>" in html and "<td>1</td>" in html
    assert '<code class="language-python">' in html and "&lt;b&gt;" in html
    assert 'class="footnote"' in html


def test_ai4os_style_img_tags_with_stray_commas_still_show():
    html = render("<img class='fit', src='https://raw.githubusercontent.com/a/b/main/cat.png'/>")
    assert '<img src="https://raw.githubusercontent.com/a/b/main/cat.png">' in html


@pytest.mark.django_db
def test_module_without_readme_renders_its_description():
    module = ModuleFactory(readme="", description="**Bold** claim")
    assert "<strong>Bold</strong>" in module_body_html(module)


@pytest.mark.django_db
def test_rendered_html_is_cached_per_modification():
    module = ModuleFactory(readme="# First")
    assert "First" in module_body_html(module)
    module.readme = "# Second"
    # Same modified_at: the cached HTML is served (the cache key is the version, not the text).
    assert "First" in module_body_html(module)
    module.save()
    assert "Second" in module_body_html(module)
