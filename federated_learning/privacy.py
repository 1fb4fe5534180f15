"""The privacy budget (ε at a chosen δ) a central-DP federated run spends, and its accountant.

Every strategy here hands each round to all the clients that are connected (Flower's
fraction_fit = 1.0): there is no client sub-sampling, so no amplification by sampling to
account for. A round of central DP is then one Gaussian mechanism on the average of the
clients' clipped updates (sensitivity C/m, noise σ = z·C/m for noise multiplier z), and R
rounds compose into one Gaussian mechanism with μ = √R / z (Gaussian differential privacy,
Dong, Roth & Su 2019, Corollary 2.1). Its exact (ε, δ) curve is the analytic Gaussian
mechanism's (Balle & Wang 2018, Theorem 8):

    δ(ε) = Φ(−ε/μ + μ/2) − e^ε · Φ(−ε/μ − μ/2)

so ε at δ is found by bisection on that monotone curve. This is the tight value, not a bound:
a Rényi-DP accountant (dp-accounting's RdpAccountant, Opacus') reports a larger ε for the same
run. dp-accounting is not installed beside our pins (0.6 requires attrs<24, 0.4 numpy<2), and
without sub-sampling it has nothing to add to this closed form: its privacy-loss-distribution
accountant gives the same ε (a test checks a grid against it, installed apart).

Local DP (Flower's LocalDpMod on the client) adds noise of σ = Δ·√(2 ln(1.25/δ₀))/ε₀ per round,
the classical Gaussian mechanism for a per-round (ε₀, δ₀) with ε₀ < 1: a noise multiplier of
√(2 ln(1.25/δ₀))/ε₀, composed over rounds the same way.

Pure Python plus scipy (for a stable log Φ); the server process imports it too.
"""

from __future__ import annotations

import math

# Past this ε the run protects nothing worth a number; the budget is reported as unbounded.
EPSILON_CEILING = 1e4


def delta_for(epsilon: float, mu: float) -> float:
    """δ(ε) of a μ-GDP mechanism (exact)."""
    if mu <= 0:
        return 0.0
    # Imported here: only runs with DP pay for scipy (tens of MiB in the server process).
    from scipy.special import log_ndtr

    a = -epsilon / mu + mu / 2
    b = -epsilon / mu - mu / 2
    first = math.exp(log_ndtr(a))
    second = math.exp(epsilon + log_ndtr(b)) if epsilon + log_ndtr(b) < 700 else math.inf
    return max(0.0, first - second)


def gdp_mu(noise_multiplier: float, rounds: int) -> float:
    """μ of R composed Gaussian rounds of noise multiplier z: √R / z (∞ without noise)."""
    if rounds <= 0:
        return 0.0
    if noise_multiplier <= 0:
        return math.inf
    return math.sqrt(rounds) / noise_multiplier


def epsilon_for(noise_multiplier: float, rounds: int, delta: float) -> float:
    """ε at δ after `rounds` rounds of central DP with this noise multiplier (math.inf when
    the noise protects nothing: no noise, or ε beyond EPSILON_CEILING)."""
    if not 0 < delta < 1:
        raise ValueError("δ must be between 0 and 1 (exclusive)")
    mu = gdp_mu(noise_multiplier, rounds)
    if mu == 0:
        return 0.0
    if math.isinf(mu):
        return math.inf
    if delta_for(0.0, mu) <= delta:
        return 0.0
    low, high = 0.0, 1.0
    while delta_for(high, mu) > delta:
        low, high = high, high * 2
        if high > EPSILON_CEILING:
            return math.inf
    for _ in range(200):  # bisection: δ(ε) falls as ε grows
        middle = (low + high) / 2
        if delta_for(middle, mu) > delta:
            low = middle
        else:
            high = middle
        if high - low < 1e-9 * max(1.0, high):
            break
    return high


def local_noise_multiplier(epsilon: float, delta: float) -> float:
    """The noise multiplier Flower's LocalDpMod applies for a per-round (ε₀, δ₀)."""
    return math.sqrt(2 * math.log(1.25 / delta)) / epsilon


def rounds_within(noise_multiplier: float, delta: float, cap: float, limit: int) -> int:
    """How many rounds (up to `limit`) keep ε at δ within the cap (ε grows with rounds)."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if epsilon_for(noise_multiplier, middle, delta) <= cap:
            low = middle
        else:
            high = middle - 1
    return low
