"""The counting-process estimate of relevant documents left: fit, extrapolation, quantiles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from review import rate


def _score_equations(labels: np.ndarray, fit: rate.DecayFit) -> np.ndarray:
    """The log-likelihood's gradient in (log_rate, decay) at the fit: zero at the maximum."""
    y = labels.astype(float)
    t = np.arange(1, y.size + 1, dtype=float)
    p = fit.rate(t)
    d1 = y - (1 - y) * p / (1 - p)
    clock = np.log(t) if fit.shape == "power" else t
    return np.array([d1.sum(), -(d1 * clock).sum()])


def test_no_trend_gives_the_observed_rate_and_zero_decay() -> None:
    # relevant at positions 1 and 4 of every 4: rate 1/2, and no drift in where they fall
    labels = np.array([1, 0, 0, 1] * 50)
    fit = rate.fit_decay(labels)
    assert fit is not None
    assert fit.log_rate == pytest.approx(math.log(0.5), abs=1e-6)
    assert fit.decay == pytest.approx(0.0, abs=1e-8)
    est = rate.decay_estimate(labels, n_docs=300)
    assert est is not None
    # 100 documents unread at rate 1/2: 50 expected; recall 100 / 150
    assert est.expected_remaining == pytest.approx(50.0, rel=1e-5)
    assert est.point == pytest.approx(100 / 150, rel=1e-5)
    # the fit's own uncertainty widens the Poisson(50) quantiles
    assert est.remaining_high >= stats.poisson.ppf(0.95, 50)
    assert est.remaining_low <= stats.poisson.ppf(0.025, 50)
    assert est.low <= est.point <= est.high


def test_fit_recovers_a_decaying_rate() -> None:
    rng = np.random.default_rng(7)
    t = np.arange(1, 4001)
    truth = 0.6 * np.exp(-t / 400)
    labels = (rng.random(t.size) < truth).astype(int)
    fit = rate.fit_decay(labels)
    assert fit is not None
    se = np.sqrt(np.diag(fit.cov))
    assert abs(fit.log_rate - math.log(0.6)) < 3 * se[0]
    assert abs(fit.decay - 1 / 400) < 3 * se[1]
    assert np.abs(_score_equations(labels, fit)).max() < 1e-6


def test_fit_recovers_a_power_law_rate() -> None:
    rng = np.random.default_rng(5)
    t = np.arange(1, 4001)
    truth = 0.4 * t ** -0.5
    labels = (rng.random(t.size) < truth).astype(int)
    fit = rate.fit_decay(labels, shape="power")
    assert fit is not None and fit.shape == "power"
    se = np.sqrt(np.diag(fit.cov))
    assert abs(fit.log_rate - math.log(0.4)) < 3 * se[0]
    assert abs(fit.decay - 0.5) < 3 * se[1]
    assert np.abs(_score_equations(labels, fit)).max() < 1e-6
    # the same labels read as an exponential fall leave far less in the tail
    power = rate.decay_estimate(labels[:500], n_docs=4000, shape="power")
    exponential = rate.decay_estimate(labels[:500], n_docs=4000)
    assert power is not None and exponential is not None
    assert power.expected_remaining > 3 * exponential.expected_remaining
    assert 0.5 < power.expected_remaining / truth[500:].sum() < 2
    with pytest.raises(ValueError, match="shape must be one of"):
        rate.fit_decay(labels, shape="hyperbolic")


def test_estimate_on_reviews_drawn_from_the_model() -> None:
    # read 600 of 3000; the relevant chance decays along the reading order
    rng = np.random.default_rng(11)
    t = np.arange(1, 3001)
    chance = 0.5 * np.exp(-t / 150)
    hits = []
    for _ in range(40):
        labels = (rng.random(t.size) < chance).astype(int)
        est = rate.decay_estimate(labels[:600], n_docs=3000)
        assert est is not None
        true_left = int(labels[600:].sum())
        hits.append(est.remaining_low <= true_left <= est.remaining_high)
        assert abs(est.point - labels[:600].sum() / max(labels.sum(), 1)) < 0.05
    assert np.mean(hits) >= 0.85  # nominally 0.925 (alpha/2 below, alpha above)


def test_a_dry_tail_is_read_as_little_left() -> None:
    labels = np.array([1, 0] * 30 + [0] * 300)
    est = rate.decay_estimate(labels, n_docs=2000)
    assert est is not None
    assert est.expected_remaining < 1.0
    assert est.low > 0.9


def test_a_steady_rate_is_extrapolated_over_the_rest() -> None:
    labels = np.array(([0] * 5 + [1] + [0] * 5) * 40)  # 40 relevant in 440, each mid-block: no trend
    est = rate.decay_estimate(labels, n_docs=2000)
    assert est is not None
    assert est.expected_remaining == pytest.approx(1560 / 11, rel=1e-4)
    assert est.low < est.point < 0.25


def test_found_outside_the_order_counts_toward_recall() -> None:
    labels = np.array([1, 0, 0, 1] * 50)
    inside = rate.decay_estimate(labels, n_docs=300)
    more = rate.decay_estimate(labels, n_docs=300, found=110)
    assert inside is not None and more is not None
    assert more.expected_remaining == pytest.approx(inside.expected_remaining)
    assert more.point == pytest.approx(110 / 160, rel=1e-5)


@pytest.mark.parametrize("labels", [np.zeros(50, dtype=int), np.ones(50, dtype=int)])
def test_no_fit_without_both_labels(labels: np.ndarray) -> None:
    assert rate.fit_decay(labels) is None
    assert rate.decay_estimate(labels, n_docs=100) is None


def test_everything_read_leaves_nothing() -> None:
    labels = np.array([1, 0, 0, 1] * 25)
    est = rate.decay_estimate(labels, n_docs=100)
    assert est is not None
    assert (est.expected_remaining, est.remaining_low, est.remaining_high, est.point) == (0.0, 0, 0, 1.0)


def test_a_fit_that_cannot_pin_the_tail_down_is_not_informative() -> None:
    steady = np.array(([0] * 5 + [1] + [0] * 5) * 40)  # no trend: the decay is anyone's guess
    wide = rate.decay_estimate(steady, n_docs=100_000)
    assert wide is not None and not wide.informative
    assert wide.remaining_high + 1 > rate.MAX_SPREAD * (wide.expected_remaining + 1)
    dry = rate.decay_estimate(np.array([1, 0] * 30 + [0] * 300), n_docs=2000)
    assert dry is not None and dry.informative
