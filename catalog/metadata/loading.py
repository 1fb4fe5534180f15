"""Parse untrusted metadata text (YAML or JSON) into a plain dict, safely.

The text comes from any public repository, so parsing is defensive: a size cap, no YAML
anchors or aliases (the "billion laughs" expansion), a nesting cap (deep flow collections
otherwise end in RecursionError), no language-specific tags, and only JSON-compatible values,
so the result can be stored in a JSON column as it is.
"""

from __future__ import annotations

import json
import math
import pathlib
from typing import NoReturn

import yaml
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from marketplace.inputs import InputError
from marketplace.inputs.text import check_text

from .problems import WARNING, MetadataError, MetadataProblem

MAX_DOCUMENT_BYTES = 256 * 1024
MAX_DEPTH = 20  # nested mappings/lists; real metadata needs 3

Path = tuple[str | int, ...]


class MetadataDocument(dict):
    """A parsed metadata document that remembers where things were written.

    ``lines`` maps a key path (``("links", "docker_image")``) to its 1-based line, so schema
    errors can point at a line; ``notes`` holds warnings found while reading (for example a
    JSON file that needed the lenient reader). Both are lost if the dict is copied, which is
    fine: they only improve messages.
    """

    def __init__(self, data: dict, *, lines: dict[Path, int], notes: list[MetadataProblem]):
        super().__init__(data)
        self.lines = lines
        self.notes = notes


class _Refused(yaml.MarkedYAMLError):
    """A YAML feature we do not accept in metadata files."""


class _SafeMetadataLoader(yaml.SafeLoader):
    """SafeLoader without aliases, anchors, deep nesting or non-JSON types."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: object) -> Node:
        event = self.peek_event()
        # Refuse at the first anchor: expansion happens later, in the constructor, and a
        # few hundred bytes of aliases expand to gigabytes.
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(
                problem="uses YAML anchors or aliases (&name / *name), which metadata files "
                "may not use; write the values out in full",
                problem_mark=event.start_mark,
            )
        is_collection = isinstance(event, MappingStartEvent | SequenceStartEvent)
        if is_collection:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _Refused(
                    problem=f"is nested more than {MAX_DEPTH} levels deep",
                    problem_mark=event.start_mark,
                )
        try:
            return super().compose_node(parent, index)
        finally:
            if is_collection:
                self._depth -= 1

    def _refuse_tag(self, node: Node) -> None:
        raise _Refused(
            problem=f"uses the YAML tag {_short_tag(node.tag)}, which metadata files may not use",
            problem_mark=node.start_mark,
        )

    def _as_text(self, node: Node) -> str:
        return self.construct_scalar(node)


# Unknown tags (!!python/object, !custom) and YAML-only types (binary, set, ordered maps)
# are refused; dates stay text because the schema wants strings and so does a JSON column.
_SafeMetadataLoader.add_constructor(None, _SafeMetadataLoader._refuse_tag)
for _tag in ("binary", "set", "omap", "pairs"):
    _SafeMetadataLoader.add_constructor(
        f"tag:yaml.org,2002:{_tag}", _SafeMetadataLoader._refuse_tag
    )
for _tag in ("timestamp", "value"):
    _SafeMetadataLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _SafeMetadataLoader._as_text)


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml") else tag


def load_document(text: str | bytes, *, filename: str) -> dict:
    """Parse a metadata file: YAML unless ``filename`` ends in ``.json``.

    JSON that is not strict (the trailing commas some real ``metadata.json`` files carry) is
    read with the same safe YAML reader, as ai4-metadata does, with a warning in ``notes``.
    Returns a :class:`MetadataDocument` (a dict); raises :class:`MetadataError` with the file,
    line and a plain message when the text cannot be used.
    """
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_DOCUMENT_BYTES:
        _fail(
            filename,
            None,
            f"{filename} is {size // 1024} KB; the limit is "
            f"{MAX_DOCUMENT_BYTES // 1024} KB for a metadata file.",
        )
    if isinstance(text, bytes):
        text = _decode(text, filename)

    notes: list[MetadataProblem] = []
    if pathlib.PurePosixPath(filename).suffix.lower() == ".json":
        data, lines = _parse_json(text, filename, notes)
    else:
        data, lines = _parse_yaml_or_fail(text, filename)

    if data is None:
        _fail(filename, None, f"{filename} is empty.")
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        _fail(
            filename,
            1,
            f"{filename} must be a mapping of keys to values "
            f"(like 'title: ...'), but it is {kind}.",
        )
    _check_values(data, lines, filename)
    return MetadataDocument(data, lines=lines, notes=notes)


def _fail(filename: str, line: int | None, message: str, field: str | None = None) -> NoReturn:
    raise MetadataError(MetadataProblem(file=filename, line=line, field=field, message=message))


def _decode(data: bytes, filename: str) -> str:
    try:
        return data.decode("utf-8-sig")  # a BOM is harmless; drop it
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        _fail(
            filename,
            line,
            f"{filename} is not UTF-8 text (byte 0x{data[exc.start]:02x} "
            f"on line {line} cannot be read); save the file as UTF-8.",
        )


def _parse_json(text: str, filename: str, notes: list[MetadataProblem]) -> tuple[object, dict]:
    try:
        data = json.loads(text, parse_constant=_refuse_json_constant)
    except json.JSONDecodeError as exc:
        json_error = exc
    except RecursionError:
        _fail(filename, None, f"{filename} is nested more than {MAX_DEPTH} levels deep.")
    except ValueError as exc:  # NaN / Infinity, or an integer too long to convert
        reason = exc.args[0] if isinstance(exc, _JSONConstantError) else "a number is too long"
        _fail(filename, None, f"{filename} is not valid JSON: {reason}.")
    else:
        return data, _best_effort_lines(text)

    try:
        data, lines = _parse_yaml(text)
    except (yaml.YAMLError, ValueError, RecursionError):
        _fail(
            filename,
            json_error.lineno,
            f"{filename} is not valid JSON: {json_error.msg} "
            f"(line {json_error.lineno}, column {json_error.colno}).",
        )
    notes.append(
        MetadataProblem(
            file=filename,
            line=json_error.lineno,
            field=None,
            severity=WARNING,
            message=f"{filename} is not strict JSON ({json_error.msg.lower()} at line "
            f"{json_error.lineno}, often a trailing comma); it was read leniently, as ai4-metadata "
            "does, but other tools may reject it.",
        )
    )
    return data, lines


class _JSONConstantError(ValueError):
    pass


def _refuse_json_constant(name: str) -> None:
    raise _JSONConstantError(f"{name} is not a number JSON allows")


def _best_effort_lines(text: str) -> dict[Path, int]:
    """Line numbers for JSON keys, via the YAML composer (JSON is nearly YAML)."""
    # YAML refuses tab indentation, which most real metadata.json files use. Strict JSON has
    # no raw tabs inside strings, so swapping them for spaces changes no line or key.
    try:
        loader = _SafeMetadataLoader(text.replace("\t", " "))
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except (yaml.YAMLError, ValueError, RecursionError):
        return {}  # e.g. tab-indented JSON is not YAML; messages just lack line numbers
    return _line_map(node) if node is not None else {}


def _parse_yaml(text: str) -> tuple[object, dict[Path, int]]:
    loader = _SafeMetadataLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        return loader.construct_document(node), _line_map(node)
    finally:
        loader.dispose()


def _parse_yaml_or_fail(text: str, filename: str) -> tuple[object, dict[Path, int]]:
    try:
        return _parse_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        where = f" (line {line}, column {mark.column + 1})" if mark else ""
        problem = exc.problem
        if exc.context and not exc.context.startswith("while"):
            problem = f"{exc.context}, {problem}"  # e.g. "expected a single document ..."
        message = f"{filename} is not valid YAML: {problem}{where}."
        if isinstance(exc, _Refused):
            message = f"{filename} {exc.problem}{where}."
        if exc.problem == "mapping values are not allowed here":
            message += (
                " This usually means an unquoted text contains ': '; quote the text "
                "or write it as a block (description: |)."
            )
        _fail(filename, line, message)
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        _fail(
            filename,
            line,
            f"{filename} contains a character YAML does not allow "
            f"(U+{exc.character:04X} on line {line}).",
        )
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error is one of the above
        _fail(filename, None, f"{filename} is not valid YAML: {exc}.")
    except RecursionError:
        _fail(filename, None, f"{filename} is nested more than {MAX_DEPTH} levels deep.")
    except ValueError:  # an integer with more digits than Python converts (4300)
        _fail(filename, None, f"{filename} contains a number too long to read.")


def _line_map(root: Node) -> dict[Path, int]:
    """Map each key path to the 1-based line where it is written."""
    lines: dict[Path, int] = {}
    stack: list[tuple[Node, Path]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode):
                    child = (*path, key_node.value)
                    lines[child] = key_node.start_mark.line + 1
                    stack.append((value_node, child))
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                child = (*path, index)
                lines[child] = item.start_mark.line + 1
                stack.append((item, child))
    return lines


def _check_values(data: dict, lines: dict[Path, int], filename: str) -> None:
    """Only JSON values, string keys, and at most MAX_DEPTH levels (JSON has no cap)."""
    stack: list[tuple[object, Path, int]] = [(data, (), 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list) and depth > MAX_DEPTH:
            _fail(
                filename,
                lines.get(path),
                f"{filename} is nested more than {MAX_DEPTH} levels deep.",
                dotted(path),
            )
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str):
                    _check_text(filename, lines, (*path, key), key)
                if not isinstance(key, str):
                    line = lines.get((*path, str(key)))
                    _fail(
                        filename,
                        line,
                        f"{filename} has the key {key!r}, which is not text; quote it.",
                        dotted(path) or None,
                    )
                stack.append((item, (*path, key), depth + 1))
        elif isinstance(value, list):
            stack.extend((item, (*path, i), depth + 1) for i, item in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            _fail(
                filename,
                lines.get(path),
                f"{filename} has {value} as a number, which JSON cannot hold.",
                dotted(path),
            )
        elif isinstance(value, str):
            _check_text(filename, lines, path, value)
        elif value is not None and not isinstance(value, str | int | float):
            _fail(
                filename,
                lines.get(path),
                f"{filename} has a value of a type metadata cannot hold.",
                dotted(path),
            )


def _check_text(filename: str, lines: dict[Path, int], path: Path, value: str) -> None:
    """No NUL or lone surrogate (a JSON column refuses them): the site's one text check."""
    try:
        check_text(value, field=dotted(path) or filename)
    except InputError as exc:
        _fail(filename, lines.get(path), f"{filename}: {exc}.", dotted(path))


def dotted(path: Path) -> str | None:
    """``("links", "docker_image")`` -> ``"links.docker_image"``; ``()`` -> None."""
    return ".".join(str(part) for part in path) or None
