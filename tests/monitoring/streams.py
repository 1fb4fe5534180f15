"""Synthetic inference streams with a known change point, for the drift tests and benchmarks."""

from __future__ import annotations

import numpy as np

CHANGE_AT = 400  # requests 0–199 are the reference, 200–399 before the change, 400– after


def synthetic_stream(total: int, *, change_at: int = CHANGE_AT, seed: int = 11) -> list[dict]:
    """Summaries whose features all drift at `change_at`: a numeric mean shift of one
    standard deviation, a categorical mix that turns around, an embedding that moves."""
    rng = np.random.default_rng(seed)
    stream = []
    for index in range(total):
        after = index >= change_at
        stream.append(
            {
                "features": {
                    "temperature": round(float(rng.normal(16.0 if after else 12.0, 4.0)), 3),
                    "station": str(
                        rng.choice(["a", "b", "c"], p=[0.2, 0.3, 0.5] if after else [0.5, 0.3, 0.2])
                    ),
                    "embedding": [
                        round(float(v), 4) for v in rng.normal(0.8 if after else 0.0, 1.0, size=4)
                    ],
                },
                "latency_ms": round(float(abs(rng.normal(50, 10))), 2),
                "ok": True,
            }
        )
    return stream
