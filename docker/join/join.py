"""The aggregation ("join") step of an AI Exchange pipeline, as an OSCAR service runs it.

OSCAR starts one job per object written under the join's input path. Producers write their
parts as ``<input path>/<producer>/<file>``, so every part of one input file has the same name;
OSCAR downloads the object that triggered the job to ``$INPUT_FILE_PATH`` (its base name is the
file name) and uploads whatever the script leaves in ``$TMP_OUTPUT_DIR`` to the service's
output paths. This helper reads the sibling parts from MinIO (S3 API, credentials from the
service's secrets), and once every part is there writes the aggregate to ``TMP_OUTPUT_DIR``:

    python3 join.py --aggregator majority_vote --parts a,b --trigger "$INPUT_FILE_PATH" \\
        --output "$TMP_OUTPUT_DIR"

Environment (service variables and secrets, see pipelines/oscar.py):
  AIX_JOIN_INPUT_PATH  bucket/folder the parts arrive under (the service's input path)
  AIX_JOIN_CLAIMS      bucket/folder where a joined file is claimed (outside the input path)
  AIX_S3_ENDPOINT, AIX_S3_ACCESS_KEY, AIX_S3_SECRET_KEY, AIX_S3_REGION, AIX_S3_VERIFY

Idempotent: the job that finds every part claims the file with a conditional write
(``If-None-Match: *``) before writing, so a second trigger of the same file — another part's
job, a re-delivered event — writes nothing. A trigger whose content is exactly ``{"parts": {...}}``
(OSCAR's synchronous ``/run``, see pipelines/services.py) is aggregated directly.

Exit status: 0 joined, waiting for parts or already joined (each said on stdout); 2 bad input
(a malformed part, named); 3 storage unreachable. Standard library plus boto3 (S3 mode only).

The aggregators below are the product's only copy: the sandbox emulator imports them from this
file (deployments/sandbox/functions.py) and executes this file for its joins.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

# -- aggregators: {step: output} → the joined output -------------------------------------------


def _predictions(parts: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(name, p) for name, p in parts.items() if isinstance(p, dict)]


def majority_vote(parts: dict[str, Any]) -> dict[str, Any]:
    """The most voted label; a tie goes to the label with the higher mean score, then the
    alphabetically first, so the same inputs always give the same answer."""
    votes = Counter(str(p.get("label")) for _, p in _predictions(parts))
    scores: dict[str, list[float]] = {}
    for _, p in _predictions(parts):
        if isinstance(p.get("score"), int | float):
            scores.setdefault(str(p.get("label")), []).append(float(p["score"]))

    def rank(label: str) -> tuple[int, float, str]:
        mean = sum(scores.get(label, [0.0])) / max(len(scores.get(label, [])), 1)
        return (-votes[label], -mean, label)

    winner = sorted(votes, key=rank)[0] if votes else None
    return {
        "aggregation": "majority_vote",
        "label": winner,
        "votes": dict(votes),
        "agreement": round(votes[winner] / sum(votes.values()), 3) if winner else 0.0,
        "parts": parts,
    }


def mean(parts: dict[str, Any]) -> dict[str, Any]:
    scores = [
        float(p["score"]) for _, p in _predictions(parts) if isinstance(p.get("score"), int | float)
    ]
    return {
        "aggregation": "mean",
        "score": round(sum(scores) / len(scores), 4) if scores else None,
        "parts": parts,
    }


def concatenate(parts: dict[str, Any]) -> dict[str, Any]:
    return {"aggregation": "concatenate", "outputs": [parts[name] for name in sorted(parts)]}


AGGREGATORS = {"majority_vote": majority_vote, "mean": mean, "concatenate": concatenate}


def aggregate(aggregator: str, parts: dict[str, Any]) -> bytes:
    """The joined output as the bytes a step writes (sorted keys: the same parts, the same
    bytes)."""
    return json.dumps(AGGREGATORS[aggregator](parts), sort_keys=True).encode()


def output_name(file_name: str) -> str:
    return file_name if file_name.endswith(".json") else f"{file_name}.json"


# -- the job -------------------------------------------------------------------------------------


class JoinError(Exception):
    """Bad input: the message says what and where."""


def _split(path: str) -> tuple[str, str]:
    bucket, _, folder = path.strip("/").partition("/")
    return bucket, f"{folder}/" if folder else ""


def s3_client():
    """boto3 client for the MinIO the service's secrets name (path-style, as OSCAR's)."""
    import boto3
    from botocore.config import Config

    missing = [
        v for v in ("AIX_S3_ENDPOINT", "AIX_S3_ACCESS_KEY", "AIX_S3_SECRET_KEY") if not _env(v)
    ]
    if missing:
        raise JoinError(f"the service lacks the storage secrets {', '.join(missing)}")
    return boto3.client(
        "s3",
        endpoint_url=_env("AIX_S3_ENDPOINT"),
        region_name=_env("AIX_S3_REGION") or "us-east-1",
        verify=_env("AIX_S3_VERIFY").lower() in ("1", "true", "yes"),
        aws_access_key_id=_env("AIX_S3_ACCESS_KEY"),
        aws_secret_access_key=_env("AIX_S3_SECRET_KEY"),
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
    )


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def _status(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code") or "")


def read_parts(s3, input_path: str, wanted: list[str], file_name: str) -> dict[str, Any]:
    """The parts of `file_name` present so far, parsed; a part that is not JSON is an error
    naming its object."""
    bucket, prefix = _split(input_path)
    present: dict[str, Any] = {}
    for part in wanted:
        key = f"{prefix}{part}/{file_name}"
        try:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception as exc:
            if _status(exc) in ("NoSuchKey", "404"):
                continue
            raise
        try:
            present[part] = json.loads(body or b"null")
        except ValueError as exc:
            raise JoinError(f"the part s3://{bucket}/{key} is not valid JSON ({exc})") from exc
    return present


def claim(s3, claims_path: str, file_name: str) -> bool:
    """Claim `file_name` for this job: True if no job claimed it before (atomic on the server
    through a conditional write)."""
    bucket, prefix = _split(claims_path)
    try:
        s3.put_object(Bucket=bucket, Key=f"{prefix}{file_name}", Body=b"", IfNoneMatch="*")
    except Exception as exc:
        if _status(exc) in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
            return False
        raise
    return True


def _sync_parts(trigger: Path) -> dict[str, Any] | None:
    """The parts of a synchronous call (OSCAR's /run: the body is exactly {"parts": {...}}),
    or None for a storage-triggered part (a prediction, or a nested join's output, which has
    more keys than "parts")."""
    try:
        content = json.loads(trigger.read_bytes())
    except (OSError, ValueError):
        return None
    if isinstance(content, dict) and set(content) == {"parts"}:
        if isinstance(content["parts"], dict):
            return content["parts"]
    return None


def join(
    *, aggregator: str, wanted: list[str], trigger: Path, output: Path, s3=None
) -> tuple[str, Path | None]:
    """Run one job: (what happened, the file written or None)."""
    if aggregator not in AGGREGATORS:
        raise JoinError(f"unknown aggregator {aggregator!r} (known: {', '.join(AGGREGATORS)})")
    file_name = trigger.name
    parts = _sync_parts(trigger)
    if parts is not None:
        target = output / output_name(file_name)
        target.write_bytes(aggregate(aggregator, parts))
        return f"joined {', '.join(sorted(parts))}", target
    input_path = _env("AIX_JOIN_INPUT_PATH")
    if not input_path:
        raise JoinError("AIX_JOIN_INPUT_PATH is not set (where the parts arrive)")
    if not wanted:
        raise JoinError("no parts to wait for (--parts is empty)")
    claims_path = _env("AIX_JOIN_CLAIMS")
    if not claims_path:
        raise JoinError("AIX_JOIN_CLAIMS is not set (where joined files are claimed)")
    s3 = s3 or s3_client()
    present = read_parts(s3, input_path, wanted, file_name)
    missing = [part for part in wanted if part not in present]
    if missing:
        return f"waiting for parts of {file_name}: {', '.join(missing)}", None
    if not claim(s3, claims_path, file_name):
        return f"{file_name} was already joined by another job: nothing written", None
    target = output / output_name(file_name)
    target.write_bytes(aggregate(aggregator, present))
    return f"joined {file_name} from {', '.join(wanted)}", target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--aggregator", required=True, help=", ".join(AGGREGATORS))
    parser.add_argument("--parts", required=True, help="producing steps, comma-separated")
    parser.add_argument("--trigger", required=True, type=Path, help="$INPUT_FILE_PATH")
    parser.add_argument("--output", required=True, type=Path, help="$TMP_OUTPUT_DIR")
    args = parser.parse_args(argv)
    wanted = [p.strip() for p in args.parts.split(",") if p.strip()]
    try:
        message, written = join(
            aggregator=args.aggregator, wanted=wanted, trigger=args.trigger, output=args.output
        )
    except JoinError as exc:
        print(f"join: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # botocore's errors: the storage, not the input
        print(f"join: error: the storage failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 3
    print(f"join: {message}")
    if written is not None:
        print(written.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
