"""The module page: header, links, README, provenance, history, JSON-LD, 404/410."""

import json
import re

import pytest
from django.conf import settings

from catalog.models import FieldProvenance
from tests.factories import ModuleFactory, UserFactory, add_provenance, add_revision

pytestmark = pytest.mark.django_db


def page(client, name, status=200):
    response = client.get(f"/modules/{name}/")
    assert response.status_code == status
    return response.content.decode()


def test_header_shows_title_summary_badges_licence_dates_and_links(client):
    ModuleFactory(
        name="yolo",
        title="YOLO models",
        summary="Detect objects",
        categories=["AI4 trainable", "AI4 pre trained"],
        license="AGPL-3.0",
        links={
            "source_code": "https://github.com/ai4os-hub/yolo",
            "docker_image": "ai4oshub/yolo",
            "dataset": "https://zenodo.org/records/1",
            "weights": "https://example.org/weights.pt",
            "documentation": "https://docs.ai4os.eu/yolo",
            "citation": "https://doi.org/10.1/x",
        },
    )
    html = page(client, "yolo")
    assert "<h1>YOLO models</h1>" in html
    assert "Detect objects" in html
    assert "Trainable" in html and "Pre-trained" in html and 'badge-inference"' not in html
    assert "AGPL-3.0" in html
    for label, url in [
        ("Source code", "https://github.com/ai4os-hub/yolo"),
        ("Docker image", "https://hub.docker.com/r/ai4oshub/yolo"),
        ("Dataset", "https://zenodo.org/records/1"),
        ("Model weights", "https://example.org/weights.pt"),
        ("Documentation", "https://docs.ai4os.eu/yolo"),
        ("Citation", "https://doi.org/10.1/x"),
    ]:
        assert re.search(rf'href="{re.escape(url)}"[^>]*>{label}</a>', html), label


def test_links_that_are_not_http_are_shown_as_text(client):
    ModuleFactory(
        name="odd",
        links={
            "documentation": "javascript:alert(1)",
            "dataset": "ftp://data.example.org/x",
            "weights": "data:text/html,hi",
        },
    )
    html = page(client, "odd")
    assert (
        'href="javascript:' not in html and 'href="ftp:' not in html and 'href="data:' not in html
    )
    assert "javascript:alert(1)" in html  # visible as text, so maintainers see their mistake
    assert "ftp://data.example.org/x" in html


def test_docker_tags_table_lists_tags(client):
    ModuleFactory(name="tagged")
    html = page(client, "tagged")
    assert "docker pull ai4oshub/tagged" in html
    assert "<code" in html and ">latest</code>" in html and ">cpu</code>" in html
    assert "2.2\xa0GB" in html  # 2.4e9 bytes, in binary units


def test_readme_is_rendered_sanitised_with_links_rewritten_to_the_commit(client):
    module = ModuleFactory(
        name="readme",
        readme="## Train\n\n[guide](docs/train.md) ![plot](img/plot.png)\n\n<script>x()</script>",
        source_commit="c0ffee",
        repository="ai4os-hub/readme",
    )
    html = page(client, module.name)
    assert '<h3 id="readme-train">Train</h3>' in html
    assert 'href="https://github.com/ai4os-hub/readme/blob/c0ffee/docs/train.md"' in html
    assert 'src="https://raw.githubusercontent.com/ai4os-hub/readme/c0ffee/img/plot.png"' in html
    assert "<script>x()" not in html


def test_provenance_panel_names_each_source_with_commit_run_and_curator(client):
    curator = UserFactory(username="alice")
    module = ModuleFactory(name="prov", source_commit="1234567890abcdef")
    add_provenance(module, curated={"summary": (curator, "Typo in the upstream summary")})
    html = page(client, "prov")
    panel = html.split('id="provenance"')[1].split('id="history"')[0]
    assert "ai4-metadata.yml at 1234567" in panel
    assert "https://github.com/ai4os-hub/prov/blob/1234567890abcdef/ai4-metadata.yml" in panel
    assert "Curator alice" in panel and "Typo in the upstream summary" in panel
    assert "DockerHub" in panel
    run_id = module.last_harvest_run_id
    assert f'href="/api/v1/harvest-runs/{run_id}/"' in panel
    # One row per recorded field, in the order curators see them.
    rows = re.findall(r'<th scope="row">([^<]+)</th>', panel)
    assert rows[:3] == ["Title", "Summary", "Description"]
    assert len(rows) == FieldProvenance.objects.filter(module=module).count()


def test_harvest_problems_are_explained_in_plain_words(client):
    ModuleFactory(name="broken", invalid_upstream=True)
    html = page(client, "broken")
    assert "Upstream metadata invalid (last good version kept)" in html
    assert re.search(
        r"ai4-metadata.yml line 14: mapping values are not allowed here — "
        r"we keep showing the version from \d{4}-\d\d-\d\d\.",
        html,
    )


def test_change_history_lists_revisions_with_commit_links_and_changes(client):
    module = ModuleFactory(name="hist", repository="ai4os-hub/hist")
    add_revision(module, number=1)
    add_revision(
        module,
        number=2,
        kind="curation",
        changes=[{"field": "title", "old": "Old title", "new": "New title " + "x" * 300}],
    )
    html = page(client, "hist")
    history = html.split('id="history"')[1]
    assert history.index("Version 2") < history.index("Version 1")
    assert "Curator edit" in history and "Harvest" in history
    assert re.search(
        r'href="https://github.com/ai4os-hub/hist/compare/[0-9a-f]+\.\.\.[0-9a-f]+"', history
    )
    assert "<del>Old title</del>" in history
    assert "x" * 300 not in history and "…" in history  # long values are truncated


def test_json_ld_cannot_be_broken_out_of_and_parses(client):
    ModuleFactory(name="ld", title="</script><script>window.__pwned=1</script>", summary="a & b")
    html = page(client, "ld")
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    data = json.loads(blocks[0])
    assert data["name"] == "</script><script>window.__pwned=1</script>"
    assert data["@type"][0] == "SoftwareApplication"
    assert data["url"] == f"{settings.SITE_URL}/modules/ld/"
    assert "<script>window.__pwned" not in html


def test_canonical_url_and_open_graph(client):
    ModuleFactory(name="og", title="Open graph", summary="Shared summary")
    html = page(client, "og")
    assert f'<link rel="canonical" href="{settings.SITE_URL}/modules/og/">' in html
    assert '<meta property="og:title" content="Open graph">' in html
    assert '<meta property="og:description" content="Shared summary">' in html


def test_unknown_module_is_a_styled_404(client):
    html = page(client, "does-not-exist", status=404)
    assert "We couldn’t find “does-not-exist”" in html
    assert 'class="site-header"' in html


def test_hidden_module_is_a_404(client):
    ModuleFactory(name="secret", hidden=True)
    assert "We couldn’t find" in page(client, "secret", status=404)


def test_withdrawn_module_is_a_410_naming_its_last_title(client):
    ModuleFactory(name="gone", title="Old plankton model", withdrawn=True)
    html = page(client, "gone", status=410)
    assert "was withdrawn" in html and "Old plankton model" in html


def test_unknown_page_anywhere_uses_the_site_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.content.decode()


def test_module_without_anything_harvested_still_renders(client):
    ModuleFactory(
        name="bare",
        title="",
        summary="",
        readme="",
        description="",
        links={"x": 3, "y": None},
        tags=[None, 1],
        docker_tags="not a list",
        problems=["not a dict"],
        last_harvest_status="never",
        docker_image="",
    )
    html = page(client, "bare")
    assert "<h1>bare</h1>" in html
    assert "has no README or description yet" in html
