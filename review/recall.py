"""Recall estimates and stopping tests: pure numpy/scipy functions, no state, no I/O.

Every function here takes plain numbers or arrays (the gain curve of a ranked
review, a random sample's counts, probabilities) and returns numbers. The
stateful side, which drives these tests along a review, is `review.stopping`.

Rules and their sources:

- Knee and Budget: Cormack & Grossman, "Engineering quality and reliability in
  technology-assisted review", SIGIR 2016. Slopes are per document.
- Target: same paper; a random sample holding T relevant documents, stop when
  the ranked review has reached all T.
- QBCB: Lewis, Yang & Frieder, "Certifying one-phase technology-assisted
  review", CIKM 2021.
- Quant and QuantCI: Yang, Lewis & Frieder, "Heuristic stopping rules for
  technology-assisted review", DocEng 2021.
- Hypergeometric test: Callaghan & Müller-Hansen, "Statistical stopping
  criteria for automated screening in systematic reviews", Systematic Reviews
  2020.
- Elusion test with a one-sided Clopper-Pearson bound (e-discovery validation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from review.errors import ConfigError

KNEE_MIN_REVIEWED = 150
"""The knee rule never fires before this many documents were reviewed."""
KNEE_BASE = 156
"""Knee threshold: slope ratio >= KNEE_BASE - min(relevant found, KNEE_CAP)."""
KNEE_CAP = 150
BUDGET_RHO = 6.0
"""The budget rule's slope-ratio threshold (the knee threshold once 150 are found)."""
BUDGET_FACTOR = 10.0
"""The budget rule's floor: at least BUDGET_FACTOR * N / relevant-found documents."""
BUDGET_SHARE = 0.75
"""The budget rule always fires once this share of the collection was reviewed."""


@dataclass(frozen=True)
class KneeResult:
    """The knee of a gain curve and the slope ratio there."""

    stop: bool
    """Whether the rule fires at this point."""
    reviewed: int
    """Documents reviewed (s)."""
    found: int
    """Relevant documents found (relret(s))."""
    knee: int
    """Documents reviewed at the knee (i); 0 when there is none."""
    rho: float
    """Slope before the knee over the (+1 smoothed) slope after it."""
    threshold: float
    """The slope ratio the rule needs."""


def _check_level(name: str, value: float) -> None:
    if not 0.0 < value < 1.0:
        raise ConfigError(f"{name} must be strictly between 0 and 1, got {value!r}")


def gain_curve(labels_in_order: np.ndarray) -> np.ndarray:
    """Relevant documents found after each reviewed document (1-D, cumulative)."""
    return np.cumsum(np.asarray(labels_in_order, dtype=np.int64) == 1)


def knee_point(gain: np.ndarray) -> int:
    """The knee of a gain curve (Kneedle, Satopää et al. 2011), as a document count.

    The curve is normalised to the unit square (documents / s, found / found(s));
    the knee is the point farthest above the diagonal. Points with i = s are
    not candidates.

    Args:
        gain: Cumulative relevant found after each of the s reviewed documents.

    Returns:
        i, the number of documents reviewed at the knee (1 <= i < s), or 0 when
        nothing relevant was found or fewer than two documents were reviewed.
    """
    gain = np.asarray(gain)
    s = len(gain)
    if s < 2 or gain[-1] <= 0:
        return 0
    i = np.arange(1, s)
    dist = gain[:-1] / gain[-1] - i / s
    return int(i[int(np.argmax(dist))])


def slope_ratio(gain: np.ndarray, knee: int) -> float:
    """rho = (found(i) / i) / ((found(s) - found(i) + 1) / (s - i)) at the knee i."""
    gain = np.asarray(gain)
    s = len(gain)
    if knee <= 0 or knee >= s:
        return 0.0
    before = gain[knee - 1] / knee
    after = (gain[-1] - gain[knee - 1] + 1) / (s - knee)
    return float(before / after)


def knee_test(gain: np.ndarray, min_reviewed: int = KNEE_MIN_REVIEWED) -> KneeResult:
    """The knee rule: stop when rho >= 156 - min(found, 150) and s >= 150.

    Args:
        gain: Cumulative relevant found after each reviewed document.
        min_reviewed: Documents that must be reviewed before the rule may fire.

    Returns:
        The knee, the slope ratio, the threshold and whether the rule fires.
    """
    gain = np.asarray(gain)
    s = len(gain)
    found = int(gain[-1]) if s else 0
    knee = knee_point(gain)
    rho = slope_ratio(gain, knee)
    threshold = float(KNEE_BASE - min(found, KNEE_CAP))
    stop = s >= min_reviewed and found > 0 and rho >= threshold
    return KneeResult(stop, s, found, knee, rho, threshold)


def budget_test(gain: np.ndarray, n_docs: int) -> KneeResult:
    """The budget rule: (rho >= 6 and s >= 10 N / found) or s >= 0.75 N.

    Cormack & Grossman's budget method relaxes the knee threshold to 6 but
    only once the review has spent at least ten times the documents a random
    search would need per relevant document found; it always stops at 75 % of
    the collection.

    Args:
        gain: Cumulative relevant found after each reviewed document.
        n_docs: Documents in the collection (N).

    Returns:
        A KneeResult whose `threshold` is the slope ratio needed (6).
    """
    gain = np.asarray(gain)
    s = len(gain)
    found = int(gain[-1]) if s else 0
    knee = knee_point(gain)
    rho = slope_ratio(gain, knee)
    floor_ok = found > 0 and s >= BUDGET_FACTOR * n_docs / found
    stop = (rho >= BUDGET_RHO and floor_ok) or s >= BUDGET_SHARE * n_docs
    return KneeResult(bool(stop), s, found, knee, rho, BUDGET_RHO)


def min_sample_positives(target: float, alpha: float) -> int:
    """Smallest number of sample positives that can certify recall >= target.

    This is the Target method's T (stop once all T are found) and the smallest
    QBCB r: the least r with 1 - target**r >= 1 - alpha.
    """
    _check_level("target", target)
    _check_level("alpha", alpha)
    return max(1, math.ceil(math.log(alpha) / math.log(target) - 1e-12))


def qbcb_threshold(r: int, target: float, alpha: float) -> int | None:
    """QBCB's j: the smallest j with BinomCDF(j - 1; r, target) >= 1 - alpha.

    Args:
        r: Positives in the up-front random sample.
        target: Recall to certify (tau).
        alpha: 1 - confidence.

    Returns:
        j (1 <= j <= r), or None when r positives cannot certify the target.
    """
    _check_level("target", target)
    _check_level("alpha", alpha)
    if r < 1:
        return None
    j = np.arange(1, r + 1)
    ok = stats.binom.cdf(j - 1, r, target) >= 1.0 - alpha
    return int(j[np.argmax(ok)]) if ok.any() else None


def quant_estimate(p_reviewed: np.ndarray, p_unreviewed: np.ndarray) -> tuple[float, float]:
    """The Quant recall estimate and its standard deviation.

    R̂ = K / (K + U), with K and U the sums of calibrated P(relevant) over the
    reviewed and unreviewed documents, and
    Var = K² / (K+U)⁴ · Σ_all s(1-s) + (K+U)⁻² · Σ_reviewed s(1-s).

    Returns:
        (R̂, sigma); (0.0, 0.0) when every probability is zero.
    """
    pr = np.asarray(p_reviewed, dtype=float)
    pu = np.asarray(p_unreviewed, dtype=float)
    k, u = float(pr.sum()), float(pu.sum())
    total = k + u
    if total <= 0:
        return 0.0, 0.0
    var_rev = float((pr * (1 - pr)).sum())
    var_all = var_rev + float((pu * (1 - pu)).sum())
    var = k * k / total**4 * var_all + var_rev / total**2
    return k / total, math.sqrt(max(var, 0.0))


def quant_ci_test(point: float, sigma: float, target: float, nstd: float = 2.0) -> bool:
    """QuantCI: stop when R̂ - nstd·sigma >= target (nstd = 0 gives Quant)."""
    return point - nstd * sigma >= target


def hypergeom_pvalue(
    k: int, n: int, pool: int, found_before: int, target: float
) -> float:
    """Callaghan & Müller-Hansen's p-value for H0: recall < target.

    Documents are drawn at random without replacement from the `pool`
    documents left unreviewed when random sampling began. Under H0 the pool
    holds at least K_tar = floor((found_before + k) / target) - found_before + 1
    relevant documents; p = P(X <= k), X ~ Hypergeom(pool, K_tar, n).

    Args:
        k: Relevant documents among the n sampled.
        n: Documents sampled so far.
        pool: Unreviewed documents when sampling began.
        found_before: Relevant documents found before sampling began.
        target: The recall tested (tau).

    Returns:
        The p-value; 0.0 when H0 is impossible (K_tar > pool).
    """
    _check_level("target", target)
    found = found_before + k
    k_tar = math.floor(found / target + 1e-9) - found_before + 1
    if k_tar > pool:
        return 0.0
    return float(stats.hypergeom.cdf(k, pool, k_tar, n))


def ranked_tail_pvalue(gain: np.ndarray, n_docs: int, target: float, stride: int = 1) -> float:
    """Callaghan & Müller-Hansen's heuristic: the smallest p over start points of the ranked tail.

    Every tail of the ranked review (documents i+1..s, i on a grid of `stride`)
    is treated as a random sample of the pool left after i, and tested with
    `hypergeom_pvalue`. Conservative when the ranking beats random order, not
    a guarantee.

    Returns:
        The smallest p-value; 1.0 when nothing relevant was found.
    """
    _check_level("target", target)
    gain = np.asarray(gain)
    s = len(gain)
    if s < 2 or gain[-1] <= 0:
        return 1.0
    i = np.arange(1, s, stride)
    g_s, g_i = int(gain[-1]), gain[i - 1]
    k_tar = np.floor(g_s / target + 1e-9) - g_i + 1
    pool = n_docs - i
    p = stats.hypergeom.cdf(g_s - g_i, pool, np.minimum(k_tar, pool), s - i)
    return float(np.where(k_tar > pool, 0.0, p).min())


ELUSION_MAX_SHARE = 0.5
"""An elusion sample larger than this share of the unreviewed rest is not drawn by default: the
review is not far enough along for one to certify the target (`review validate --size` still can)."""


def relevant_left_upper(k: int, s: int, unreviewed: int, alpha: float) -> int:
    """One-sided (1 - alpha) upper bound on the relevant documents among `unreviewed`, from k in a
    random sample of s of them (drawn without replacement: the exact, hypergeometric bound).

    The largest K with P(at most k relevant in the sample | K relevant in all) > alpha:
    Clopper and Pearson's exact method, for a finite pool. A binomial bound on the
    rate times `unreviewed` treats the pool as endless; this one knows that a
    sample of every unreviewed document is a count (K = k), and it needs smaller
    samples (393 instead of 598 to certify 95 % with 95 found and 1,000 unread).
    """
    _check_level("alpha", alpha)
    s = min(s, unreviewed)
    if s <= 0:
        return unreviewed
    lo, hi = k, unreviewed - (s - k)  # the s - k non-relevant seen cannot be relevant
    while lo < hi:  # P(X <= k) falls as K grows
        mid = (lo + hi + 1) // 2
        if stats.hypergeom.cdf(k, unreviewed, mid, s) > alpha:
            lo = mid
        else:
            hi = mid - 1
    return lo


def elusion_recall_bound(found: int, k: int, s: int, unreviewed: int, alpha: float) -> float:
    """Lower confidence bound on recall from an elusion sample.

    bound = found / (found + K), with K the one-sided (1 - alpha) upper bound
    on the relevant documents left among the `unreviewed` (`relevant_left_upper`),
    from k relevant in a random sample of s of them. A one-time check:
    repeating it on fresh samples needs a smaller alpha each time.
    """
    if found <= 0:
        return 0.0
    return found / (found + relevant_left_upper(k, s, unreviewed, alpha))


def elusion_sample_size(found: int, unreviewed: int, target: float, alpha: float, events: int = 0) -> int | None:
    """Smallest sample that certifies `target` if it holds at most `events` relevant.

    Returns:
        The size (at most every unreviewed document), or None when even that
        would not do: only with `events` relevant among them.
    """
    _check_level("target", target)
    if unreviewed <= 0:
        return 0
    if found <= 0 or events >= unreviewed:
        return None
    allowed = math.floor(found * (1 - target) / target + 1e-9)  # the most relevant left that still meets it
    if relevant_left_upper(events, unreviewed, unreviewed, alpha) > allowed:
        return None
    lo, hi = events + 1, unreviewed
    while lo < hi:  # the upper bound falls as s grows
        mid = (lo + hi) // 2
        if relevant_left_upper(events, mid, unreviewed, alpha) <= allowed:
            hi = mid
        else:
            lo = mid + 1
    return lo


def logit(p: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)), with p clipped to [1e-6, 1 - 1e-6]."""
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def standardized_logits(scores: np.ndarray) -> np.ndarray:
    """logit(score), centred and scaled over the given scores (one model's scores of every row).

    Each retrain shifts and stretches the score scale (class weights, presumed
    negatives); standardising per model makes scores of different rounds
    comparable, so one Platt map can be fitted across rounds.
    """
    x = logit(scores)
    sd = float(x.std())
    return (x - float(x.mean())) / (sd if sd > 1e-12 else 1.0)


def platt_fit(scores: np.ndarray, labels: np.ndarray, raw: bool = False) -> tuple[float, float]:
    """Platt scaling on logit(score): P = sigmoid(a · logit(score) + b).

    Uses Platt's smoothed targets, (n+ + 1)/(n+ + 2) and 1/(n- + 2), so that a
    perfectly separated sample does not give infinite weights.

    Args:
        scores: Uncalibrated probabilities in [0, 1], ideally out-of-sample
            (scored by a model that had not seen those documents).
        labels: 1 or 0 for each score.
        raw: `scores` are already on the logit scale (e.g. standardized_logits).

    Returns:
        (a, b); (1.0, 0.0), the identity, when both labels are not present.
    """
    x = np.asarray(scores, dtype=float) if raw else logit(scores)
    y = np.asarray(labels, dtype=float)
    n_pos, n_neg = float((y == 1).sum()), float((y == 0).sum())
    if n_pos == 0 or n_neg == 0:
        return 1.0, 0.0
    t = np.where(y == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    design = np.column_stack([x, np.ones_like(x)])

    def loss(w: np.ndarray) -> float:
        z = design @ w
        return float(np.sum(np.logaddexp(0, z) - t * z))

    w = np.array([1.0, 0.0])
    current = loss(w)
    for _ in range(100):  # Newton's method with step halving (Platt 1999; Lin et al. 2007)
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ w, -500, 500)))
        grad = design.T @ (p - t)
        hess = design.T @ (design * (p * (1 - p) + 1e-12)[:, None]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        scale = 1.0
        while scale > 1e-10 and loss(w - scale * step) > current + 1e-4 * scale * float(grad @ step) * -1:
            scale /= 2
        if scale <= 1e-10:
            break
        w = w - scale * step
        new = loss(w)
        if abs(current - new) < 1e-10 * max(1.0, abs(current)):
            break
        current = new
    return float(w[0]), float(w[1])


def platt_apply(scores: np.ndarray, a: float, b: float, raw: bool = False) -> np.ndarray:
    """Calibrated probabilities: sigmoid(a · logit(score) + b) (`raw`: scores are logits)."""
    x = np.asarray(scores, dtype=float) if raw else logit(scores)
    z = np.clip(a * x + b, -500, 500)
    return 1.0 / (1.0 + np.exp(-z))
