"""What a "Try it" request leaves behind: a compact summary of its inputs and file (image
size and mean intensity, WAV duration, level and spectral centroid), never the payload."""

import io
import math

import pytest
from PIL import Image

from deployments.services.inference import build_payload
from monitoring.models import InferenceSummary
from monitoring.services import record_payload
from tests.factories import DeploymentFactory
from tests.fixtures.media import wav

pytestmark = pytest.mark.django_db


def _png(width, height, grey):
    buffer = io.BytesIO()
    Image.new("L", (width, height), color=grey).save(buffer, format="PNG")
    return buffer.getvalue()


def _record(payload):
    deployment = DeploymentFactory(running=True, backend="oscar", kind="oscar")
    summary = record_payload(
        deployment=deployment, payload=payload, latency_ms=12.0, ok=True, source="tryit"
    )
    assert summary is not None
    return InferenceSummary.objects.get(pk=summary.pk)


def test_an_image_upload_is_summarised_by_size_and_intensity():
    payload = build_payload(
        inputs_text='{"top_k": 3}', file_name="leaf.png", file_bytes=_png(32, 16, 200)
    )
    summary = _record(payload)
    assert summary.features == {
        "top_k": 3,
        "file_bytes": len(_png(32, 16, 200)),
        "file_format": "png",
        "image_width": 32,
        "image_height": 16,
        "image_mean_intensity": 200.0,
    }
    assert summary.raw == "" and summary.latency_ms == 12.0


def test_a_wav_upload_is_summarised_by_duration_level_and_spectral_centroid():
    summary = _record(build_payload(file_name="bird.wav", file_bytes=wav()))
    features = summary.features
    assert features["file_format"] == "wav" and features["audio_seconds"] == 0.5
    assert features["audio_spectral_centroid"] == pytest.approx(440, abs=15)
    assert features["audio_rms"] == pytest.approx(8000 / math.sqrt(2), rel=0.02)


def test_an_undecodable_file_keeps_its_size_and_format_and_odd_inputs_are_left_out():
    payload = build_payload(
        inputs_text='{"nested": {"a": 1}, "text": "short", "long": "' + "x" * 500 + '"}',
        file_name="broken.jpg",
        file_bytes=b"not an image",
    )
    assert _record(payload).features == {"text": "short", "file_bytes": 12, "file_format": "jpg"}
