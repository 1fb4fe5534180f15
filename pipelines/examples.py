"""The definitions the editor starts from: a new pipeline's (steps to come, and a commented
example of two models and a vote), and "Reuse as a sub-flow"'s (the pipeline as a step).

Each must save as it is shown once its example is uncommented (tests/pipelines/
test_pipeline_examples.py): the example names modules of today's catalog that take its input,
not simply the first two of the palette (one that takes time series made it a type mismatch).
"""

from __future__ import annotations

from pipelines.definition import accepts, step_id_for

# The example's lines are commented as `#  - id: …`: deleting each "#" leaves them indented
# under `steps:`, so the uncommented text is the pipeline, nothing else to change.
STARTER = """\
input_type: {input_type}
steps:
# Drag modules onto the canvas, or write the steps here. An example, two models and a
# vote: delete the "#" at the start of each of its lines.
#  - id: model-a
#    module: {module_a}
#  - id: model-b
#    module: {module_b}
#  - id: vote
#    join: majority_vote
#    inputs: [model-a, model-b]
"""
PLACEHOLDERS = ("MODULE_A", "MODULE_B")


def example_modules(palette: list[dict], input_type: str) -> list[str]:
    """Two modules of the palette (`selectors.step_palette`) that take `input_type`, those
    that name it (not "any type") and answer Try it first; placeholders where the catalog has
    fewer."""
    fitting = [m for m in palette if accepts(m["data_types"], input_type)]
    # A stable sort keeps the palette's name order within each group.
    fitting.sort(key=lambda m: (input_type not in m["data_types"], not m["inference"]))
    names = [m["name"] for m in fitting[:2]]
    return names + list(PLACEHOLDERS[len(names) :])


def starter(palette: list[dict], input_type: str = "Image") -> str:
    module_a, module_b = example_modules(palette, input_type)
    return STARTER.format(input_type=input_type, module_a=module_a, module_b=module_b)


def reuse(name: str, input_type: str) -> str:
    """The pipeline `name` as the first step of a new one."""
    step = step_id_for(name)
    return (
        f"input_type: {input_type}\n"
        f"steps:\n- id: {step}\n  pipeline: {name}\n"
        f"# Add steps that read it with `inputs: [{step}]`.\n"
    )
