"""The sandbox's "Send sample traffic": a bounded stream of requests shaped like the deployed
module's inputs (its metadata's data types), whose inputs drift halfway, sent through the
same recording path real traffic takes:

- an image module gets small PNG images (as the Try-it form sends files) that turn brighter
  halfway (mean intensity about 90 → 150 of 255); their size stays put;
- anything else gets weather-station features (temperature warms by 1.5 standard
  deviations, the station mix turns around; humidity stays put).

OSCAR services are called for real (the sandbox emulator answers) through
`inference_run`, so the Try-it recording records them; a Nomad DEEPaaS deployment has no
sandbox endpoint to call, so its requests are recorded as its collector would post them.
After every `CHECK_EVERY` requests the demo also sends labelled feedback on them (the model
is wrong 10 % of the time before the change, 35 % after), so the concept-drift detectors
have errors to watch; then a drift check runs, once the reference is complete, so the
Monitoring tab fills in while the stream runs.
"""

from __future__ import annotations

import io
import logging
import time

import numpy as np
from django.conf import settings
from django.core.cache import cache

from deployments.inference_input import ModelInput
from deployments.models import Deployment
from deployments.services.errors import DeploymentError
from deployments.services.inference import build_payload, inference_run
from monitoring.drift import check_drift
from monitoring.models import InferenceSummary
from monitoring.services import monitor_for, record_feedback, record_payload

logger = logging.getLogger(__name__)
CHECK_EVERY = 50
# The stream's heartbeat: its progress (with the time) is written every BEAT_EVERY requests;
# a stream not done whose progress is older than MONITORING_SAMPLE_STALL_SECONDS has lost
# its worker, and the Monitoring tab says it stopped instead of showing a frozen count.
BEAT_EVERY = 5
PROGRESS_TTL = 3600
STATIONS = ["north", "south", "east", "west"]
BEFORE = [0.4, 0.3, 0.2, 0.1]
AFTER = [0.1, 0.2, 0.3, 0.4]


def sample_inputs(index: int, total: int, rng: np.random.Generator) -> dict:
    drifted = index >= total // 2
    return {
        "temperature": round(float(rng.normal(21.0 if drifted else 15.0, 4.0)), 2),
        "humidity": round(float(rng.normal(60.0, 10.0)), 2),
        "wind_speed": round(float(rng.gamma(2.0, 2.0)), 2),
        "station": str(rng.choice(STATIONS, p=AFTER if drifted else BEFORE)),
    }


IMAGE_SIZES = [(64, 64), (96, 72), (72, 96)]


def takes_images(deployment: Deployment) -> bool:
    module = deployment.module
    return module is not None and "image" in {str(t).lower() for t in module.data_types or []}


def sample_image(index: int, total: int, rng: np.random.Generator) -> bytes:
    """One small PNG, brighter after the halfway point."""
    from PIL import Image

    width, height = IMAGE_SIZES[int(rng.integers(len(IMAGE_SIZES)))]
    mean = 150.0 if index >= total // 2 else 90.0
    pixels = np.clip(rng.normal(mean, 25.0, size=(height, width)), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def sample_payload(deployment: Deployment, index: int, total: int, rng) -> ModelInput:
    """One demo request in the shape the module takes."""
    if takes_images(deployment):
        # The same input the Try-it form sends with an uploaded image.
        return build_payload(file_name="sample.png", file_bytes=sample_image(index, total, rng))
    return ModelInput(sample_inputs(index, total, rng))


def progress_key(deployment_id) -> str:
    return f"monitoring:sample-traffic:{deployment_id}"


def _beat(deployment_id, sent: int, total: int, *, done: bool = False) -> None:
    progress = {"sent": sent, "total": total, "beat_at": time.time()}
    cache.set(progress_key(deployment_id), {**progress, "done": done}, PROGRESS_TTL)


def stream_requested(deployment_id, total: int) -> None:
    """The click: progress starts at 0, so a stream no worker picks up is reported too."""
    _beat(deployment_id, 0, total)


def sample_progress(deployment_id) -> dict | None:
    """The stream as the Monitoring tab shows it: sent / total, done, or stopped (its worker
    stopped beating: killed, or never started)."""
    progress = cache.get(progress_key(deployment_id))
    if not progress:
        return None
    beat_at = progress.get("beat_at", 0.0)
    stalled = time.time() - beat_at > settings.MONITORING_SAMPLE_STALL_SECONDS
    return {**progress, "stopped": not progress.get("done") and stalled}


def send_sample_traffic(*, deployment_id, total: int, seed: int = 7) -> dict:
    deployment = Deployment.objects.get(pk=deployment_id)
    monitor = monitor_for(deployment)
    rng = np.random.default_rng(seed)
    sent = failed = labelled = 0
    _beat(deployment_id, 0, total)
    for index in range(total):
        payload = sample_payload(deployment, index, total, rng)
        if deployment.backend == Deployment.Backend.OSCAR:
            try:
                inference_run(deployment=deployment, payload=payload, source="demo")
            except DeploymentError as exc:
                failed += 1
                if failed >= 10 and sent == 0:
                    raise  # the service is not answering at all: stop, say why
                logger.info("sample request %s failed: %s", index, exc.message)
        else:
            latency = float(abs(rng.normal(80.0, 15.0)))
            record_payload(
                deployment=deployment, payload=payload, latency_ms=latency, ok=True, source="demo"
            )
        sent += 1
        if sent % BEAT_EVERY == 0:
            _beat(deployment_id, sent, total)
        if sent % CHECK_EVERY == 0 or sent == total:
            labelled = _send_feedback(monitor, labelled, sent, total, rng)
            if sent >= monitor.reference_size:
                check_drift(deployment_id=deployment_id)
            _beat(deployment_id, sent, total)  # a drift check may take a while
    _beat(deployment_id, sent, total, done=True)
    return {"sent": sent, "failed": failed}


def _send_feedback(monitor, after_id: int, sent: int, total: int, rng) -> int:
    """Label the demo requests recorded since `after_id`; the last id labelled."""
    ids = list(
        InferenceSummary.objects.filter(deployment_id=monitor.pk, source="demo", id__gt=after_id)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if not ids:
        return after_id
    first_index = sent - len(ids)
    labels = {
        pk: bool(rng.random() >= (0.35 if first_index + offset >= total // 2 else 0.10))
        for offset, pk in enumerate(ids)
    }
    record_feedback(monitor=monitor, labels=labels)
    return ids[-1]
