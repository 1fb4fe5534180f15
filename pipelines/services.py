"""Everything that writes pipelines and runs, or calls OSCAR and its storage."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from catalog.models import Module
from catalog.usage import record_event
from deployments.backends.base import BackendError, TransientBackendError
from deployments.oip.file_kinds import checked_extension
from deployments.oip.metadata import file_accept
from deployments.oip.protocol import OipError
from marketplace.unique_names import create_with_unique_name
from pipelines import catalog_entry, lease, oscar
from pipelines.definition import (
    Checked,
    DefinitionError,
    FlatStep,
    ModuleInfo,
    Problem,
    Resolver,
    SubPipelineInfo,
    dump_yaml,
    flatten,
    load_text,
    validate,
)
from pipelines.models import (
    Pipeline,
    PipelineRun,
    PipelineVersion,
    RunInput,
    StepRun,
    SubflowUse,
)
from pipelines.reconcile import QUEUE_DOWN, enqueue_run
from pipelines.selectors import pipelines_using
from pipelines.text_limits import NOTE_MAX, TITLE_MAX, too_long

logger = logging.getLogger(__name__)
RESERVED_NAMES = {"new", "runs"}  # page routes under /pipelines/


class PipelineError(Exception):
    """`input_file`: the index of the run's input file the message is about, if one is (a
    form shows the message on its file field, the API names the file's field)."""

    def __init__(
        self, message: str, problems: Sequence[Problem] = (), *, input_file: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)
        self.input_file = input_file


# -- catalog look-ups ------------------------------------------------------------------------
def _module_info(name: str) -> ModuleInfo | None:
    module = (
        Module.objects.filter(name__iexact=name, status=Module.Status.ACTIVE, is_hidden=False)
        # A pipeline's own catalog entry is reused as a `pipeline:` step, not as a module.
        .exclude(kind=Module.Kind.PIPELINE)
        .order_by("name")
        .first()
    )
    if module is None:
        return None
    revision = module.revisions.order_by("-number").values_list("number", flat=True).first()
    return ModuleInfo(
        name=module.name,
        title=module.title or module.name,
        docker_image=module.docker_image,
        data_types=tuple(module.data_types or ()),
        inference=module.inference,
        revision=revision,
        commit=module.source_commit,
        repository=module.repository,
    )


def _subpipeline_info(
    name: str, version: int | None, *, owner_id: int | None = None
) -> SubPipelineInfo | None:
    """A public pipeline, or a private one of `owner_id` (nobody else sees it)."""
    visible = Q(pipeline__is_private=False)
    if owner_id is not None:
        visible |= Q(pipeline__owner_id=owner_id)
    versions = PipelineVersion.objects.filter(visible, pipeline__name=name)
    found = versions.filter(number=version) if version else versions.order_by("-number")
    row = found.first()
    if row is None:
        return None
    return SubPipelineInfo(name=name, version=row.number, definition=row.definition)


def resolver(*, saving: str = "", owner_id: int | None = None) -> Resolver:
    """Look-ups for a pipeline of `owner_id`: its sub-flows may be public or its own."""
    return Resolver(
        _module_info,
        functools.partial(_subpipeline_info, owner_id=owner_id),
        (saving,) if saving else (),
    )


def check(document: dict[str, Any], *, name: str = "", owner_id: int | None = None) -> Checked:
    """Validate against the catalog now; raises DefinitionError."""
    return validate(document, resolver(saving=name, owner_id=owner_id))


def expand(checked: Checked, *, owner_id: int | None) -> tuple[list[FlatStep], str]:
    """The run's steps, sub-flows expanded; raises DefinitionError past the limits (the work
    stops there: pipelines.definition.flatten)."""
    return flatten(checked, resolver(owner_id=owner_id))


def summary(flat: Sequence[FlatStep]) -> dict[str, Any]:
    """What a version's page needs, stored with it (PipelineVersion)."""
    return {
        "step_count": len(flat),
        "supports_sync": all(s.module is None or s.module.inference for s in flat),
    }


def check_text(text: str, *, name: str = "", owner_id: int | None = None) -> Checked:
    return check(load_text(text), name=name, owner_id=owner_id)


def provenance(checked: Checked) -> list[dict[str, Any]]:
    """Which module revision at which commit (or which pipeline version) each step uses."""
    out = []
    for step in checked.definition["steps"]:
        sid = step["id"]
        if sid in checked.modules:
            info = checked.modules[sid]
            out.append(
                {
                    "step": sid,
                    "kind": "module",
                    "module": info.name,
                    "revision": info.revision,
                    "commit": info.commit,
                    "repository": info.repository,
                }
            )
        elif sid in checked.subpipelines:
            sub = checked.subpipelines[sid]
            out.append(
                {"step": sid, "kind": "pipeline", "pipeline": sub.name, "version": sub.version}
            )
    return out


# -- pipelines -------------------------------------------------------------------------------
def _create_pipeline(*, user, title: str, description: str, private: bool) -> Pipeline:
    """The new pipeline under the first free name its title gives. A private pipeline's name
    always ends in a random suffix, so it never holds a name someone else would be given
    (their `my-flow` is never `my-flow-2` because of a pipeline they cannot see)."""
    return create_with_unique_name(
        Pipeline,
        "name",
        slugify(title)[:80].strip("-") or "pipeline",
        lambda name: Pipeline.objects.create(
            name=name, title=title, description=description, owner=user, is_private=private
        ),
        max_length=100,
        reserved=RESERVED_NAMES,
        secret=private,
    )


def _named_for(pipelines: Sequence[Pipeline], viewer_id: int | None) -> str:
    """The pipelines' names as `viewer_id` may read them: public ones and their own by name,
    everybody else's private ones only counted."""
    shown = sorted(p.name for p in pipelines if not p.is_private or p.owner_id == viewer_id)
    hidden = len(pipelines) - len(shown)
    if hidden:
        shown.append(f"{hidden} private pipeline{'s' if hidden > 1 else ''} of other people")
    return ", ".join(shown)


def _check_visibility(
    checked: Checked, pipeline: Pipeline | None, *, private: bool, user_id: int
) -> None:
    """A public pipeline is made of public parts (its page, entry and JSON-LD name them), and
    a pipeline that other people's pipelines (or a public one) use as a sub-flow stays public:
    making it private would break theirs."""
    problems = []
    if not private:
        hidden = set(
            Pipeline.objects.filter(
                name__in=[sub.name for sub in checked.subpipelines.values()], is_private=True
            ).values_list("name", flat=True)
        )
        problems += [
            Problem(
                step,
                "pipeline",
                f"Pipeline '{sub.name}' is private: make it public, or keep this one private.",
            )
            for step, sub in checked.subpipelines.items()
            if sub.name in hidden
        ]
    elif pipeline is not None and not pipeline.is_private:
        users = [
            p
            for p in pipelines_using(pipeline.name)
            if not p.is_private or p.owner_id != pipeline.owner_id
        ]
        if users:
            problems.append(
                Problem(
                    "",
                    "private",
                    "Other pipelines use this one as a sub-flow "
                    f"({_named_for(users, user_id)}), so it stays public.",
                )
            )
    if problems:
        raise DefinitionError(problems)


@transaction.atomic
def pipeline_save(
    *,
    user,
    document: dict[str, Any],
    title: str,
    description: str = "",
    pipeline: Pipeline | None = None,
    note: str = "",
    private: bool | None = None,
) -> PipelineVersion:
    """Validate and store a new version (creating the pipeline on first save).
    Raises DefinitionError; nothing is written then, so the last good version stays.
    The limits hold for the pipeline with its sub-flows expanded. A sub-flow is stored at the
    version it resolved to, so a later version of it never changes (or breaks) this one; the
    changes that could, deleting it or making it private, are refused while it is used.
    `private` None keeps the pipeline's visibility (public for a new one). A public pipeline's
    catalog entry is refreshed, a private one's withdrawn (pipelines.catalog_entry)."""
    title = (title or "").strip()
    if not title:
        raise DefinitionError([Problem("", "title", "Give the pipeline a title.")])
    for field, text, limit in (("title", title, TITLE_MAX), ("note", note, NOTE_MAX)):
        if len(text) > limit:
            raise DefinitionError([Problem("", field, too_long(field, limit, len(text)))])
    owner_id = pipeline.owner_id if pipeline else user.pk
    checked = check(document, name=pipeline.name if pipeline else "", owner_id=owner_id)
    flat, _ = expand(checked, owner_id=owner_id)
    if private is None:
        private = bool(pipeline and pipeline.is_private)
    _check_visibility(checked, pipeline, private=private, user_id=user.pk)
    if pipeline is None:
        pipeline = _create_pipeline(
            user=user, title=title, description=description, private=private
        )
    else:
        pipeline = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
        pipeline.title, pipeline.description = title, description
        pipeline.is_private = private
        pipeline.save()
    number = (
        pipeline.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    version = PipelineVersion.objects.create(
        pipeline=pipeline,
        number=number,
        definition=checked.definition,
        yaml=dump_yaml(checked.definition),
        provenance=provenance(checked),
        author=user,
        note=note,
        **summary(flat),
    )
    _record_subflows(pipeline, checked)
    catalog_entry.refresh(version)
    return version


def _record_subflows(pipeline: Pipeline, checked: Checked) -> None:
    names = {sub.name for sub in checked.subpipelines.values()}
    pipeline.subflow_uses.exclude(name__in=names).delete()
    SubflowUse.objects.bulk_create(
        [SubflowUse(pipeline=pipeline, name=name) for name in sorted(names)],
        ignore_conflicts=True,
    )


# -- runs ------------------------------------------------------------------------------------
def supports_sync(checked: Checked, *, owner_id: int | None = None) -> bool:
    """Try it needs every module to serve synchronous inference."""
    return summary(expand(checked, owner_id=owner_id)[0])["supports_sync"]


@transaction.atomic
def run_create(
    *, user, version: PipelineVersion, files: Sequence[tuple[str, bytes]], mode: str = "async"
) -> PipelineRun:
    """Record a run with its inputs and its steps (pending); the caller starts it."""
    if not files:
        raise PipelineError("Choose at least one input file.")
    if len(files) > settings.PIPELINES_MAX_INPUT_FILES:
        raise PipelineError(f"At most {settings.PIPELINES_MAX_INPUT_FILES} input files per run.")
    names = [n for n, _ in files]
    if len(set(names)) != len(names):
        raise PipelineError("Two input files have the same name.")
    accept = file_accept(version.definition.get("input_type", ""))
    for index, (name, data) in enumerate(files):
        if len(data) > settings.DEPLOY_OSCAR_MAX_UPLOAD_BYTES:
            limit = settings.DEPLOY_OSCAR_MAX_UPLOAD_BYTES // (1024 * 1024)
            raise PipelineError(f"{name} is larger than {limit} MB.", input_file=index)
        # The pipeline's first steps take its input_type: a file that is not of that kind
        # (a text file named x.png) would make the models fail or, worse, answer something.
        try:
            checked_extension(name, accept, data)
        except OipError as exc:
            raise PipelineError(exc.message, input_file=index) from exc
    # Sub-flows resolve as for the pipeline's owner (whoever runs it).
    owner_id = version.pipeline.owner_id
    try:
        checked = check(version.definition, name=version.pipeline.name, owner_id=owner_id)
    except DefinitionError as exc:
        raise PipelineError(
            "This version no longer validates against the catalog: " + str(exc), exc.problems
        ) from exc
    try:
        flat, final = expand(checked, owner_id=owner_id)
    except DefinitionError as exc:
        raise PipelineError(str(exc), exc.problems) from exc
    if mode == PipelineRun.Mode.SYNC and not summary(flat)["supports_sync"]:
        raise PipelineError(
            "Try it needs every step to support synchronous inference; run it in the background."
        )
    run = PipelineRun.objects.create(
        pipeline=version.pipeline, version=version, owner=user, mode=mode
    )
    run.bucket = oscar.bucket_name(run.pk)
    run.save(update_fields=["bucket"])
    for name, data in files:
        RunInput.objects.create(
            run=run,
            name=_safe_name(name),
            data=data,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
    for position, wiring in enumerate(oscar.wire(run.pk, flat, final), start=1):
        StepRun.objects.create(
            run=run,
            position=position,
            step_id=wiring.step.id,
            kind=wiring.step.kind,
            label=wiring.step.label[:300],
            service=wiring.service,
            input_path=wiring.input_path,
            output_paths=list(wiring.output_paths),
        )
    # One run for each module it uses, recorded with the run (a retried task counts nothing).
    record_event("pipeline_runs", module_names=[s.module.name for s in flat if s.module])
    return run


def _safe_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "input"
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in base)[:200]


def run_enqueue(run: PipelineRun) -> dict[str, bool]:
    """Hand the run to a worker once its row is committed. The answer's "enqueued" is False
    when the broker refused it (the run then carries a notice saying so, and the reconciler
    enqueues it again); absent while the commit is still pending."""
    outcome: dict[str, bool] = {}
    transaction.on_commit(lambda: outcome.update(enqueued=enqueue_run(run.pk)))
    return outcome


def _flat_steps(run: PipelineRun) -> tuple[list[FlatStep], str]:
    owner_id = run.pipeline.owner_id
    checked = check(run.version.definition, name=run.pipeline.name, owner_id=owner_id)
    return expand(checked, owner_id=owner_id)


def _owner_sub(run: PipelineRun) -> str:
    return run.owner.oidc_sub or f"aix-user-{run.owner_id}"


def _fail(run: PipelineRun, message: str) -> None:
    run.state, run.error, run.finished_at = PipelineRun.State.FAILED, message[:2000], timezone.now()
    run.notice = ""
    run.save(update_fields=["state", "error", "finished_at", "notice"])


def run_execute(
    run_id: Any, *, poll: float | None = None, timeout: float | None = None
) -> PipelineRun:
    """Deploy the run's services, upload its inputs and follow it to the end (async mode),
    or call each step in turn (sync mode). Safe to call again after a crash: services that
    exist are kept, inputs are re-uploaded under the same keys (no duplicates). A run another
    worker holds (its lease is alive, pipelines.lease) is left to it."""
    if not lease.claim(run_id):
        return PipelineRun.objects.select_related("version", "pipeline", "owner").get(pk=run_id)
    try:
        return _execute(run_id, poll=poll, timeout=timeout)
    finally:
        lease.release(run_id)


def _execute(run_id: Any, *, poll: float | None, timeout: float | None) -> PipelineRun:
    run = PipelineRun.objects.select_related("version", "pipeline", "owner").get(pk=run_id)
    try:
        flat, final = _flat_steps(run)
    except DefinitionError as exc:
        _fail(run, f"The pipeline no longer validates: {exc}")
        return run
    wirings = oscar.wire(run.pk, flat, final)
    run.state, run.started_at = PipelineRun.State.DEPLOYING, run.started_at or timezone.now()
    run.notice = "" if run.notice == QUEUE_DOWN else run.notice  # a worker has it now
    run.save(update_fields=["state", "started_at", "notice"])
    try:
        provider = oscar.minio_provider() if any(oscar.uses_join_image(s) for s in flat) else None
        oscar.create_services(
            _renewing(
                run.pk,
                oscar.service_definition(
                    w, run_id=run.pk, owner_sub=_owner_sub(run), minio_provider=provider
                ),
            )
            for w in wirings
        )
    except BackendError as exc:
        if isinstance(exc, TransientBackendError):
            raise  # the task retries; nothing is lost
        _fail(run, exc.message)
        oscar.remove_services(w.service for w in wirings)
        return run
    run.steps.update(state=StepRun.State.DEPLOYED)
    try:
        if run.mode == PipelineRun.Mode.SYNC:
            _execute_sync(run, wirings, final)
        else:
            _execute_async(run, wirings, poll=poll, timeout=timeout)
    except (BotoCoreError, ClientError) as exc:
        # The storage failed: say so on the run instead of leaving it "running" forever.
        logger.warning("pipeline run %s: storage error: %s", run.pk, exc)
        _fail(run, f"The storage (MinIO) failed: {exc}")
    finally:
        problems = oscar.remove_services(w.service for w in wirings)
        if problems:
            logger.warning("pipeline run %s: services not removed: %s", run.pk, problems)
    return run


def _renewing(run_id, value):
    """`value`, after renewing the run's lease (creating many services takes a while)."""
    lease.renew(run_id)
    return value


def _execute_sync(run: PipelineRun, wirings: list[oscar.Wiring], final: str) -> None:
    run.state = PipelineRun.State.RUNNING
    run.save(update_fields=["state"])
    results: dict[str, dict[str, Any]] = {}
    steps = {s.step_id: s for s in run.steps.all()}
    for item in run.inputs.all():
        outputs: dict[str, bytes] = {}
        for wiring in wirings:
            step = steps[wiring.step.id]
            if wiring.step.kind == "join":
                payload = json.dumps(
                    {"parts": {p: json.loads(outputs[p]) for p in wiring.step.inputs}}
                ).encode()
            elif wiring.step.inputs:
                payload = outputs[wiring.step.inputs[0]]
            else:
                payload = bytes(item.data)
            step.state = StepRun.State.RUNNING
            step.save(update_fields=["state"])
            lease.renew(run.pk)
            try:
                outputs[wiring.step.id] = oscar.run_sync(wiring.service, payload)
            except BackendError as exc:
                step.state, step.error = StepRun.State.FAILED, exc.message
                step.save(update_fields=["state", "error"])
                _fail(run, f"Step '{wiring.step.id}' failed: {exc.message}")
                return
            step.outputs += 1
            step.jobs = [
                *step.jobs,
                {
                    "name": f"sync-{item.name}",
                    "status": "Succeeded",
                    "logs": outputs[wiring.step.id].decode(errors="replace")[:5000],
                },
            ]
            step.save(update_fields=["state", "outputs", "jobs"])
        try:
            results[item.name] = json.loads(outputs[final])
        except ValueError:
            results[item.name] = outputs[final].decode(errors="replace")[:5000]
    run.steps.update(state=StepRun.State.SUCCEEDED)
    run.result = {"final": results}
    run.state, run.finished_at = PipelineRun.State.SUCCEEDED, timezone.now()
    run.save(update_fields=["result", "state", "finished_at"])


def _expected_objects(run: PipelineRun, wiring: oscar.Wiring, n_inputs: int) -> int:
    parts = len(wiring.step.inputs) if wiring.step.kind == "join" else 1
    return n_inputs * parts


def _execute_async(
    run: PipelineRun, wirings: list[oscar.Wiring], *, poll: float | None, timeout: float | None
) -> None:
    s3 = oscar.storage_client()
    inputs = list(run.inputs.all())
    for wiring in wirings:
        if not wiring.step.inputs:
            # A retried task uploads only what is missing: writing an object again would
            # trigger its job again on OSCAR.
            present = set(oscar.list_objects(s3, wiring.input_path))
            for item in inputs:
                if item.name not in present:
                    lease.renew(run.pk)  # 200 large inputs take a while
                    oscar.upload(s3, wiring.input_path, item.name, bytes(item.data))
    run.state = PipelineRun.State.RUNNING
    run.save(update_fields=["state"])
    poll = settings.PIPELINES_POLL_SECONDS if poll is None else poll
    deadline = time.monotonic() + (settings.PIPELINES_RUN_TIMEOUT if timeout is None else timeout)
    result_path = f"{run.bucket}/{oscar.RESULT_FOLDER}"
    while True:
        lease.renew(run.pk)
        report = run_refresh(run, wirings, s3, len(inputs))
        if report.failed:
            _finish(run, wirings, s3, len(inputs), error=report.failed)
            return
        if len(oscar.list_objects(s3, result_path)) >= len(inputs) and report.all_jobs_done:
            _finish(run, wirings, s3, len(inputs))
            return
        if time.monotonic() > deadline:
            _finish(run, wirings, s3, len(inputs), error="The run did not finish in time.")
            return
        time.sleep(poll)


@dataclass
class Refresh:
    failed: str = ""
    all_jobs_done: bool = True


def run_refresh(run: PipelineRun, wirings: list[oscar.Wiring], s3, n_inputs: int) -> Refresh:
    """Copy each step's jobs and object counts from OSCAR onto its StepRun."""
    report = Refresh()
    steps = {s.step_id: s for s in run.steps.all()}
    for wiring in wirings:
        step = steps[wiring.step.id]
        try:
            listed = oscar.jobs(wiring.service)
        except TransientBackendError as exc:
            logger.info("pipeline run %s: %s", run.pk, exc.message)
            report.all_jobs_done = False
            continue
        known = {j["name"]: j for j in step.jobs}
        jobs = []
        for job in listed:
            entry = {
                "name": job.name,
                "status": job.status,
                "creation_time": job.creation_time,
                "finish_time": job.finish_time,
                "logs": known.get(job.name, {}).get("logs", ""),
            }
            if job.status in ("Succeeded", "Failed") and not entry["logs"]:
                entry["logs"] = oscar.job_logs(wiring.service, job.name)[:20000]
            jobs.append(entry)
        expected = _expected_objects(run, wiring, n_inputs)
        failed = [j for j in jobs if j["status"] == "Failed"]
        done = [j for j in jobs if j["status"] in ("Succeeded", "Failed")]
        if failed:
            state = StepRun.State.FAILED
            step.error = f"Job {failed[0]['name']} failed." + (
                f" {failed[0]['logs'].strip().splitlines()[-1]}"
                if failed[0]["logs"].strip()
                else ""
            )
            report.failed = report.failed or f"Step '{wiring.step.id}' failed: {step.error}"
        elif len(done) >= expected and expected:
            state = StepRun.State.SUCCEEDED
        elif jobs:
            state = StepRun.State.RUNNING
        else:
            state = StepRun.State.DEPLOYED
        if len(done) < expected:
            report.all_jobs_done = False
        step.state, step.jobs = state, jobs
        step.outputs = sum(len(oscar.list_objects(s3, p)) for p in wiring.output_paths) // max(
            len(wiring.output_paths), 1
        )
        step.save(update_fields=["state", "jobs", "outputs", "error"])
    return report


def _finish(
    run: PipelineRun, wirings: list[oscar.Wiring], s3, n_inputs: int, *, error: str = ""
) -> None:
    """Record the result and the object count of every path (lost / duplicated)."""
    paths: dict[str, int] = {}
    expected_total = lost = duplicated = 0
    for wiring in wirings:
        names = oscar.list_objects(s3, wiring.input_path)
        paths[wiring.input_path] = len(names)
        expected = _expected_objects(run, wiring, n_inputs)
        expected_total += expected
        lost += max(expected - len(set(names)), 0)
        duplicated += max(len(names) - expected, 0)
    result_path = f"{run.bucket}/{oscar.RESULT_FOLDER}"
    names = oscar.list_objects(s3, result_path)
    paths[result_path] = len(names)
    expected_total += n_inputs
    lost += max(n_inputs - len(names), 0)
    duplicated += max(len(names) - n_inputs, 0)
    run.object_counts = {
        "expected": expected_total,
        "paths": paths,
        "lost": lost,
        "duplicated": duplicated,
    }
    run.result = {
        "final": {name: oscar.read_json(s3, result_path, name) for name in sorted(names)[:200]}
    }
    run.finished_at = timezone.now()
    if error:
        run.state, run.error = PipelineRun.State.FAILED, error[:2000]
        unfinished = (StepRun.State.PENDING, StepRun.State.DEPLOYED, StepRun.State.RUNNING)
        run.steps.filter(state__in=unfinished).update(state=StepRun.State.STOPPED)
    else:
        run.state = PipelineRun.State.SUCCEEDED
    run.save(update_fields=["object_counts", "result", "finished_at", "state", "error"])


def pipeline_delete(*, pipeline: Pipeline) -> None:
    """Delete a pipeline and its runs; refused while another pipeline uses it as a sub-flow
    (naming only those its owner may see)."""
    users = pipelines_using(pipeline.name)
    if users:
        names = _named_for(users, pipeline.owner_id)
        raise PipelineError(f"Pipeline '{pipeline.name}' is a sub-flow of: {names}.")
    catalog_entry.withdraw(pipeline)
    pipeline.runs.all().delete()
    pipeline.delete()
