"""Sweep families of sample-free stopping heuristics over cached review ledgers: the cost/reliability frontier.

`stopping_bench.py` measures the rules the product ships. This script asks a
wider question: is there *any* simple rule that needs no random sample and
reaches the target recall in >= 95 % of runs at <= 1.5x the oracle cost? It
reads the ledgers stopping_bench.py saved (benchmarks/out/stopping/<engine>/),
so run that first for the seeds you want, then:

    /work/venv/bin/python benchmarks/stopping_frontier.py --target 0.95

The first row is no rule but a yardstick: stopping right at the last relevant
document (hindsight), i.e. what a rule that never misses anything costs at best.

Families (every one a function of the review order and its labels, plus the
scores for `quantwin`):

- `rho>=c`: the knee's slope ratio reaches a constant c (Cormack & Grossman's
  threshold is 156 - min(found, 150); a constant lets small collections fire),
  at least 150 documents read.
- `dry b/m`: documents read since the last relevant one >= max(m, b x the
  position of that last relevant one).
- `chm p<a`: Callaghan & Muller-Hansen's test on the ranked tail taken as random
  (the shipped `chm` rule uses a = 0.05); the tail of a ranking is richer than
  a random sample, so a larger a may still be safe.
- `knee+10 | chm p<a`: the session-1 suggestion (a = 0.05) and the same with a larger a.
- `knee+m`, `knee+m | chm p<0.3`: the knee rule with other safety margins.
- `rate form`: a point process on the review order (after Stevenson &
  Bin-Hezam, TOIS 2024): a rate lambda(x) of relevant documents at position x
  (exponential a*exp(-bx), hyperbolic a/(1+bx) or power a*x^-b) fitted by
  maximum likelihood to what was read, at least 150 read; stop when
  found / (found + the 95 % Poisson quantile of the predicted remainder) >= target.
- `quantwin W k`: Quant (R = K/(K+U)) with the Platt map fitted on the last W
  served documents only (not all of them), stop when R - k sigma >= target.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import optimize, stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from stopping_bench import OUT, parse_seeds  # noqa: E402

from review import recall as rc  # noqa: E402
from review.stopping import StoppingMonitor  # noqa: E402

MIN_READ = 150


class Ledger:
    """One cached replay: the review order, its labels and the batch ends."""

    def __init__(self, path: Path, target: float) -> None:
        led = np.load(path)
        self.name = path.stem.rsplit("_", 1)[0]
        self.order, self.ends, self.scores, self.gold = led["order"], led["ends"], led["scores"], led["gold"]
        self.y = self.gold[self.order]
        self.gain = np.cumsum(self.y)
        self.total = int(self.gold.sum())
        self.n = self.y.size
        self.oracle = int(np.flatnonzero(self.gain >= math.ceil(target * self.total - 1e-9))[0]) + 1


def rho_curve(led: Ledger) -> np.ndarray:
    """Slope ratio at the knee after each document (every 5th on long ledgers)."""
    step = 1 if led.n < 3000 else 5
    rho = np.zeros(led.n + 1)
    for s in range(MIN_READ, led.n + 1, step):
        gain = led.gain[:s]
        rho[s] = rc.slope_ratio(gain, rc.knee_point(gain))
    return rho


def rate_fn(y: np.ndarray, form: str) -> Callable[[np.ndarray], np.ndarray]:
    """Maximum-likelihood rate of relevant documents by review position (Bernoulli per position)."""
    x = np.arange(1, y.size + 1, dtype=float)

    def rate(theta: np.ndarray, xx: np.ndarray) -> np.ndarray:
        a, b = math.exp(theta[0]), math.exp(theta[1])
        if form == "exp":
            return a * np.exp(-b * xx)
        if form == "hyp":
            return a / (1 + b * xx)
        return a * xx ** (-b)

    def nll(theta: np.ndarray) -> float:
        lam = np.clip(rate(theta, x), 1e-12, 1 - 1e-9)
        return -float(np.sum(y * np.log(lam) + (1 - y) * np.log1p(-lam)))

    starts = ([math.log(max(y.mean(), 1e-3)), math.log(1.0 / y.size)], [0.0, 0.0], [math.log(0.5), math.log(0.01)])
    best = min((optimize.minimize(nll, s, method="Nelder-Mead") for s in starts), key=lambda r: r.fun)
    return lambda xx: np.clip(rate(best.x, xx), 0, 1)


def stop_rho(led: Ledger, rho: np.ndarray, c: float) -> int:
    hit = np.flatnonzero(rho >= c)
    return int(hit[0]) if hit.size else led.n


def chm_curve(led: Ledger, target: float) -> tuple[np.ndarray, np.ndarray]:
    """Positions and the ranked-tail p-value there (the monitor's 1 % start-point grid)."""
    at = np.arange(2, led.n + 1, max(1, led.n // 400))
    p = np.array([rc.ranked_tail_pvalue(led.gain[:s], led.n, target, max(1, s // 100)) for s in at])
    return at, p


def stop_chm(led: Ledger, curve: tuple[np.ndarray, np.ndarray], alpha: float) -> int:
    at, p = curve
    hit = np.flatnonzero(p < alpha)
    return int(at[hit[0]]) if hit.size else led.n


def stop_knee(led: Ledger, rho: np.ndarray, margin: float = 0.1) -> int:
    """Cormack & Grossman's knee rule, then `margin` more documents (the shipped `knee+10` is 0.1)."""
    found = np.concatenate([[0], led.gain])
    hit = np.flatnonzero((rho >= rc.KNEE_BASE - np.minimum(found, rc.KNEE_CAP)) & (rho > 0))
    return min(led.n, math.ceil(int(hit[0]) * (1 + margin))) if hit.size else led.n


def stop_dry(led: Ledger, beta: float, minimum: int) -> int:
    pos = np.arange(1, led.n + 1)
    last = np.maximum.accumulate(np.where(led.y == 1, pos, 0))
    hit = np.flatnonzero((pos - last >= np.maximum(minimum, beta * last)) & (pos >= MIN_READ))
    return int(hit[0]) + 1 if hit.size else led.n


def stop_rate(led: Ledger, form: str, target: float, alpha: float = 0.05) -> int:
    for end in led.ends:
        if end < MIN_READ:
            continue
        rate = rate_fn(led.y[:end].astype(float), form)
        expected = float(rate(np.arange(end + 1, led.n + 1, dtype=float)).sum())
        found = float(led.gain[end - 1])
        if found / (found + stats.poisson.ppf(1 - alpha, expected)) >= target:
            return int(end)
    return led.n


class WindowMonitor(StoppingMonitor):
    """Quant with the Platt map fitted on the last `window` served documents only."""

    window = 0

    def calibrated(self, scores: np.ndarray) -> np.ndarray:
        s, lab = np.asarray(self._cal_scores), np.asarray(self._cal_labels)
        if self.window:
            s, lab = s[-self.window:], lab[-self.window:]
        a, b = rc.platt_fit(s, lab, raw=True)
        return rc.platt_apply(rc.standardized_logits(scores), a, b, raw=True)


def stops_quantwin(led: Ledger, window: int, ks: tuple[float, ...], target: float) -> dict[float, int]:
    mon = WindowMonitor(led.n, target=target, rules=("quant",), default=("any", ("quant",)))
    mon.window = window
    out: dict[float, int] = {}
    for step, end in enumerate(led.ends, start=1):
        mon.observe(step, led.order[:end], led.y[:end], led.scores[step - 1])
        if mon.history:
            h = mon.history[-1]
            for k in ks:
                if k not in out and h["point"] - k * h["sigma"] >= target:
                    out[k] = int(end)
        if len(out) == len(ks):
            break
    return {k: out.get(k, led.n) for k in ks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--ledgers", type=Path, default=OUT, help=f"folder of .npz ledgers (default {OUT})")
    parser.add_argument("--seeds", default=None, help="only these seeds, e.g. 11-30 (default: every ledger)")
    parser.add_argument("--no-rate", action="store_true", help="skip the point-process fits (the slow family)")
    args = parser.parse_args()
    paths = sorted(args.ledgers.glob("*.npz"))
    if args.seeds:
        keep = set(parse_seeds(args.seeds))
        paths = [p for p in paths if int(p.stem.rsplit("_", 1)[1]) in keep]
    if not paths:
        sys.exit(f"no ledgers in {args.ledgers}: run benchmarks/stopping_bench.py first")
    target = args.target
    stops: dict[str, list[tuple[Ledger, int]]] = {}
    for i, path in enumerate(paths, 1):
        led = Ledger(path, target)
        stops.setdefault("hindsight: the last relevant document", []).append((led, int(np.flatnonzero(led.y)[-1]) + 1))
        rho = rho_curve(led)
        chm = chm_curve(led, target)
        for alpha in (0.05, 0.1, 0.2, 0.3, 0.5):
            stops.setdefault(f"chm p<{alpha:g}", []).append((led, stop_chm(led, chm, alpha)))
            stops.setdefault(f"knee+10 | chm p<{alpha:g}", []).append(
                (led, min(stop_knee(led, rho), stop_chm(led, chm, alpha))))
        for margin in (0.0, 0.1, 0.2, 0.3, 0.5):
            stops.setdefault(f"knee+{margin:.0%}", []).append((led, stop_knee(led, rho, margin)))
            stops.setdefault(f"knee+{margin:.0%} | chm p<0.3", []).append(
                (led, min(stop_knee(led, rho, margin), stop_chm(led, chm, 0.3))))
        for c in (6, 10, 15, 20, 30, 50):
            stops.setdefault(f"rho>={c}", []).append((led, stop_rho(led, rho, c)))
        for beta in (0.5, 0.8, 1.0, 1.3):
            for minimum in (50, 100):
                stops.setdefault(f"dry {beta}/{minimum}", []).append((led, stop_dry(led, beta, minimum)))
        if not args.no_rate:
            for form in ("exp", "hyp", "pow"):
                stops.setdefault(f"rate {form}", []).append((led, stop_rate(led, form, target)))
        for window in (100, 200, 0):
            for k, at in stops_quantwin(led, window, (0.0, 2.0), target).items():
                stops.setdefault(f"quantwin {window or 'all'} {k:g}", []).append((led, at))
        print(f"\r{i}/{len(paths)} ledgers", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    names = sorted({led.name for led, _ in next(iter(stops.values()))})
    print(f"target {target}; {len(paths)} ledgers from {args.ledgers}\n")
    print("| rule | reliability | mean cost / oracle | " + " | ".join(n.replace("sr_", "") for n in names) + " |")
    print("|---|---:|---:|" + "---:|" * len(names))
    for rule, runs in stops.items():
        rec = np.array([led.gain[at - 1] / led.total for led, at in runs])
        cost = np.array([at / led.oracle for led, at in runs])
        ok = rec >= target - 1e-9
        per = []
        for name in names:
            mask = np.array([led.name == name for led, _ in runs])
            per.append(f"{ok[mask].mean():.2f} / {cost[mask].mean():.2f}")
        print(f"| {rule} | {ok.mean():.3f} | {cost.mean():.2f} | " + " | ".join(per) + " |")


if __name__ == "__main__":
    main()
