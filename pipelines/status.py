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
