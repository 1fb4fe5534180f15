"""Hypothesis strategies for hostile outside data: odd JSON shapes, XSS and SSRF fragments."""

from __future__ import annotations

import pathlib

from hypothesis import strategies as st

HERE = pathlib.Path(__file__).resolve().parent


def xss_payloads() -> list[str]:
    """The XSS corpus (one payload a line, ``#`` comments) in tests/hostile/xss_payloads.txt."""
    lines = (HERE / "xss_payloads.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


# URLs a hostile metadata file or README may point at: none of them may ever be fetched.
HOSTILE_URLS = [
    "file:///etc/passwd",
    "file://localhost/etc/shadow",
    "http://127.0.0.1:{canary}/steal",
    "http://localhost:{canary}/steal",
    "http://[::1]:{canary}/steal",
    "http://0.0.0.0:{canary}/",
    "http://2130706433:{canary}/",  # 127.0.0.1 as one decimal number
    "http://127.1:{canary}/",
    "http://169.254.169.254/latest/meta-data/",
    "gopher://127.0.0.1:{canary}/_GET%20/",
    "dict://127.0.0.1:{canary}/info",
    "ftp://127.0.0.1:{canary}/",
    "https://github.com.127.0.0.1.nip.io/ai4os/x",
    "https://github.com@127.0.0.1:{canary}/ai4os/x",
    "https://user:pass@github.com/ai4os/x",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//127.0.0.1:{canary}/protocol-relative",
    "\\\\127.0.0.1\\share",
]

SQL_AND_LIKE = ["%", "_", "%%", "\\%", "'", '"', "';--", "' OR '1'='1", "\\", "%_%", "[a-z]"]

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["", " ", "null", "0", "-1", "1e309", "\u202e", "\x00", "💥", "<b>x</b>"]),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=12), children, max_size=4),
    ),
    max_leaves=12,
)


def json_objects_with_keys(keys: list[str]) -> st.SearchStrategy[dict]:
    """Dicts using the keys a reader expects, each holding any JSON value, plus noise keys."""
    return st.fixed_dictionaries(
        {},
        optional={key: json_values for key in keys},
    ).flatmap(
        lambda known: st.dictionaries(st.text(max_size=8), json_values, max_size=2).map(
            lambda noise: {**noise, **known}
        )
    )
