"""A pipeline definition: parse (YAML or JSON), normalise, validate, order and flatten.

The YAML a user edits and the JSON the visual editor sends are the same document:

    input_type: Image            # what the pipeline is fed (an ai4-metadata data-type)
    steps:
      - id: resnet
        module: plants-classification      # a catalog module, any case
      - id: effnet
        module: ai4os-image-classification-tf
      - id: vote
        join: majority_vote                # majority_vote | mean | concatenate | module
        inputs: [resnet, effnet]
      - id: refine
        pipeline: my-other-pipeline        # a sub-flow, at its latest (or given) version
        inputs: [vote]

A step without `inputs` reads the pipeline's input. Exactly one step ends the pipeline: its
output is the result. Every problem names the step (and the field) it is about.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from catalog.metadata.loading import load_document
from catalog.metadata.problems import MetadataError
from pipelines.text_limits import TITLE_MAX, too_long

AGGREGATORS = {
    "majority_vote": "Majority vote (ties go to the higher mean score)",
    "mean": "Mean of the scores",
    "concatenate": "Concatenate the outputs",
    "module": "A catalog module of your choice",
}
# What a DEEPaaS prediction (and every join) produces.
PREDICTION = "Prediction"
# ai4-metadata data-types that accept anything.
ANY_TYPES = {"", "Other"}
STEP_ID = re.compile(r"[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?")
STEP_ID_WORDS = 16  # a made-up id keeps whole words up to here (the visual editor's newId)
MAX_STEPS = 30
MAX_DEPTH = 3  # sub-pipelines inside sub-pipelines inside ...


@dataclass(frozen=True)
class Problem:
    step: str  # "" for the pipeline as a whole
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"step": self.step, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        where = f"Step '{self.step}'" if self.step else "Pipeline"
        return f"{where}: {self.message}"


class DefinitionError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class ModuleInfo:
    """What validation and wiring need to know about a catalog module."""

    name: str
    title: str
    docker_image: str
    data_types: tuple[str, ...]
    inference: bool
    revision: int | None
    commit: str
    repository: str


@dataclass(frozen=True)
class SubPipelineInfo:
    name: str
    version: int
    definition: dict[str, Any]


@dataclass
class Resolver:
    """Looks names up in the catalog; injected so parsing stays free of the ORM."""

    module: Callable[[str], ModuleInfo | None]
    pipeline: Callable[[str, int | None], SubPipelineInfo | None]
    seen_pipelines: tuple[str, ...] = field(default_factory=tuple)


def step_id_for(name: str) -> str:
    """A valid step id for a step named after `name` (a pipeline's name can be longer than an
    id, or hold `_`): its whole words up to 16 characters, as the visual editor makes them."""
    words = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-").split("-")
    slug = ""
    for word in words:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > STEP_ID_WORDS:
            break
        slug = longer
    return slug or "-".join(words)[:STEP_ID_WORDS].strip("-") or "step"


def load_text(text: str) -> dict[str, Any]:
    """YAML (JSON is YAML) text → the raw document. Parsed with the catalog's defensive
    reader (size cap, no anchors/aliases, nesting cap, JSON types only); syntax errors name
    the line and column."""
    try:
        document = load_document(text, filename="The definition")
    except MetadataError as exc:
        raise DefinitionError([Problem("", "yaml", exc.problem.message)]) from exc
    return dict(document)


def dump_yaml(definition: Mapping[str, Any]) -> str:
    """The normalised definition as the YAML the form shows (stable key order)."""
    steps = []
    for step in definition.get("steps", []):
        out: dict[str, Any] = {"id": step["id"]}
        for key in ("module", "join", "pipeline", "version", "title", "inputs"):
            if step.get(key) not in (None, "", []):
                out[key] = step[key]
        if step.get("kind") == "join" and step.get("join") == "module":
            out["module"] = step["module"]
        steps.append(out)
    document = {"input_type": definition.get("input_type", "Image"), "steps": steps}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def _as_list(value: Any) -> list[Any] | None:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return value
    return None


def normalise(document: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Shape checks only (no catalog look-ups): every step has a valid id and one kind."""
    problems: list[Problem] = []
    if not isinstance(document, Mapping):
        # A YAML scalar or list, or a JSON null: nothing to read steps from.
        problems.append(
            Problem(
                "",
                "definition",
                "The definition must be a mapping with "
                "input_type and steps, e.g. `input_type: Image`.",
            )
        )
        return {"input_type": "Image", "steps": []}, problems
    input_type = document.get("input_type", "Image")
    if not isinstance(input_type, str) or not input_type.strip():
        problems.append(Problem("", "input_type", "input_type must be a data type, e.g. Image."))
        input_type = "Image"
    raw_steps = document.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        problems.append(Problem("", "steps", "A pipeline needs at least one step."))
        return {"input_type": input_type, "steps": []}, problems
    if len(raw_steps) > MAX_STEPS:
        problems.append(Problem("", "steps", f"At most {MAX_STEPS} steps per pipeline."))
    steps: list[dict[str, Any]] = []
    ids: set[str] = set()
    for index, raw in enumerate(raw_steps, start=1):
        if not isinstance(raw, dict):
            problems.append(Problem(f"#{index}", "", "Each step must be a mapping with an id."))
            continue
        step_id = str(raw.get("id") or "").strip()
        label = step_id or f"#{index}"
        if not STEP_ID.fullmatch(step_id):
            problems.append(
                Problem(
                    label,
                    "id",
                    "The step id must be 1–20 lowercase letters, digits or '-', starting and "
                    "ending with a letter or digit.",
                )
            )
        elif step_id in ids:
            problems.append(Problem(step_id, "id", "Two steps have this id."))
        ids.add(step_id)
        kinds = [k for k in ("module", "join", "pipeline") if raw.get(k)]
        if "join" in kinds and raw.get("join") == "module":
            kinds.remove("module")
        step: dict[str, Any] = {"id": step_id}
        if len(kinds) != 1:
            problems.append(
                Problem(label, "kind", "A step is exactly one of: module, join or pipeline.")
            )
            step["kind"] = "invalid"
        else:
            step["kind"] = kinds[0]
        if step["kind"] == "module":
            step["module"] = str(raw["module"]).strip()
        elif step["kind"] == "join":
            aggregator = str(raw["join"]).strip()
            step["join"] = aggregator
            if aggregator not in AGGREGATORS:
                known = ", ".join(AGGREGATORS)
                problems.append(
                    Problem(label, "join", f"Unknown aggregation '{aggregator}' (use {known}).")
                )
            if aggregator == "module":
                if not raw.get("module"):
                    problems.append(
                        Problem(label, "module", "A 'module' join names the module to run.")
                    )
                step["module"] = str(raw.get("module") or "").strip()
        elif step["kind"] == "pipeline":
            step["pipeline"] = str(raw["pipeline"]).strip()
            version = raw.get("version")
            if version not in (None, ""):
                if not isinstance(version, int) or isinstance(version, bool) or version < 1:
                    problems.append(Problem(label, "version", "version must be a number ≥ 1."))
                else:
                    step["version"] = version
        if raw.get("title"):
            step["title"] = str(raw["title"])
            if len(step["title"]) > TITLE_MAX:
                problems.append(
                    Problem(label, "title", too_long("title", TITLE_MAX, len(step["title"])))
                )
        inputs = _as_list(raw.get("inputs"))
        if inputs is None or not all(isinstance(i, str) for i in inputs):
            problems.append(Problem(label, "inputs", "inputs must be a list of step ids."))
            inputs = []
        step["inputs"] = [i.strip() for i in inputs]
        steps.append(step)
    return {"input_type": input_type.strip(), "steps": steps}, problems


def topological_order(steps: list[dict[str, Any]]) -> tuple[list[str], list[Problem]]:
    """Step ids in an order where every step comes after its inputs; cycles are problems."""
    by_id = {s["id"]: s for s in steps}
    problems: list[Problem] = []
    for step in steps:
        for source in step["inputs"]:
            if source == step["id"]:
                problems.append(Problem(step["id"], "inputs", "A step cannot read its own output."))
            elif source not in by_id:
                problems.append(Problem(step["id"], "inputs", f"No step named '{source}'."))
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(step_id: str, path: list[str]) -> None:
        if state.get(step_id) == "done":
            return
        if state.get(step_id) == "visiting":
            cycle = path[path.index(step_id) :] + [step_id]
            problems.append(
                Problem(step_id, "inputs", "These steps form a cycle: " + " → ".join(cycle) + ".")
            )
            return
        state[step_id] = "visiting"
        for source in by_id[step_id]["inputs"]:
            if source in by_id and source != step_id:
                visit(source, [*path, step_id])
        state[step_id] = "done"
        order.append(step_id)

    for step in steps:
        visit(step["id"], [])
    return order, problems


def consumers(steps: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for step in steps:
        out.setdefault(step["id"], [])
        for source in step["inputs"]:
            out.setdefault(source, []).append(step["id"])
    return out


def final_step(steps: list[dict[str, Any]]) -> str | None:
    ends = [s for s, users in consumers(steps).items() if not users]
    return ends[0] if len(ends) == 1 else None


def accepts(data_types: Iterable[str], produced: str) -> bool:
    """Whether a module of `data_types` takes what a step (or the input) `produced`."""
    types = {t.strip() for t in data_types}
    return not types or bool(types & ANY_TYPES) or produced.lower() in {t.lower() for t in types}


@dataclass
class Checked:
    """A valid definition with what running it needs: order, types and catalog facts."""

    definition: dict[str, Any]
    order: list[str]
    modules: dict[str, ModuleInfo]  # step id → module (module steps and module joins)
    subpipelines: dict[str, SubPipelineInfo]
    output_types: dict[str, str]
    final: str


def validate(document: Mapping[str, Any], resolver: Resolver, depth: int = 0) -> Checked:
    """Everything a run needs to hold: shape, graph, catalog look-ups and types.
    Raises DefinitionError listing every problem (not just the first)."""
    definition, problems = normalise(document)
    steps = definition["steps"]
    order, graph_problems = topological_order(steps) if steps else ([], [])
    problems += graph_problems
    ends = [s for s, users in consumers(steps).items() if not users] if steps else []
    if steps and not graph_problems and len(ends) != 1:
        problems.append(
            Problem(
                "",
                "steps",
                "Exactly one step must end the pipeline (its output is the result); these do: "
                + ", ".join(ends)
                + ". Join them with an aggregation step.",
            )
        )
    modules: dict[str, ModuleInfo] = {}
    subs: dict[str, SubPipelineInfo] = {}
    output_types: dict[str, str] = {}
    by_id = {s["id"]: s for s in steps}
    input_types: dict[str, tuple[str, ...]] = {}
    for step in steps:
        sid = step["id"]
        if step.get("module"):
            info = resolver.module(step["module"])
            if info is None:
                problems.append(
                    Problem(sid, "module", f"No published catalog module named '{step['module']}'.")
                )
            elif not info.docker_image:
                problems.append(
                    Problem(
                        sid,
                        "module",
                        f"Module '{info.name}' has no Docker image, so it cannot run as an "
                        "OSCAR service.",
                    )
                )
            else:
                modules[sid] = info
                step["module"] = info.name  # the catalog's spelling
        if step["kind"] == "module":
            output_types[sid] = PREDICTION
            input_types[sid] = modules[sid].data_types if sid in modules else ()
        elif step["kind"] == "join":
            output_types[sid] = PREDICTION
            input_types[sid] = (PREDICTION,)
            if len(step["inputs"]) < 2:
                problems.append(Problem(sid, "inputs", "A join needs at least two inputs."))
        elif step["kind"] == "pipeline":
            if depth >= MAX_DEPTH or step["pipeline"] in resolver.seen_pipelines:
                problems.append(
                    Problem(
                        sid,
                        "pipeline",
                        f"Pipeline '{step['pipeline']}' cannot include itself (directly or "
                        f"through sub-flows), and sub-flows nest at most {MAX_DEPTH} deep.",
                    )
                )
                continue
            sub = resolver.pipeline(step["pipeline"], step.get("version"))
            if sub is None:
                problems.append(
                    Problem(sid, "pipeline", f"No saved pipeline named '{step['pipeline']}'.")
                )
                continue
            step["version"] = sub.version
            subs[sid] = sub
            output_types[sid] = PREDICTION
            input_types[sid] = (sub.definition.get("input_type", "Image"),)
    if not problems:
        for sid in order:
            step = by_id[sid]
            sources = step["inputs"]
            produced = (
                [definition["input_type"]] if not sources else [output_types[s] for s in sources]
            )
            for source, kind in zip(sources or ["pipeline input"], produced, strict=True):
                if not accepts(input_types.get(sid, ()), kind):
                    wanted = ", ".join(input_types[sid])
                    origin = "the pipeline input" if not sources else f"step '{source}'"
                    problems.append(
                        Problem(
                            sid,
                            "inputs",
                            f"Type mismatch: this step takes {wanted} but {origin} produces "
                            f"{kind}.",
                        )
                    )
    if problems:
        raise DefinitionError(problems)
    return Checked(definition, order, modules, subs, output_types, ends[0])


@dataclass(frozen=True)
class FlatStep:
    """One OSCAR service of a run: a module step or a join, sub-flows expanded."""

    id: str
    kind: str  # "module" | "join"
    label: str
    inputs: tuple[str, ...]
    aggregator: str = ""
    module: ModuleInfo | None = None


class _Budget:
    """Flattened steps still allowed: flattening stops as soon as a pipeline needs more than
    MAX_STEPS services, so nesting public pipelines never multiplies the work."""

    def __init__(self, steps: int) -> None:
        self.left = steps

    def take(self, top_step: str) -> None:
        self.left -= 1
        if self.left < 0:
            raise DefinitionError(
                [
                    Problem(
                        top_step,
                        "steps",
                        f"With its sub-flows expanded this pipeline has more than {MAX_STEPS} "
                        f"steps; a run has at most {MAX_STEPS} (every sub-flow step counts).",
                    )
                ]
            )


def flatten(
    checked: Checked,
    resolver: Resolver,
    prefix: str = "",
    *,
    depth: int = 0,
    budget: _Budget | None = None,
    top_step: str = "",
) -> tuple[list[FlatStep], str]:
    """Expand sub-pipelines into their steps (ids `<sub>-<inner>`), in run order.
    Returns the steps and the id of the final one. Raises DefinitionError when the expanded
    pipeline has more than MAX_STEPS steps or nests deeper than MAX_DEPTH (it stops there:
    the work is bounded by the limits, not by what the sub-flows hold)."""
    budget = budget or _Budget(MAX_STEPS)
    steps_by_id = {s["id"]: s for s in checked.definition["steps"]}
    out: list[FlatStep] = []
    ends: dict[str, str] = {}  # original id → flattened id producing its output
    for sid in checked.order:
        step = steps_by_id[sid]
        inputs = tuple(ends[s] for s in step["inputs"])
        top = top_step or sid
        if step["kind"] == "pipeline":
            sub = checked.subpipelines[sid]
            try:
                inner = validate(
                    sub.definition,
                    Resolver(
                        resolver.module, resolver.pipeline, (*resolver.seen_pipelines, sub.name)
                    ),
                    depth=depth + 1,
                )
            except DefinitionError as exc:
                raise DefinitionError(
                    [Problem(top, "pipeline", f"Sub-flow '{sub.name}': {p}") for p in exc.problems]
                ) from exc
            inner_steps, inner_final = flatten(
                inner,
                resolver,
                prefix=f"{prefix}{sid}-",
                depth=depth + 1,
                budget=budget,
                top_step=top,
            )
            for flat in inner_steps:
                # The sub-flow's own first steps read what the sub-pipeline step reads.
                wired = flat.inputs or inputs
                out.append(
                    FlatStep(
                        flat.id,
                        flat.kind,
                        f"{sid} › {flat.label}",
                        wired,
                        flat.aggregator,
                        flat.module,
                    )
                )
            ends[sid] = inner_final
            continue
        budget.take(top)
        flat_id = f"{prefix}{sid}"
        module = checked.modules.get(sid)
        if step["kind"] == "join":
            aggregator = step["join"]
            title = AGGREGATORS[aggregator] if aggregator != "module" else module.title
            out.append(FlatStep(flat_id, "join", f"{sid}: {title}", inputs, aggregator, module))
        else:
            out.append(FlatStep(flat_id, "module", f"{sid}: {module.title}", inputs, "", module))
        ends[sid] = flat_id
    return out, ends[checked.final]
