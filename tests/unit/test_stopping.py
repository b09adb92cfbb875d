"""The stateful stopping monitor: samples, where each rule fires, what it reports."""

from __future__ import annotations

import numpy as np
import pytest

from review import recall as rc
from review.errors import ConfigError
from review.stopping import RULES, RecallEstimate, StoppingMonitor, default_rule


def _collection(n: int = 400, n_rel: int = 40, seed: int = 0, sep: float = 2.5) -> tuple[np.ndarray, np.ndarray]:
    """Gold labels and a good-but-imperfect ranked order (relevant rows mostly early)."""
    rng = np.random.default_rng(seed)
    gold = np.zeros(n, dtype=int)
    gold[rng.choice(n, n_rel, replace=False)] = 1
    noise = rng.normal(0, 1.0, n) + sep * gold
    order = np.argsort(-noise, kind="stable")
    return gold, order


def _scores(gold: np.ndarray, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(np.where(gold == 1, rng.beta(6, 2, gold.size), rng.beta(1, 12, gold.size)), 0.001, 0.999)


def _run(monitor: StoppingMonitor, gold: np.ndarray, order: np.ndarray, batch: int = 20,
         scores: np.ndarray | None = None) -> None:
    monitor.draw_samples(lambda r: int(gold[r]))
    for step, end in enumerate(range(batch, gold.size + batch, batch), start=1):
        rows = order[: min(end, gold.size)]
        monitor.observe(step, rows, gold[rows], scores)


class TestSamples:
    def test_sample_holds_the_positives_it_needs(self) -> None:
        gold, _ = _collection()
        m = StoppingMonitor(gold.size, target=0.8, rules=["target", "qbcb"], random_state=3, qbcb_positives=30)
        size = m.draw_samples(lambda r: int(gold[r]))
        assert m.target_size == 14 and m.qbcb_j == 28
        assert sum(m.sample_labels) == 30  # the larger of T and r
        assert gold[m.sample_order[size - 1]] == 1  # drawn until the 30th positive, no further
        assert m.next_sample_row() is None

    def test_rows_out_of_turn_are_refused(self) -> None:
        m = StoppingMonitor(100, target=0.8, rules=["target"], random_state=0)
        wrong = int(m.sample_order[1])
        with pytest.raises(ConfigError):
            m.record_sample(wrong, 1)

    def test_no_sample_without_sample_rules(self) -> None:
        m = StoppingMonitor(100, rules=["knee", "quant"])
        assert m.next_sample_row() is None


class TestRules:
    def test_target_fires_at_the_last_sample_positive(self) -> None:
        gold, order = _collection()
        m = StoppingMonitor(gold.size, target=0.8, rules=["target"], random_state=5)
        _run(m, gold, order, batch=7)
        sample = m.sample_order[: int(np.flatnonzero(np.cumsum(m.sample_labels) >= 14)[0]) + 1]
        rank = {int(r): i + 1 for i, r in enumerate(order)}
        expected = max(rank[int(r)] for r in sample if gold[r] == 1)
        stop = m.stops["target"]
        assert stop.ranked == expected
        outside = sum(1 for r in sample if rank[int(r)] > expected)
        assert (stop.sampled, stop.at) == (outside, expected + outside)

    def test_qbcb_fires_at_the_jth_sample_positive(self) -> None:
        gold, order = _collection()
        m = StoppingMonitor(gold.size, target=0.8, rules=["qbcb"], random_state=5, qbcb_positives=20)
        _run(m, gold, order)
        assert m.qbcb_j == 20
        sample = m.sample_order[: len(m.sample_labels)]
        rank = {int(r): i + 1 for i, r in enumerate(order)}
        ranks = sorted(rank[int(r)] for r in sample if gold[r] == 1)
        assert m.stops["qbcb"].ranked == ranks[19]
        assert "20 of 20 sample positives reached: recall ≥ 80 % with 95 % confidence" in m.stops["qbcb"].evidence

    def test_knee_fires_where_the_pure_rule_first_does(self) -> None:
        gold, order = _collection(n=600, n_rel=30, sep=5.0)
        m = StoppingMonitor(gold.size, rules=["knee", "budget"])
        _run(m, gold, order, batch=50)
        gain = rc.gain_curve(gold[order])
        first = next(s for s in range(1, gold.size + 1) if rc.knee_test(gain[:s]).stop)
        assert m.stops["knee"].ranked == first
        first_budget = next(s for s in range(1, gold.size + 1) if rc.budget_test(gain[:s], gold.size).stop)
        assert m.stops["budget"].at == first_budget

    def test_quant_with_good_scores(self) -> None:
        gold, order = _collection()
        m = StoppingMonitor(gold.size, target=0.8, rules=["quant", "quantci"])
        _run(m, gold, order, scores=_scores(gold))
        assert m.stops["quant"].at <= m.stops["quantci"].at
        est = m.estimate()
        assert isinstance(est, RecallEstimate)
        assert est.low <= est.point <= est.high and est.found == int(gold.sum())

    def test_oracle_rules_need_an_oracle(self) -> None:
        with pytest.raises(ConfigError):
            StoppingMonitor(100, rules=["elusion"])
        with pytest.raises(ConfigError):
            StoppingMonitor(100, rules=["nope"])
        assert "elusion" not in StoppingMonitor(100).rules
        assert set(StoppingMonitor(100, oracle=lambda r: 0).rules) == set(RULES)

    def test_order_must_grow(self) -> None:
        gold, order = _collection()
        m = StoppingMonitor(gold.size, rules=["knee"])
        m.observe(1, order[:10], gold[order[:10]], None)
        with pytest.raises(ConfigError):
            m.observe(2, order[1:20], gold[order[1:20]], None)


class TestReport:
    def test_stops_json_and_suggestion(self) -> None:
        gold, order = _collection()
        oracle = lambda r: int(gold[r])  # noqa: E731
        m = StoppingMonitor(gold.size, target=0.8, random_state=2, oracle=oracle, default=("any", ("quant", "knee")))
        assert m.suggestion().fired is False
        _run(m, gold, order, scores=_scores(gold))
        stops = m.stops_json(gold)
        assert set(stops) == set(RULES) | {"default"}
        gain = rc.gain_curve(gold[order])
        q = stops["quant"]
        assert q["sampled"] == 0 and q["recall"] == pytest.approx(gain[q["at"] - 1] / gold.sum())
        assert stops["default"]["at"] == min(stops["quant"]["at"], stops["knee"]["at"] or gold.size)
        for name, s in stops.items():
            assert s["target"] == 0.8
            if s["at"] is not None:
                assert 0 <= s["sampled"] <= s["at"] and 0 < s["recall"] <= 1, name
        assert m.suggestion().fired is True

    def test_unfired_suggestion_says_why(self) -> None:
        m = StoppingMonitor(1000, rules=["knee", "quantci"])
        m.observe(1, np.arange(5), np.array([1, 0, 0, 0, 0]), None)
        text = m.suggestion().evidence
        assert text.startswith("Keep reviewing")

    def test_estimate_text(self) -> None:
        # the lower end leads: the estimate runs low (benchmarks/README-stopping.md)
        assert RecallEstimate(0.91, 0.84, 0.96, 50, 5.0).text() == "≥ 84 % (estimate 91 %)"
        # a "≥" never rounds up, a "≤" never rounds down
        assert RecallEstimate(0.999, 0.9979, 1.0, 50, 0.2).text() == "≥ 99 % (estimate 100 %)"
        assert RecallEstimate(0.999, 0.9979, 1.0, 50, 0.2).remaining_upper() == 1
        assert RecallEstimate(0.9, 0.85, 0.95, 50, 3.0).remaining_upper() == 3


def test_certified_target_rule_keeps_its_promise() -> None:
    """Over many random samples the Target rule reaches 80 % recall in >= 95 % of runs (binomial slack)."""
    gold, order = _collection(n=300, n_rel=30, seed=7)
    gain = rc.gain_curve(gold[order])
    hits = 0
    runs = 120
    for seed in range(runs):
        m = StoppingMonitor(gold.size, target=0.8, rules=["target"], random_state=seed,
                            default=("any", ("target",)))
        _run(m, gold, order, batch=30)
        stop = m.stops["target"]
        sample = m.sample_order[: len(m.sample_labels)]
        read = set(order[: stop.ranked].tolist()) | set(sample.tolist())
        hits += gold[list(read)].sum() >= 0.8 * gold.sum()
        assert gain[stop.ranked - 1] <= gold.sum()
    assert hits / runs >= 0.95 - 2 * np.sqrt(0.05 * 0.95 / runs)


def test_rebuilt_from_served_scores_matches_the_live_monitor() -> None:
    """One observe with each row's served score gives the live monitor's calibration."""
    gold, order = _collection()
    scores = _scores(gold)
    live = StoppingMonitor(gold.size, target=0.8, rules=["quant"])
    for step, end in enumerate(range(20, 220, 20), start=1):
        live.observe(step, order[:end], gold[order[:end]], scores)
    rebuilt = StoppingMonitor(gold.size, target=0.8, rules=["quant"])
    rebuilt.observe(1, order[:200], gold[order[:200]], scores, served_scores=scores[order[:200]])
    assert rebuilt.estimate() == pytest.approx(live.estimate())


def test_knee_with_margin_fires_thirty_percent_after_the_knee() -> None:
    import math

    from review.stopping import StoppingMonitor

    n = 2000
    labels = np.zeros(n, dtype=int)
    labels[:200] = 1  # a dense start, then nothing relevant: a clear knee
    monitor = StoppingMonitor(n, target=0.95, rules=("knee", "knee+40"))
    order = np.arange(1500)
    monitor.observe(1, order, labels[order], None)
    knee, margin = monitor.stops["knee"], monitor.stops["knee+40"]
    assert margin.at == math.ceil(knee.at * 1.4)
    assert monitor.suggestion().fired and monitor.suggestion().at == margin.at
    assert "+40 %" in margin.evidence


def test_relaxed_tail_test_fires_where_its_pvalue_first_drops_below_six_alpha() -> None:
    from review.stopping import CHM_RELAX

    gold, order = _collection(n=600, n_rel=30, seed=3, sep=3.0)
    monitor = StoppingMonitor(gold.size, target=0.9, confidence=0.95, rules=("chm", "chm-relaxed"))
    _run(monitor, gold, order, batch=600)  # one observe: every grid point is checked
    relaxed, strict = monitor.stops["chm-relaxed"], monitor.stops["chm"]
    assert relaxed.at <= strict.at
    gain = np.cumsum(gold[order])
    stride = max(1, gold.size // 100)
    checked = [s for s in range(2, gold.size + 1) if s % stride == 0 or s == gold.size]
    first = next(s for s in checked if rc.ranked_tail_pvalue(gain[:s], gold.size, 0.9, stride) < CHM_RELAX * 0.05)
    assert relaxed.at == first
    assert "p = " in relaxed.evidence and "< 0.30" in relaxed.evidence


def test_the_suggestion_relaxes_the_tail_test_only_at_high_targets() -> None:
    assert default_rule(0.95) == ("any", ("knee+40", "chm-relaxed"))
    assert default_rule(0.99) == default_rule(0.95)
    assert default_rule(0.8) == ("any", ("knee+40", "chm"))
    assert StoppingMonitor(500, target=0.8).default == default_rule(0.8)


def _as_the_monitor_fits(labels: np.ndarray, n_docs: int, alpha: float = 0.05, found: int | None = None):  # type: ignore[no-untyped-def]
    """rate.decay_estimate as StoppingMonitor calls it: from after the first relevant document read."""
    from review import rate
    from review.stopping import ranked_rate_estimate

    labels = np.asarray(labels)
    start = int(np.argmax(labels > 0)) + 1
    expected = rate.decay_estimate(labels[start:], n_docs - start, alpha,
                                   found=int(labels.sum()) if found is None else found)
    assert ranked_rate_estimate(labels, n_docs, alpha, found) == expected
    return expected


class TestCountingProcess:
    def test_fires_at_the_first_batch_end_whose_bound_reaches_the_target(self) -> None:
        from review import rate

        n = 2000
        gold = np.zeros(n, dtype=int)
        gold[:60:2] = 1  # 30 relevant among the first 60 read, then none
        order = np.arange(n)
        m = StoppingMonitor(n, target=0.95, rules=["ipp"])
        _run(m, gold, order, batch=20)
        stop = m.stops["ipp"]
        ends = range(20, n + 1, 20)
        first = next(e for e in ends if e >= rc.KNEE_MIN_REVIEWED and _as_the_monitor_fits(gold[:e], n).low >= 0.95)
        assert stop.at == first
        assert stop.sampled == 0 and "Counting process: 30 relevant found" in stop.evidence

    def test_the_rule_waits_for_150_documents_as_the_knee_does(self) -> None:
        n = 2000
        gold = np.zeros(n, dtype=int)
        gold[:40:2] = 1  # 20 relevant among the first 40 read, then none
        m = StoppingMonitor(n, target=0.95, rules=["ipp"])
        m.observe(1, np.arange(120), gold[:120], None)
        assert m._rate_estimate().low >= 0.95 and "ipp" not in m.stops
        m.observe(2, np.arange(rc.KNEE_MIN_REVIEWED), gold[: rc.KNEE_MIN_REVIEWED], None)
        assert m.stops["ipp"].at == rc.KNEE_MIN_REVIEWED

    def test_waits_for_enough_relevant_documents(self) -> None:
        from review.stopping import RATE_MIN_FOUND

        n = 2000
        gold = np.zeros(n, dtype=int)
        gold[0] = 1  # the first relevant document, then a long run of non-relevant ones
        gold[[400, 410, 420, 430, 440, 450]] = 1
        m = StoppingMonitor(n, target=0.95, rules=["ipp"])
        m.observe(1, np.arange(300), gold[:300], None)
        assert "ipp" not in m.stops and m._rate_estimate() is None
        m.observe(2, np.arange(460), gold[:460], None)
        assert int(gold[:460].sum()) >= RATE_MIN_FOUND and m._rate_estimate() is not None

    def test_waits_while_relevant_documents_keep_coming(self) -> None:
        n = 2000
        gold = np.zeros(n, dtype=int)
        gold[5::10] = 1  # a steady 1 in 10 to the end
        m = StoppingMonitor(n, target=0.95, rules=["ipp"])
        _run(m, gold, np.arange(n), batch=20)
        stop = m.stops["ipp"]
        assert stop.at >= 1800 and gold[: stop.at].sum() >= 0.95 * gold.sum()

    def test_estimate_blends_the_two_points_and_takes_the_lower_of_the_lower_ends(self) -> None:
        from review import rate
        from review.stopping import recall_interval

        gold, order = _collection(n=1000, n_rel=40, seed=5, sep=3.0)
        m = StoppingMonitor(gold.size, target=0.95, rules=["quant"])
        scores = _scores(gold)
        for step, end in enumerate(range(50, 301, 50), start=1):
            m.observe(step, order[:end], gold[order[:end]], scores)
        est = m.estimate()
        counting = _as_the_monitor_fits(gold[order[:300]], gold.size)
        h = m.history[-1]
        quant_low = recall_interval(h["point"], h["sigma"], 0.05)[0]
        assert 0 < counting.weight <= 1 and counting.point >= quant_low
        w = counting.weight / 2
        assert est.point == pytest.approx((1 - w) * h["point"] + w * counting.point)
        assert est.low == pytest.approx(min(quant_low, counting.low))
        assert est.low <= est.point <= est.high
        assert est.est_remaining == pytest.approx(h["remaining"])
        assert (h["shown_point"], h["shown_low"]) == pytest.approx((est.point, est.low))

    def test_a_counting_point_below_quants_lower_end_counts_as_that_end(self) -> None:
        from review.stopping import recall_interval

        gold, order = _collection(n=1000, n_rel=40, seed=5, sep=3.0)
        m = StoppingMonitor(gold.size, target=0.95, rules=["quant"])
        m.observe(1, order[:300], gold[order[:300]], _scores(gold))
        point, sigma, remaining, counting = m._last
        low = recall_interval(point, sigma, 0.05)[0]
        doubtful = type(counting)(counting.found, 10_000.0, 9_900, 10_100, 0.01)  # pinned down, says ~0.4 %
        assert doubtful.informative and doubtful.point < low
        w = doubtful.weight / 2
        shown = m._shown(point, sigma, remaining, doubtful)
        assert shown.point == pytest.approx((1 - w) * point + w * low)
        assert shown.low == pytest.approx(doubtful.low) and shown.low < low  # its bound is the lower one
        growing = type(counting)(counting.found, 10_000.0, 9_900, 10_100, -0.01)  # says nothing: weight 0
        assert m._shown(point, sigma, remaining, growing).low == pytest.approx(low)

    def test_the_weight_falls_with_the_spread(self) -> None:
        from review import rate

        def weight(high: int, expected: float = 9.0, decay: float = 0.01) -> float:
            return rate.RateEstimate(50, expected, 0, high, decay).weight

        assert weight(9) == pytest.approx(1.0)
        assert weight(9) > weight(15) > weight(40) > weight(69) == 0.0  # 70 = 7 x 10: none
        assert weight(15) == pytest.approx(1 - np.log(16 / 10) / np.log(rate.MAX_SPREAD))
        assert weight(9, decay=0.0) == 0.0 and weight(9, decay=-0.01) == 0.0

    def test_a_growing_rate_is_not_informative(self) -> None:
        from review import rate

        labels = np.array([0] * 150 + [1, 0] * 30)  # the rate rises along the order
        est = rate.decay_estimate(labels, n_docs=2000)
        assert est is not None and est.decay < 0 and not est.informative

    def test_counts_validation_rows_as_read_not_unread(self) -> None:
        from review import rate

        n = 2000
        gold = np.zeros(n, dtype=int)
        gold[:200:4] = 1  # 50 relevant early in the order
        gold[[1500, 1600]] = 1  # two more, found by a validation sample
        m = StoppingMonitor(n, target=0.95, rules=["ipp"])
        m.set_labelled_outside([1500, 1600, 1700], [1, 1, 0])
        m.observe(1, np.arange(400), gold[:400], None)
        got = m._rate_estimate()
        expected = _as_the_monitor_fits(gold[:400], n - 3, found=52)
        assert got == expected and got.found == 52
        said = m.stops["ipp"].evidence if "ipp" in m.stops else m.status["ipp"]
        assert f"in {n - 400 - 3} unread" in said

    @staticmethod
    def _fitted(n: int, labels: np.ndarray) -> tuple[StoppingMonitor, object]:
        m = StoppingMonitor(n, target=0.95, rules=["ipp"])
        m.observe(1, np.arange(labels.size), labels, None)
        return m, m._rate_estimate()

    def test_a_new_validation_row_is_fitted_again(self) -> None:
        labels = np.array([1, 0, 0, 1] * 40 + [0] * 100)
        m, first = self._fitted(2000, labels)
        m.set_labelled_outside([1900], [0])  # read, not relevant: one document fewer unread
        m.observe(2, np.arange(labels.size), labels, None)
        assert m._rate_estimate().expected_remaining < first.expected_remaining

    def test_a_relabelled_review_is_fitted_again(self) -> None:
        from review import rate

        labels = np.array([1, 0, 0, 1] * 40 + [0] * 100)
        m, first = self._fitted(2000, labels)
        swapped = labels.copy()
        swapped[[0, 1]] = [0, 1]  # same count found, another shape
        m.observe(2, np.arange(labels.size), swapped, None)
        # the fit starts after the first relevant document: what came before was not ranked
        assert m._rate_estimate() == rate.decay_estimate(swapped[2:], 1998, 0.05, found=80) != first

    def test_a_random_start_before_the_first_relevant_is_left_out_of_the_fit(self) -> None:
        from review import rate

        rng = np.random.default_rng(3)
        ranked = (rng.random(600) < 0.6 * np.exp(-np.arange(600) / 60)).astype(int)
        labels = np.concatenate([np.zeros(239, dtype=int), ranked])  # 239 read at random before a model
        m, est = self._fitted(3000, labels)
        start = 239 + int(np.argmax(ranked > 0)) + 1  # the hit that ends the random start counts, but is not fitted
        assert est == rate.decay_estimate(labels[start:], 3000 - start, 0.05, found=int(ranked.sum()))
        whole = rate.decay_estimate(labels, 3000, 0.05)
        assert est.remaining_high < whole.remaining_high  # the flat start no longer props up the tail

    def test_needs_enough_documents_read(self) -> None:
        from review.stopping import RATE_MIN_REVIEWED

        n = 20_000
        labels = np.array([1, 0, 1, 1, 1, 1] + [0] * 40)  # a fit that calls the rest empty
        m = StoppingMonitor(n, target=0.95, rules=["ipp"])
        m.observe(1, np.arange(labels.size), labels, None)
        assert labels.size < RATE_MIN_REVIEWED and m._rate_estimate() is None and "ipp" not in m.stops
        few_negatives = np.array([1, 0] * 10 + [1] * 150)  # 10 non-relevant read: too few
        m = StoppingMonitor(n, target=0.95, rules=["ipp"])
        m.observe(1, np.arange(few_negatives.size), few_negatives, None)
        assert m._rate_estimate() is None

    def test_estimate_keeps_quants_point_while_the_rate_fit_is_not_informative(self) -> None:
        n = 20_000
        gold = np.zeros(n, dtype=int)
        gold[5::11] = 1  # a steady 1 in 11: the fit cannot say how the rate goes on
        order = np.arange(n)
        m = StoppingMonitor(n, target=0.95, rules=["quant"])
        scores = _scores(gold)
        for step, end in enumerate(range(110, 441, 110), start=1):
            m.observe(step, order[:end], gold[order[:end]], scores)
        assert not m._rate_estimate().informative
        assert m.estimate().point == pytest.approx(m.history[-1]["point"])
        assert m.history[-1]["shown_point"] == pytest.approx(m.history[-1]["point"])


def test_the_tail_test_status_keeps_its_p_when_nothing_new_was_read() -> None:
    gold, order = _collection(n=1000, n_rel=40, seed=5, sep=3.0)
    m = StoppingMonitor(gold.size, target=0.95, rules=["chm", "chm-relaxed"])
    scores = _scores(gold)
    m.observe(1, order[:300], gold[order[:300]], scores)
    first = m.status["chm-relaxed"]
    assert first.startswith("Ranked-tail test: p = ") and "p = 1.00" not in first
    m.observe(2, order[:300], gold[order[:300]], scores)  # a retrain, or a sample drawn: no new document read
    assert m.status["chm-relaxed"] == first


def test_the_knee_status_says_when_there_is_no_bend_yet() -> None:
    labels = np.zeros(300, dtype=int)
    labels[[150, 200, 220, 240, 250, 260, 270, 280, 290, 295]] = 1  # relevant ones come faster and faster
    m = StoppingMonitor(5000, target=0.95, rules=["knee"])
    m.observe(1, np.arange(300), labels, None)
    assert m.status["knee"].startswith("Knee: no bend in the gain curve yet (needs ")
    steady = np.zeros(300, dtype=int)
    steady[:40] = 1  # all early: a sharp bend
    m = StoppingMonitor(5000, target=0.95, rules=["knee"])
    m.observe(1, np.arange(300), steady, None)
    assert "as often before the bend as since" in (m.status.get("knee") or m.stops["knee"].evidence)
