"""A small numpy model for the demo clients: logistic regression on a generated dataset.

The dataset is deterministic (seeded), so every client agrees on it without downloading
anything; each client keeps only its shard. Two Gaussian blobs with overlapping tails make a
task a linear model learns in a few rounds but not in one step, so progress is visible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FEATURES = 8
SAMPLES = 2400
SEED = 20260


@dataclass(frozen=True)
class Shard:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def dataset(samples: int = SAMPLES, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    direction = rng.normal(size=FEATURES)
    direction /= np.linalg.norm(direction)
    y = rng.integers(0, 2, size=samples)
    x = rng.normal(size=(samples, FEATURES)) + np.outer(2 * y - 1, direction) * 1.5
    # Shifted, unscaled features: plain gradient descent needs many steps from zero.
    x = x * np.linspace(0.5, 3.0, FEATURES) + 1.5
    return x.astype(np.float64), y.astype(np.float64)


def shard(index: int, count: int, samples: int = SAMPLES) -> Shard:
    """Shard `index` (1-based) of `count`: a contiguous slice, 80 % train, 20 % test."""
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"shard {index}/{count}: the index must be between 1 and {count}")
    x, y = dataset(samples)
    part_x = np.array_split(x, count)[index - 1]
    part_y = np.array_split(y, count)[index - 1]
    cut = int(len(part_y) * 0.8)
    return Shard(part_x[:cut], part_y[:cut], part_x[cut:], part_y[cut:])


def initial_weights() -> list[np.ndarray]:
    return [np.zeros(FEATURES), np.zeros(1)]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def evaluate(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(log loss, accuracy) of the model on (x, y)."""
    w, b = weights
    p = _sigmoid(x @ w + b[0])
    eps = 1e-9
    loss = float(-np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)))
    accuracy = float(np.mean((p >= 0.5) == (y == 1)))
    return loss, accuracy


def train(
    weights: list[np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int = 3,
    learning_rate: float = 0.004,
) -> list[np.ndarray]:
    """Full-batch gradient descent on the log loss, `epochs` steps from `weights`."""
    w, b = np.array(weights[0], dtype=np.float64), np.array(weights[1], dtype=np.float64)
    for _ in range(epochs):
        error = _sigmoid(x @ w + b[0]) - y
        w -= learning_rate * (x.T @ error) / len(y)
        b -= learning_rate * np.array([error.mean()])
    return [w, b]
