"""The SQLite fallback of catalog.search, run in a child process on a throwaway SQLite file.

The suite's database is PostgreSQL; development laptops use SQLite. The child migrates a
fresh file (so migration 0003 must skip cleanly), creates modules and prints what the
public search functions return.
"""

import json
import os
import pathlib
import subprocess
import sys
import textwrap

REPO = pathlib.Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import json
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext
    call_command("migrate", verbosity=0)
    from catalog.models import Module
    from catalog.search import ModuleQuery, search_modules

    def make(name, **kw):
        Module.objects.create(name=name, **kw)

    make("title", title="Plankton classifier", tags=["marine"], tasks=["Classification"])
    make("desc", title="Generic", description="plankton inside", tags=["Marine", "x"])
    make("other", title="100% YOLO", tasks=["Object Detection"], categories=["AI4 trainable"])
    make("hidden", title="Plankton hidden", is_hidden=True)

    def run(params):
        query = ModuleQuery.from_querydict(QueryDict(params))
        with CaptureQueriesContext(connection) as ctx:
            result = search_modules(query)
        return {
            "names": [m.name for m in result.modules],
            "facets": {k: [list(v) for v in vals] for k, vals in result.facets.items()},
            "suggestions": result.suggestions,
            "queries": len(ctx.captured_queries),
        }

    print(json.dumps({
        "plankton": run("q=plankton"),
        "tag": run("tag=marine&sort=name"),
        "both": run("tag=marine&task=Classification"),
        "percent": run("q=%25"),
        "typo": run("q=planktn"),
        "badge": run("trainable=1"),
    }))
    """
)


def test_search_works_on_sqlite_with_the_same_semantics(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "AIX_VAR_DIR": str(tmp_path),
        "CACHE_URL": "locmemcache://",
        "PYTHONPATH": str(REPO),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["plankton"]["names"] == ["title", "desc"]  # title match first, hidden absent
    assert out["tag"]["names"] == ["desc", "title"]  # case-insensitive list membership
    assert out["both"]["names"] == ["title"]
    assert out["percent"]["names"] == ["other"]  # % is literal, not a wildcard
    assert out["typo"]["names"] == [] and out["typo"]["suggestions"] == ["Plankton classifier"]
    assert out["badge"]["names"] == ["other"]
    assert ["marine", 2, True] in [
        [v.lower() if isinstance(v, str) else v for v in entry]
        for entry in out["tag"]["facets"]["tag"]
    ]
    assert max(result["queries"] for result in out.values()) <= 3
