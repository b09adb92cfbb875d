"""Recall estimates and stopping tests against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from review import recall as rc
from review.errors import ConfigError


def _gain(pattern: list[tuple[int, int]]) -> np.ndarray:
    """Gain curve from (label, count) runs, e.g. [(1, 10), (0, 190)]."""
    labels = np.concatenate([np.full(count, label) for label, count in pattern])
    return rc.gain_curve(labels)


class TestQBCB:
    @pytest.mark.parametrize(("r", "j"), [(20, 20), (30, 28), (50, 45), (100, 87)])
    def test_threshold_at_080(self, r: int, j: int) -> None:
        assert rc.qbcb_threshold(r, 0.8, 0.05) == j

    def test_too_few_positives_cannot_certify(self) -> None:
        # 1 - 0.8**13 = 0.945 < 0.95, 1 - 0.8**14 = 0.956
        assert rc.qbcb_threshold(13, 0.8, 0.05) is None
        assert rc.qbcb_threshold(14, 0.8, 0.05) == 14
        assert rc.qbcb_threshold(58, 0.95, 0.05) is None

    def test_min_sample_positives(self) -> None:
        assert rc.min_sample_positives(0.8, 0.05) == 14
        assert rc.min_sample_positives(0.95, 0.05) == 59
        assert rc.min_sample_positives(0.7, 0.05) == 9  # 0.7**9 = 0.040, 0.7**8 = 0.058

    def test_bad_levels_raise(self) -> None:
        with pytest.raises(ConfigError):
            rc.qbcb_threshold(30, 1.0, 0.05)
        with pytest.raises(ConfigError):
            rc.min_sample_positives(0.8, 0.0)


class TestKnee:
    def test_knee_point_is_the_bend(self) -> None:
        # 10 relevant then 190 not: distance g_i/10 - i/200 is largest at i = 10
        assert rc.knee_point(_gain([(1, 10), (0, 190)])) == 10
        assert rc.knee_point(_gain([(0, 5), (1, 5), (0, 40)])) == 10

    def test_knee_point_without_relevant(self) -> None:
        assert rc.knee_point(np.zeros(300, dtype=int)) == 0
        assert rc.knee_test(np.zeros(300, dtype=int)).stop is False

    def test_slope_ratio_by_hand(self) -> None:
        # before: 10/10 = 1; after: (10 - 10 + 1)/(200 - 10) = 1/190 -> rho = 190
        assert rc.slope_ratio(_gain([(1, 10), (0, 190)]), 10) == pytest.approx(190.0)
        # 4 relevant in 8, then 2 in the next 12: (4/8) / ((2+1)/12) = 2
        g = _gain([(1, 4), (0, 4), (1, 1), (0, 5), (1, 1), (0, 5)])
        assert rc.slope_ratio(g, 8) == pytest.approx(2.0)

    def test_threshold_depends_on_found(self) -> None:
        # 10 found: threshold 146; rho = number of documents after the knee
        assert rc.knee_test(_gain([(1, 10), (0, 145)])).stop is False  # rho 145
        res = rc.knee_test(_gain([(1, 10), (0, 146)]))
        assert (res.stop, res.rho, res.threshold, res.knee) == (True, 146.0, 146.0, 10)

    def test_threshold_of_many_found(self) -> None:
        # 100 found: threshold 56; rho = documents after the knee
        assert rc.knee_test(_gain([(1, 100), (0, 55)])).stop is False
        assert rc.knee_test(_gain([(1, 100), (0, 56)])).stop is True
        # 150 or more found: threshold 6
        res = rc.knee_test(_gain([(1, 150), (0, 6)]))
        assert (res.threshold, res.stop) == (6.0, True)

    def test_min_reviewed(self) -> None:
        # with under 150 found, rho <= s - found, so s >= 156 whenever it fires;
        # a larger minimum holds it back
        g = _gain([(1, 10), (0, 146)])
        assert rc.knee_test(g).stop is True
        assert rc.knee_test(g, min_reviewed=200).stop is False

    def test_budget_floor(self) -> None:
        # N = 2000, 50 found in the first 50: rho = s - 50 >= 6 early; floor 10*2000/50 = 400
        assert rc.budget_test(_gain([(1, 50), (0, 349)]), 2000).stop is False
        assert rc.budget_test(_gain([(1, 50), (0, 350)]), 2000).stop is True

    def test_budget_stops_at_three_quarters(self) -> None:
        # one relevant: floor 10*2000/1 is out of reach; 75 % of 2000 = 1500
        assert rc.budget_test(_gain([(1, 1), (0, 1498)]), 2000).stop is False
        assert rc.budget_test(_gain([(1, 1), (0, 1499)]), 2000).stop is True


class TestQuant:
    def test_estimate_by_hand(self) -> None:
        # K = 2, U = 1: R = 2/3; var = K^2/(K+U)^4 * 0.5 + 0 = 4/81 * 0.5
        point, sigma = rc.quant_estimate(np.array([1.0, 1.0]), np.array([0.5, 0.5]))
        assert point == pytest.approx(2 / 3)
        assert sigma == pytest.approx(math.sqrt(2 / 81))

    def test_variance_has_both_terms(self) -> None:
        # K = 0.8, U = 0.2: var = 0.64 * (0.16 + 0.16) + 0.16 / 1 = 0.3648
        point, sigma = rc.quant_estimate(np.array([0.8]), np.array([0.2]))
        assert point == pytest.approx(0.8)
        assert sigma**2 == pytest.approx(0.3648)

    def test_all_zero(self) -> None:
        assert rc.quant_estimate(np.zeros(3), np.zeros(3)) == (0.0, 0.0)

    def test_ci_test(self) -> None:
        assert rc.quant_ci_test(0.97, 0.01, 0.95) is True
        assert rc.quant_ci_test(0.97, 0.011, 0.95) is False
        assert rc.quant_ci_test(0.95, 0.5, 0.95, nstd=0.0) is True


class TestHypergeometric:
    def test_pvalue_by_hand(self) -> None:
        # 8 found before; H0 needs >= floor(8/0.8) - 8 + 1 = 3 relevant in the pool of 10.
        # P(0 of 3 in 5 draws) = C(7,5)/C(10,5) = 21/252
        assert rc.hypergeom_pvalue(0, 5, 10, 8, 0.8) == pytest.approx(21 / 252)

    def test_more_draws_lower_p(self) -> None:
        p5 = rc.hypergeom_pvalue(0, 5, 100, 40, 0.9)
        p50 = rc.hypergeom_pvalue(0, 50, 100, 40, 0.9)
        assert p50 < p5

    def test_found_in_sample_raises_the_bar(self) -> None:
        # k = 1: found = 9, K_tar = floor(9/0.8) - 8 + 1 = 4; P(X <= 1), X ~ H(10, 4, 5)
        expected = (math.comb(6, 5) + 4 * math.comb(6, 4)) / math.comb(10, 5)
        assert rc.hypergeom_pvalue(1, 5, 10, 8, 0.8) == pytest.approx(expected)

    def test_ranked_tail_takes_the_best_start(self) -> None:
        # 8 relevant in 8, then 5 not, N = 30. Best start i = 8: pool 22, K_tar = 3, 0 in 5:
        # C(19,5)/C(22,5); i = 7 gives (C(19,6) + 4 C(19,5))/C(23,6), i = 12 gives 15/18
        g = _gain([(1, 8), (0, 5)])
        best = rc.ranked_tail_pvalue(g, 30, 0.8)
        assert best == pytest.approx(math.comb(19, 5) / math.comb(22, 5))
        by_start = [rc.hypergeom_pvalue(int(g[-1] - g[i - 1]), 13 - i, 30 - i, int(g[i - 1]), 0.8) for i in range(1, 13)]
        assert best == pytest.approx(min(by_start))
        assert rc.ranked_tail_pvalue(np.zeros(10, dtype=int), 20, 0.8) == 1.0

    def test_impossible_null(self) -> None:
        assert rc.hypergeom_pvalue(0, 1, 2, 8, 0.8) == 0.0


class TestElusion:
    @staticmethod
    def _none_in_sample(n: int, big_k: int, s: int) -> float:
        """P(a random sample of s from n holds none of big_k relevant), by the product formula."""
        return float(np.prod([(n - big_k - i) / (n - i) for i in range(s)]))

    def test_relevant_left_upper_by_hand(self) -> None:
        # the largest K for which a sample of 10 from 100 with no relevant has P > 0.05
        by_hand = max(big_k for big_k in range(0, 91) if self._none_in_sample(100, big_k, 10) > 0.05)
        assert rc.relevant_left_upper(0, 10, 100, 0.05) == by_hand == 24
        # a binomial (infinite pool) bound says more may be left: 25.9 of 100
        assert by_hand < (1 - 0.05 ** (1 / 10)) * 100

    def test_recall_bound_by_hand(self) -> None:
        assert rc.elusion_recall_bound(90, 0, 10, 100, 0.05) == pytest.approx(90 / (90 + 24))
        assert rc.elusion_recall_bound(0, 0, 10, 100, 0.05) == 0.0

    def test_a_sample_of_everything_left_is_a_count(self) -> None:
        # an audit labelled all 761 unreviewed documents and found 1: recall is 44 / 45, not a bound below it
        assert rc.relevant_left_upper(1, 761, 761, 0.05) == 1
        assert rc.elusion_recall_bound(44, 1, 761, 761, 0.05) == pytest.approx(44 / 45)

    def test_sample_size_zero_events(self) -> None:
        # at most 95 x 0.05 / 0.95 = 5 may be left: the first s at which 6 left would show up with P >= 0.95
        by_hand = next(s for s in range(1, 1001) if self._none_in_sample(1000, 6, s) <= 0.05)
        size = rc.elusion_sample_size(95, 1000, 0.95, 0.05)
        assert size == by_hand and size < 598  # 598 with the binomial bound
        assert rc.elusion_recall_bound(95, 0, size, 1000, 0.05) >= 0.95
        assert rc.elusion_recall_bound(95, 0, size - 1, 1000, 0.05) < 0.95

    def test_sample_size_meets_the_bound_exactly_when_the_allowance_is_whole(self) -> None:
        # 40 found at 80 %: 10 may be left, though 40 x 0.2 / 0.8 comes out as 9.999... in floating point
        size = rc.elusion_sample_size(40, 2000, 0.8, 0.05)
        assert rc.elusion_recall_bound(40, 0, size, 2000, 0.05) >= 0.8 > rc.elusion_recall_bound(40, 0, size - 1, 2000, 0.05)

    def test_sample_size_refuses_what_no_sample_can_do(self) -> None:
        assert rc.elusion_sample_size(0, 1000, 0.95, 0.05) is None  # nothing found: no bound above 0
        assert rc.elusion_sample_size(5, 3, 0.5, 0.05, events=5) is None  # more events than documents

    def test_sample_size_when_nothing_may_be_left(self) -> None:
        # 5 found at 95 %: not one more may be left, so 1 left must show up with P >= 0.95: s >= 950
        assert rc.elusion_sample_size(5, 1000, 0.95, 0.05) == 950
        assert rc.elusion_sample_size(5, 1000, 0.95, 0.05, events=1) is None


class TestPlatt:
    def test_recovers_a_known_map(self) -> None:
        rng = np.random.default_rng(0)
        s = rng.uniform(0.01, 0.99, 20_000)
        p = rc.platt_apply(s, 2.0, -1.0)
        y = (rng.uniform(size=s.size) < p).astype(int)
        a, b = rc.platt_fit(s, y)
        assert a == pytest.approx(2.0, abs=0.1)
        assert b == pytest.approx(-1.0, abs=0.1)

    def test_separated_sample_stays_finite(self) -> None:
        a, b = rc.platt_fit(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1]))
        assert np.isfinite([a, b]).all()
        p = rc.platt_apply(np.array([0.1, 0.9]), a, b)
        assert 0 < p[0] < 0.5 < p[1] < 1

    def test_one_class_is_identity(self) -> None:
        assert rc.platt_fit(np.array([0.2, 0.4]), np.array([0, 0])) == (1.0, 0.0)
