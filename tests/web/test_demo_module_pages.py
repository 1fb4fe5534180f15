"""A newcomer's demo catalog: 46 module pages with their READMEs, and unknowns said plainly."""

from __future__ import annotations

import pytest

from catalog.models import Module
from catalog.services.demo import load_demo_snapshot

pytestmark = pytest.mark.django_db


def _facts(body: str) -> str:
    start = body.index('class="module-facts"')
    return body[start : body.index("</dl>", start)]


@pytest.fixture
def demo():
    load_demo_snapshot()


def test_the_modules_page_lists_all_46_demo_modules(client, demo):
    body = client.get("/modules/").content.decode()
    count = body[body.index('id="results-title"') :]
    assert count[count.index(">") + 1 :].lstrip().startswith("46 modules")
    assert client.get("/v1/catalog/modules").json() == sorted(
        Module.objects.filter(kind="module").values_list("name", flat=True)
    )
    assert len(client.get("/v1/catalog/modules").json()) == 46


def test_a_demo_module_page_renders_its_readme_pointed_at_the_commit(client, demo):
    audio = Module.objects.get(name="ai4os-audio-classification-tf")
    body = client.get("/modules/ai4os-audio-classification-tf/").content.decode()
    raw = f"https://raw.githubusercontent.com/{audio.repository}/{audio.source_commit}/"
    assert f'src="{raw}reports/figures/demo.png"' in body
    assert "This module has no README" not in body
    # A heading of the README, not only the metadata description.
    assert "Acknowledgements" in body


def test_a_demo_module_with_a_lower_case_readme_shows_it(client, demo):
    rip = Module.objects.get(name="socib-rip-currents-detection")
    assert rip.readme_path == "readme.md"
    body = client.get("/modules/socib-rip-currents-detection/").content.decode()
    first_line = next(line for line in rip.readme.splitlines() if line.strip("# ").strip())
    assert first_line.strip("# ").strip()[:20] in body


def test_unknown_counts_and_image_facts_are_shown_as_unknown(client, demo):
    body = client.get("/modules/dogs-breed-detector/").content.decode()
    facts = _facts(body)
    assert "<dt>Docker pulls</dt>" in facts and "<dt>GitHub stars</dt>" in facts
    assert facts.count(">unknown</dd>") == 2
    tags = body[body.index('id="docker-title"') :]
    tags = tags[: tags.index("</section>")]
    assert '<span class="muted">unknown</span>' in tags
    assert "0 bytes" not in tags and "—" not in tags
    assert "not read from Docker Hub" in tags


def test_the_api_says_null_for_what_nobody_read(client, demo):
    dogs = client.get("/api/v1/modules/dogs-breed-detector/").json()
    assert dogs["docker_pulls"] is None and dogs["stars"] is None and dogs["docker_stars"] is None
    assert [t["name"] for t in dogs["docker_tags"]] == ["latest", "cpu", "gpu"]
    assert all(
        t["digest"] is None and t["size"] is None and t["last_pushed"] is None
        for t in dogs["docker_tags"]
    )


def test_known_zero_pulls_are_shown_as_zero(client, demo):
    Module.objects.filter(name="dogs-breed-detector").update(docker_pulls=0, stars=0)
    body = client.get("/modules/dogs-breed-detector/").content.decode()
    facts = _facts(body)
    assert ">unknown</dd>" not in facts
    assert '<dd title="0">0</dd>' in facts


def test_popular_sort_puts_unknown_pull_counts_after_known_ones(client, demo):
    Module.objects.filter(name="satsr").update(docker_pulls=0)
    Module.objects.filter(name="posenet-tf").update(docker_pulls=10)
    names = [
        m["name"]
        for m in client.get("/api/v1/modules/?ordering=-docker_pulls&page_size=3").json()["results"]
    ]
    assert names[:2] == ["posenet-tf", "satsr"]


def test_problem_sentences_end_with_one_full_stop(client, demo):
    body = client.get("/modules/phyto-plankton-classification/").content.decode()
    assert "(description: |)." in body
    assert "(description: |).." not in body
