"""One run as the run page, its script and the API show it."""

from __future__ import annotations

from typing import Any

from pipelines.models import PipelineRun


def run_status(run: PipelineRun) -> dict[str, Any]:
    return {
        "id": str(run.pk),
        "pipeline": run.pipeline.name,
        "version": run.version.number,
        "mode": run.mode,
        "state": run.state,
        "state_label": run.get_state_display(),
        "final": run.is_final,
        "error": run.error,
        "notice": run.notice,
        "bucket": run.bucket,
        "created_at": run.created_at.isoformat(),
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "inputs": [{"name": i.name, "size": i.size, "sha256": i.sha256} for i in run.inputs.all()],
        "steps": [
            {
                "id": s.step_id,
                "kind": s.kind,
                "label": s.label,
                "service": s.service,
                "state": s.state,
                "state_label": s.get_state_display(),
                "input_path": s.input_path,
                "output_paths": s.output_paths,
                "outputs": s.outputs,
                "error": s.error,
                "jobs": s.jobs,
            }
            for s in run.steps.all()
        ],
        "objects": run.object_counts or None,
        "result": run.result,
    }


def run_graph(run: PipelineRun) -> list[dict[str, Any]]:
    """The run's steps as the run page draws them: each with the steps it reads.

    Who reads whom is recovered from the wiring a run stores (a producer writes into
    `<bucket>/<reader>/in`, or `<bucket>/<reader>/in/<producer>` for a join), so the graph
    shows the flattened steps that actually ran, sub-pipelines included."""
    steps = list(run.steps.all())
    reads: dict[str, list[str]] = {s.step_id: [] for s in steps}
    for step in steps:
        for path in step.output_paths:
            parts = path.split("/")
            if len(parts) >= 3 and parts[2] == "in" and parts[1] in reads:
                reads[parts[1]].append(step.step_id)
    return [
        {
            "id": s.step_id,
            "label": s.label,
            "kind": s.kind,
            "state": s.state,
            "state_label": s.get_state_display(),
            "inputs": reads[s.step_id],
        }
        for s in steps
    ]
