"""No template or view marks user-influenced data safe.

Auto-escaping is what keeps a visitor's text from running in another visitor's browser. It
has exactly two sanctioned exits, each of which makes its own output safe:

- `{{ value|script_json }}` (marketplace.templatetags.embed) for JSON inside a `<script>`;
- `render_markdown` (catalog.web.rendering) for Markdown, through nh3's allow-list.

Everything else a template prints is escaped. This test reads every template and every module
of shipped code and fails on `|safe`, `|safeseq`, `{% autoescape off %}`, and on `mark_safe` /
`SafeString(...)` anywhere but the audited functions below — so a new `json.dumps(...)|safe`
(the pipeline page's stored XSS) cannot come back unnoticed.
"""

from __future__ import annotations

import ast
import pathlib
import re
import tomllib

from django.conf import settings

REPO = pathlib.Path(__file__).resolve().parents[2]
# Every app the wheel ships (pyproject's package list), so a new app is checked from day one.
SHIPPED = [
    name.rstrip("*")
    for name in tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]["find"]["include"]
]

# Template constructs that print a value without escaping it.
UNSAFE_TEMPLATE = re.compile(r"\|\s*safe(seq)?\b|\{%\s*autoescape\s+off\s*%\}")

# (file, function) → why its output is safe whatever the user typed. Adding a row here is a
# security review: the function must escape or sanitise every piece of text it marks safe.
AUDITED_MARK_SAFE = {
    ("marketplace/templatetags/embed.py", "script_json"): "escapes <, >, & and U+2028/9",
    ("catalog/web/rendering.py", "render_markdown"): "nh3 allow-list sanitiser output",
    ("marketplace/templatetags/template_hooks.py", "template_hook"): "auto-escaped templates",
    ("catalog/usage/charts.py", "bar_chart"): "every text escaped, numbers formatted",
    ("catalog/usage/charts.py", "numbers_table"): "labels escaped, numbers and ISO dates",
    ("marketplace/charts.py", "line_chart"): "every text escaped, numbers formatted",
    ("marketplace/charts.py", "histogram_chart"): "every text escaped, numbers formatted",
}
MARKING_CALLS = {"mark_safe", "SafeString", "SafeText", "mark_for_escaping"}


def _template_files() -> list[pathlib.Path]:
    folders = [pathlib.Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    folders += [REPO / app / "templates" for app in SHIPPED]
    return sorted(path for folder in folders if folder.is_dir() for path in folder.rglob("*.html"))


def _python_files() -> list[pathlib.Path]:
    return sorted(
        path
        for app in SHIPPED
        for path in (REPO / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def _marking_calls(path: pathlib.Path) -> list[tuple[str, int]]:
    """(enclosing function, line) of each call that marks a string safe."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name)
                continue
            if isinstance(child, ast.Call):
                callee = child.func
                name = (
                    callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", "")
                )
                if name in MARKING_CALLS:
                    found.append((function, child.lineno))
            visit(child, function)

    visit(tree, "<module>")
    return found


def test_no_template_prints_a_value_unescaped():
    offences = []
    for path in _template_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if UNSAFE_TEMPLATE.search(line):
                offences.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offences == [], (
        "Templates must not print values unescaped; embed JSON with |script_json "
        "({% load embed %}) and Markdown through render_markdown:\n" + "\n".join(offences)
    )


def test_only_audited_functions_mark_strings_safe():
    offences, seen = [], set()
    for path in _python_files():
        relative = path.relative_to(REPO).as_posix()
        for function, line in _marking_calls(path):
            seen.add((relative, function))
            if (relative, function) not in AUDITED_MARK_SAFE:
                offences.append(f"{relative}:{line} in {function}()")
    assert offences == [], (
        "Only the audited functions in this test may mark strings safe; escape the value or "
        "review the function and add it to AUDITED_MARK_SAFE:\n" + "\n".join(offences)
    )
    # The list stays honest: a row whose function no longer marks anything is removed.
    assert set(AUDITED_MARK_SAFE) <= seen, set(AUDITED_MARK_SAFE) - seen


def test_the_checks_catch_what_they_are_for(tmp_path):
    """The oracle itself: the pipeline page's old line, and a mark_safe in a view."""
    assert UNSAFE_TEMPLATE.search('<script type="application/ld+json">{{ jsonld|safe }}</script>')
    assert UNSAFE_TEMPLATE.search("{% autoescape off %}{{ x }}{% endautoescape %}")
    assert not UNSAFE_TEMPLATE.search("{{ jsonld|script_json }} {{ safety_notes }}")
    view = tmp_path / "views.py"
    view.write_text(
        "from django.utils.safestring import mark_safe\n"
        "def detail(request):\n    return {'jsonld': mark_safe(request.GET['x'])}\n"
    )
    assert _marking_calls(view) == [("detail", 3)]
