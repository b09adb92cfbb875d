"""How many relevant documents are left, from the rate at which the review found them.

A counting-process estimate in the manner of Sneyd & Stevenson ("Stopping
criteria for technology assisted reviews based on counting processes",
SIGIR 2021; Stevenson & Bin-Hezam, TOIS 2024): the chance that the t-th
document read is relevant is modelled as exp(c - b·t), fitted by maximum
likelihood to the labels in the order they were read, and extrapolated over
the documents not read yet. The expected count left is the sum of that rate;
the count itself is taken as Poisson around it, with the fit's own uncertainty
(a normal on log of the mean, by the delta method) mixed in.

Pure numpy/scipy, no state. On the bench collections the point is about
unbiased where the calibrated-score estimate (Quant) runs far low, but its
lower bound is not safe: a ranking that has not yet found a whole sub-topic
shows a falling rate too (benchmarks/README-stopping.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(40)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()
MAX_SPREAD = 7.0
"""A fit's `weight` reaches 0 once (remaining_high + 1) >= MAX_SPREAD x (expected_remaining + 1).

Early in a large project a flat rate fitted on a few hundred documents and
extrapolated over 100,000 can put almost anything in the tail; its upper
quantile then runs to thousands while the plug-in mean says a hundred."""
_MAX_LOG_SD = 8.0
"""Cap on the spread of log(mean remaining): beyond it the quadrature overflows and says nothing more."""


SHAPES = ("exponential", "power")
"""How the rate falls with the position t: exp(c - b·t), or exp(c - b·log t) = e^c·t^-b."""


def _clock(positions: np.ndarray, shape: str) -> np.ndarray:
    """The position as the rate's exponent sees it: t, or log t for the power law."""
    positions = np.asarray(positions, dtype=float)
    return np.log(positions) if shape == "power" else positions


@dataclass(frozen=True)
class DecayFit:
    """P(the t-th document read is relevant) = exp(log_rate - decay·t) (or decay·log t), t = 1, 2, ..."""

    log_rate: float
    decay: float
    """Per document (per unit of log t for the power law); negative when the rate grows."""
    cov: np.ndarray
    """2 x 2 covariance of (log_rate, decay): the inverse observed information."""
    reviewed: int
    shape: str = "exponential"

    def rate(self, positions: np.ndarray) -> np.ndarray:
        """The fitted chance at 1-based `positions`, capped at 1."""
        return np.exp(np.minimum(self.log_rate - self.decay * _clock(positions, self.shape), 0.0))


def fit_decay(labels_in_order: np.ndarray, iterations: int = 100, shape: str = "exponential") -> DecayFit | None:
    """Maximum-likelihood fit of the rate to labels in reading order.

    Newton's method on (c, β) with positions scaled to x = t / s (s documents
    read; log t / log s for the power law), halving a step until every fitted
    chance stays below 1 and the likelihood does not fall; the log-likelihood
    is concave in (c, β).

    Returns:
        The fit, or None without both a relevant and a non-relevant label.
    """
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {', '.join(SHAPES)}, not {shape!r}")
    y = (np.asarray(labels_in_order) == 1).astype(float)
    s = y.size
    found = float(y.sum())
    if found == 0 or found == s:
        return None
    unit = float(_clock(np.array([s]), shape)[0])  # s >= 2 here, so log s > 0
    x = _clock(np.arange(1, s + 1), shape) / unit
    theta = np.array([math.log(found / s), 0.0])

    def loglik(th: np.ndarray) -> float:
        eta = th[0] - th[1] * x
        if eta.max() >= 0:
            return -math.inf
        return float((y * eta + (1 - y) * np.log1p(-np.exp(eta))).sum())

    def derivatives(th: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = np.exp(th[0] - th[1] * x)
        d1 = y - (1 - y) * p / (1 - p)
        d2 = (1 - y) * p / (1 - p) ** 2  # minus the second derivative in eta
        grad = np.array([d1.sum(), -(d1 * x).sum()])
        info = np.array([[d2.sum(), -(d2 * x).sum()], [-(d2 * x).sum(), (d2 * x * x).sum()]])
        return grad, info + np.eye(2) * 1e-9

    ll = loglik(theta)
    for _ in range(iterations):
        grad, info = derivatives(theta)
        step = np.linalg.solve(info, grad)
        t = 1.0
        while t > 1e-6:
            candidate = theta + t * step
            new = loglik(candidate)
            if new >= ll - 1e-12:
                break
            t /= 2
        else:
            break
        theta, moved, ll = candidate, float(np.abs(t * step).max()), new
        if moved < 1e-9:
            break
    _, info = derivatives(theta)
    cov = np.linalg.inv(info)
    scale = np.array([[1.0, 1.0 / unit], [1.0 / unit, 1.0 / unit**2]])  # β per scaled position -> decay per document
    return DecayFit(float(theta[0]), float(theta[1]) / unit, cov * scale, s, shape)


@dataclass(frozen=True)
class RateEstimate:
    """Relevant documents found, and what the fitted rate says is left."""

    found: int
    expected_remaining: float
    remaining_low: int
    """The alpha/2 quantile of the count left."""
    remaining_high: int
    """The 1 - alpha quantile of the count left (one-sided)."""
    decay: float = 0.0
    """The fitted decay per document; not above zero when the rate grows (or nothing is left to read)."""

    def _recall(self, left: float) -> float:
        total = self.found + left
        return self.found / total if total > 0 else 0.0

    @property
    def point(self) -> float:
        return self._recall(self.expected_remaining)

    @property
    def low(self) -> float:
        """Recall with remaining_high left: a one-sided lower bound at 1 - alpha."""
        return self._recall(self.remaining_high)

    @property
    def high(self) -> float:
        return self._recall(self.remaining_low)

    @property
    def weight(self) -> float:
        """How far the fit speaks about the rest, from 1 down to 0.

        1 when the count left is pinned down to its Poisson noise, falling to 0
        as the upper quantile reaches MAX_SPREAD x the expected count, on a log
        scale, so that a screen showing a blend does not jump when the spread
        crosses a threshold. 0 for a growing rate: capped at 1 per document, it
        calls every unread document relevant, a statement about the model, not
        the collection.
        """
        if self.decay <= 0:
            return 0.0
        spread = (self.remaining_high + 1) / (self.expected_remaining + 1)
        return float(np.clip(1.0 - math.log(spread) / math.log(MAX_SPREAD), 0.0, 1.0))

    @property
    def informative(self) -> bool:
        """Whether the fit says anything about the rest (`weight` above 0)."""
        return self.weight > 0


def decay_estimate(labels_in_order: np.ndarray, n_docs: int, alpha: float = 0.05,
                   found: int | None = None, shape: str = "exponential") -> RateEstimate | None:
    """Fit the rate to the review so far and extrapolate it over the n_docs - s documents not read.

    Args:
        labels_in_order: Labels of the documents read, in reading order (1 relevant).
        n_docs: Documents in the collection.
        alpha: 1 - confidence of the quantiles.
        found: Relevant documents found in all (default: those in the order;
            more when a validation sample found some outside it).
        shape: "exponential" (the default, and what the monitor uses) or
            "power", whose heavier tail the bench measured as far too
            cautious (benchmarks/README-stopping.md, session 7).

    Returns:
        The estimate; None when the fit is not possible (see `fit_decay`).
    """
    fit = fit_decay(labels_in_order, shape=shape)
    if fit is None:
        return None
    s = fit.reviewed
    found = int(np.sum(np.asarray(labels_in_order) == 1)) if found is None else found
    unread = max(n_docs - s, 0)
    t = np.arange(s + 1, n_docs + 1, dtype=float)
    p = fit.rate(t)
    mean = float(p.sum())
    if unread == 0 or mean <= 0:
        return RateEstimate(found, 0.0, 0, 0)
    open_ = p < 1.0  # capped terms do not move with the parameters
    clock = _clock(t, shape)
    grad = np.array([p[open_].sum(), -(clock[open_] * p[open_]).sum()]) / mean  # d log(mean) / d(c, decay)
    log_sd = min(math.sqrt(max(float(grad @ fit.cov @ grad), 0.0)), _MAX_LOG_SD)
    means = np.minimum(mean * np.exp(log_sd * _NODES), float(unread))

    def quantile(q: float) -> int:
        """The least k with P(remaining <= k) >= q, by bisection (the mixture's CDF grows with k)."""
        lo, hi = 0, unread
        while lo < hi:
            mid = (lo + hi) // 2
            if float(stats.poisson.cdf(mid, means) @ _WEIGHTS) >= q:
                hi = mid
            else:
                lo = mid + 1
        return lo

    return RateEstimate(found, min(mean, float(unread)), quantile(alpha / 2), quantile(1 - alpha), fit.decay)
