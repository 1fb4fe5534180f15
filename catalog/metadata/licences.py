"""Licences as SPDX expressions, read with ``license-expression`` and the SPDX list it ships.

Every source states a licence its own way: ai4-metadata as free text ("Apache 2.0", "MIT"),
GitHub as the SPDX id it detected in the LICENSE file ("AGPL-3.0"), Hugging Face as a tag
("apache-2.0"), BioImage.io and AI-on-Demand as SPDX ids or words. :func:`read_licence`
turns any of them into one SPDX expression ("Apache-2.0", "AGPL-3.0-only") or says, in
words a maintainer can act on, why it cannot. It never guesses: a licence is recognised
only when each of its names is an SPDX identifier (any case, deprecated ones included, as
SPDX defines them) or a spelling of one that differs only in spaces and the words
"License"/"Version" ("Apache License, Version 2.0" → Apache-2.0). A family name without a
version ("GPL", "BSD") is ambiguous and reported, even where the library would pick one.

:func:`record_licence` decides which licence a catalog entry uses when its metadata and its
repository's LICENSE file disagree, and :func:`spdx_uri` / :func:`eu_licence_uri` name a
licence for exporters (SPDX and the EU Publications Office licence vocabulary).
"""

from __future__ import annotations

import dataclasses
import functools
import re

from boolean.boolean import ParseError
from license_expression import (
    ExpressionError,
    LicenseSymbol,
    LicenseWithExceptionSymbol,
    get_spdx_licensing,
)

SPDX_LICENSES = "https://spdx.org/licenses/"
EU_LICENCES = "http://publications.europa.eu/resource/authority/licence/"
# SPDX id → code in the EU licence authority table (op-codelists "licence"). A licence text
# has one code there whatever the "-only"/"-or-later" grant, so both map to it. Licences
# the table does not list have no EU URI (exporters then give the SPDX URI alone).
EU_LICENCE_CODES = {
    "Apache-2.0": "APACHE_2_0",
    "MIT": "MIT",
    "BSD-2-Clause": "BSD_2_CLAUSE",
    "BSD-3-Clause": "BSD_3_CLAUSE",
    "GPL-2.0-only": "GPL_2_0",
    "GPL-2.0-or-later": "GPL_2_0",
    "GPL-3.0-only": "GPL_3_0",
    "GPL-3.0-or-later": "GPL_3_0",
    "AGPL-3.0-only": "AGPL_3_0",
    "AGPL-3.0-or-later": "AGPL_3_0",
    "LGPL-2.1-only": "LGPL_2_1",
    "LGPL-2.1-or-later": "LGPL_2_1",
    "LGPL-3.0-only": "LGPL_3_0",
    "LGPL-3.0-or-later": "LGPL_3_0",
    "MPL-2.0": "MPL_2_0",
    "EUPL-1.1": "EUPL_1_1",
    "EUPL-1.2": "EUPL_1_2",
    "CC0-1.0": "CC0",
    "CC-BY-4.0": "CC_BY_4_0",
    "CC-BY-SA-4.0": "CC_BYSA_4_0",
    "CC-BY-NC-4.0": "CC_BYNC_4_0",
    "CC-BY-ND-4.0": "CC_BYND_4_0",
    "CC-BY-NC-SA-4.0": "CC_BYNCSA_4_0",
    "CC-BY-NC-ND-4.0": "CC_BYNCND_4_0",
}
# Values that say there is no usable licence statement rather than naming a licence.
_NO_LICENCE = {
    "other",
    "unknown",
    "none",
    "n/a",
    "na",
    "noassertion",
    "no license",
    "no licence",
    "no license file",
    "proprietary",
    "custom",
}
# Words dropped when a free-text spelling is turned into an SPDX-id candidate.
_FILLER = {"the", "license", "licence", "licensed", "version", "under"}
_SPDX_URL = re.compile(r"^https?://(?:www\.)?spdx\.org/licenses/([^/?#]+?)(?:\.html|\.json)?/?$")
_OSI_URL = re.compile(r"^https?://(?:www\.)?opensource\.org/licen[cs]es/([^/?#]+?)(?:\.php)?/?$")
_OPERATORS = {"and", "or", "with"}

AMBIGUOUS = "is ambiguous"
USED_REPOSITORY = "repository"
USED_METADATA = "metadata"


@dataclasses.dataclass(frozen=True)
class LicenceReading:
    """One stated licence, read: ``spdx`` is "" when it could not be recognised."""

    stated: str
    spdx: str = ""
    problem: str = ""  # why it is not recognised, in plain words ("" when it is, or is empty)

    @property
    def recognised(self) -> bool:
        return bool(self.spdx)


@dataclasses.dataclass(frozen=True)
class RecordLicence:
    """The licence a catalog entry uses, from its metadata and its repository's LICENSE file."""

    metadata: LicenceReading
    repository: LicenceReading
    used: str  # USED_REPOSITORY, USED_METADATA or "" (neither is a recognised licence)

    @property
    def spdx(self) -> str:
        """The SPDX expression of the record, "" when unknown."""
        if self.used == USED_REPOSITORY:
            return self.repository.spdx
        if self.used == USED_METADATA:
            return self.metadata.spdx
        return ""

    @property
    def disagree(self) -> bool:
        """Metadata and LICENSE file both name a licence, and not the same one."""
        return bool(
            self.metadata.stated
            and self.repository.spdx
            and self.metadata.spdx != self.repository.spdx
        )

    def explanation(self) -> str:
        """Which licence the record uses and why, for the entry's page ("" when obvious)."""
        if self.disagree:
            return (
                f"The metadata says “{self.metadata.stated}” but the repository’s LICENSE file "
                f"is {self.repository.spdx}; this record uses the LICENSE file, the grant that "
                "ships with the code."
            )
        return ""

    def problems(self, file: str = "") -> list[dict]:
        """What a maintainer should fix, as catalog problems (``file``, field ``license``)."""
        found = []
        if self.metadata.problem:
            found.append(_problem(file, self.metadata.problem))
        if self.disagree:
            found.append(
                _problem(
                    file,
                    f"The licence in the metadata (“{self.metadata.stated}”) differs from the "
                    f"repository’s LICENSE file ({self.repository.spdx}). The catalog uses the "
                    "LICENSE file; state the same licence in both.",
                )
            )
        return found


def _problem(file: str, message: str) -> dict:
    return {
        "file": file,
        "line": None,
        "field": "license",
        "message": message,
        "severity": "warning",
    }


@functools.cache
def _licensing():
    return get_spdx_licensing()


def warm_up() -> None:
    """Load the SPDX licence index and build its tokenizer now (settings.WARM_UP_ON_START):
    the first licence read in a process costs about 0.1 s, which a refresh would wait for."""
    read_licence("Apache-2.0")


@functools.cache
def _versioned_aliases() -> dict[str, str]:
    """Folded deprecated SPDX ids → current id (``agpl-3.0`` → ``AGPL-3.0-only``).

    The library also knows unversioned aliases (``GPL`` → ``GPL-1.0-or-later``) and
    ``LicenseRef-…`` keys of its own; those are not SPDX spellings and are left out.
    """
    aliases = {}
    for key, symbol in _licensing().known_symbols.items():
        for alias in getattr(symbol, "aliases", ()) or ():
            if not alias.startswith("LicenseRef-") and re.search(r"\d", alias):
                aliases[alias.casefold()] = key
    return aliases


def read_licence(text: str) -> LicenceReading:
    """A stated licence → its SPDX expression, or the reason it cannot be recognised."""
    stated = text.strip() if isinstance(text, str) else ""
    if not stated:
        return LicenceReading("")
    candidate = _from_url(stated)
    if candidate is None and stated.startswith(("http://", "https://")):
        return LicenceReading(
            stated,
            problem=(
                f"The licence is given as a link ({stated}), not as an SPDX identifier; "
                "state it as one (for example Apache-2.0 or MIT, see https://spdx.org/licenses/)."
            ),
        )
    candidate = candidate or stated
    if candidate.casefold().rstrip(".") in _NO_LICENCE:
        return LicenceReading(
            stated,
            problem=(
                f"“{stated}” does not name a licence. State the licence as an SPDX identifier "
                "(for example Apache-2.0 or MIT, see https://spdx.org/licenses/)."
            ),
        )
    spdx, why = _as_spdx(candidate)
    if not spdx and not _has_operator(candidate):
        respelled = _respelled(candidate)
        if respelled and respelled != candidate:
            spdx, why_respelled = _as_spdx(respelled)
            if AMBIGUOUS in why_respelled:  # "GPL License": say what is missing, the version
                why = why_respelled.replace(f"“{respelled}”", f"“{candidate}”")
        if not spdx and AMBIGUOUS not in why:
            why = _not_on_list(candidate)
    if spdx:
        return LicenceReading(stated, spdx=spdx)
    return LicenceReading(stated, problem=why)


def record_licence(*, stated: str, repository: str) -> RecordLicence:
    """The licence an entry uses: the repository's LICENSE file when GitHub recognised it (it
    is the grant that ships with the code), else the one its metadata states."""
    metadata = read_licence(stated)
    file_reading = read_licence(repository) if repository else LicenceReading("")
    if file_reading.recognised:
        used = USED_REPOSITORY
    elif metadata.recognised:
        used = USED_METADATA
    else:
        used = ""
    return RecordLicence(metadata=metadata, repository=file_reading, used=used)


def module_licence(module) -> RecordLicence:
    """:func:`record_licence` of a Module (or anything with ``license``/``github_license``)."""
    return record_licence(
        stated=getattr(module, "license", "") or "",
        repository=getattr(module, "github_license", "") or "",
    )


def licence_reference(module) -> str:
    """How exporters that take one string name an entry's licence (schema.org ``license``,
    ``dc:rights``): its SPDX URI, else its SPDX expression, else the licence as stated."""
    spdx = module_licence(module).spdx
    return spdx_uri(spdx) or spdx or (getattr(module, "license", "") or "")


def spdx_uri(expression: str) -> str:
    """``https://spdx.org/licenses/<id>`` of a single licence; "" for a compound expression
    (no one document is its licence) or nothing."""
    if not expression or _has_operator(expression):
        return ""
    return SPDX_LICENSES + expression


def eu_licence_uri(expression: str) -> str:
    """The EU licence vocabulary URI of a single SPDX licence, "" where the table has none."""
    code = EU_LICENCE_CODES.get(expression)
    return EU_LICENCES + code if code else ""


def licence_uris(expression: str) -> list[str]:
    """Every URI that names the licence: SPDX first, then the EU vocabulary's."""
    return [uri for uri in (spdx_uri(expression), eu_licence_uri(expression)) if uri]


# --- parsing ---------------------------------------------------------------------------------
def _as_spdx(candidate: str) -> tuple[str, str]:
    """(SPDX expression, "") or ("", why not)."""
    licensing = _licensing()
    try:
        tokens = list(licensing.tokenize(candidate))
        expression = licensing.parse(candidate, validate=False)
        symbols = [pair for token, written, _ in tokens for pair in _symbols(token, written)]
    except (ExpressionError, ParseError) as exc:  # boolean.py's errors are not the former's
        return "", f"“{candidate}” is not a licence expression we can read ({exc})."
    except Exception:  # noqa: BLE001
        # The parser trips over some malformed input ("( )", "( AND MIT") with IndexError,
        # AssertionError and the like: a licence statement must never stop a harvest.
        return "", f"“{candidate}” is not a licence expression we can read."
    if expression is None:
        return "", ""
    for symbol, spelling in symbols:
        why = _not_spdx(symbol, spelling)
        if why:
            return "", why
    return str(expression), ""


def _symbols(token, written: str) -> list[tuple[LicenseSymbol, str]]:
    if isinstance(token, LicenseWithExceptionSymbol):
        licence, _, exception = re.split(r"\s+(with)\s+", written, maxsplit=1, flags=re.I)
        return [(token.license_symbol, licence), (token.exception_symbol, exception)]
    if isinstance(token, LicenseSymbol):
        return [(token, written)]
    return []


def _not_spdx(symbol: LicenseSymbol, written: str) -> str:
    known = _licensing().known_symbols
    folded = written.strip().casefold()
    if symbol.key not in known or symbol.key.startswith("LicenseRef-"):
        return _not_on_list(written)
    if folded == symbol.key.casefold() or _versioned_aliases().get(folded) == symbol.key:
        return ""
    return (
        f"“{written}” {AMBIGUOUS}: it names a family of licences, not one version. State "
        "which one as an SPDX identifier (for example GPL-3.0-only or GPL-3.0-or-later, see "
        "https://spdx.org/licenses/)."
    )


def _not_on_list(written: str) -> str:
    return (
        f"“{written}” is not on the SPDX licence list. State the licence as an SPDX "
        "identifier (see https://spdx.org/licenses/); a licence of your own can be linked "
        "from the README."
    )


def _has_operator(expression: str) -> bool:
    return any(word.casefold() in _OPERATORS for word in re.split(r"[\s()]+", expression))


def _respelled(text: str) -> str:
    """ "Apache License, Version 2.0" → "Apache-2.0": drop filler words and join with dashes."""
    words = [w for w in re.split(r"[\s,;:()]+", text) if w]
    kept = [w for w in words if w.casefold() not in _FILLER]
    # "v2.0" / "V3" before a version number is a spelling of the number.
    kept = [re.sub(r"^[vV](?=\d)", "", w) for w in kept]
    return "-".join(kept)


def _from_url(text: str) -> str | None:
    """The SPDX id in an spdx.org or opensource.org licence URL, else None."""
    for pattern in (_SPDX_URL, _OSI_URL):
        match = pattern.match(text)
        if match:
            return match.group(1)
    return None
