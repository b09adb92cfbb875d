"""Why no sample-free rule stops the systematic reviews at 1.5x the oracle: PPI's dry spell against the others' tails.

A rule that costs at most 1.5x the oracle on a run must fire by 1.5 x n95 (n95:
documents this run needed to reach the target). A rule that keeps its promise
must not fire while recall is below the target. This script reads the cached
ledgers of `stopping_bench.py` (same engine folder) and, for each systematic
review and seed, measures the evidence three families of sample-free rules
see at those two moments:

- the ranked-tail test (`recall.ranked_tail_pvalue`, what `chm` and
  `chm-relaxed` threshold): its p-value at 1.5 x n95, and the smallest p-value
  it showed anywhere from 150 documents read up to n95 (recall still below
  the target);
- the dry spell (documents since the last relevant one) as a share of the
  documents read, at 1.5 x n95 and its largest value before n95;
- Quant's point estimate of recall (calibrated scores, at batch ends), at the
  last batch end by 1.5 x n95 and its largest value before n95.

Then, for a range of p-value levels, the share of runs a tail test at that
level stops by 1.5 x n95 and the share it stops below the target.

    /work/venv/bin/python benchmarks/stopping_conflict.py [--target 0.95] [--seeds 1-30]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from stopping_bench import OUT, parse_seeds  # noqa: E402

from review import recall as rc  # noqa: E402
from review.stopping import StoppingMonitor  # noqa: E402

REVIEWS = ("sr_cohen2006_adhd", "sr_cohen2006_ppi", "sr_kitchenham2010", "sr_nagtegaal2019")
MIN_READ = 150
COST = 1.5


def evidence(path: Path, target: float) -> dict[str, float]:
    """The three families' evidence at 1.5 x n95 ("by") and the most stop-worthy before n95 ("before")."""
    led = np.load(path)
    order, ends, scores, gold = led["order"], led["ends"], led["scores"], led["gold"]
    y = gold[order]
    gain = np.cumsum(y)
    n = y.size
    n95 = int(np.flatnonzero(gain >= math.ceil(target * gain[-1] - 1e-9))[0]) + 1
    by = min(n, math.floor(COST * n95))

    def p_at(s: int) -> float:
        return rc.ranked_tail_pvalue(gain[:s], n, target, max(1, s // 100))

    pos = np.arange(1, n + 1)
    dry = (pos - np.maximum.accumulate(np.where(y == 1, pos, 0))) / pos
    early = range(MIN_READ, n95, 5)
    monitor = StoppingMonitor(n, target=target, rules=("quant",), default=("any", ("quant",)))
    quant_by, quant_before = 0.0, 0.0
    for step, end in enumerate(ends, start=1):
        if end > by:
            break
        monitor.observe(step, order[:end], y[:end], scores[step - 1])
        if monitor.history:
            point = monitor.history[-1]["point"]
            quant_by = point
            if end < n95:
                quant_before = max(quant_before, point)
    return {
        "p_by": p_at(by), "p_before": min((p_at(s) for s in early), default=1.0),
        "dry_by": float(dry[by - 1]), "dry_before": float(dry[MIN_READ - 1:n95 - 1].max(initial=0.0)),
        "quant_by": quant_by, "quant_before": quant_before,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--seeds", default="1-30")
    parser.add_argument("--ledgers", type=Path, default=OUT, help=f"folder of .npz ledgers (default {OUT})")
    args = parser.parse_args()
    seeds = parse_seeds(args.seeds)
    runs: dict[str, list[dict[str, float]]] = {}
    for name in REVIEWS:
        paths = [args.ledgers / f"{name}_{seed}.npz" for seed in seeds]
        missing = [p.name for p in paths if not p.exists()]
        if missing:
            sys.exit(f"missing ledgers in {args.ledgers} ({', '.join(missing[:3])}…): run benchmarks/stopping_bench.py first")
        runs[name] = [evidence(p, args.target) for p in paths]
        print(f"\r{name}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    print(f"target {args.target}, seeds {args.seeds}, ledgers {args.ledgers}\n")
    print(f"| collection | tail-test p at {COST}x n95 (median, max) | smallest p before n95 (median, min) "
          f"| dry/read at {COST}x (median, min) | largest dry/read before n95 (median, max) "
          f"| Quant recall at {COST}x (median) | largest Quant recall before n95 (median) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, rows in runs.items():
        col = {k: np.array([r[k] for r in rows]) for k in rows[0]}
        print(f"| {name} | {np.median(col['p_by']):.2f}, {col['p_by'].max():.2f} "
              f"| {np.median(col['p_before']):.2f}, {col['p_before'].min():.2f} "
              f"| {np.median(col['dry_by']):.2f}, {col['dry_by'].min():.2f} "
              f"| {np.median(col['dry_before']):.2f}, {col['dry_before'].max():.2f} "
              f"| {np.median(col['quant_by']):.2f} | {np.median(col['quant_before']):.2f} |")
    print(f"\n| tail test at p < | stops by {COST}x n95 (all / per collection) | stops below {args.target} (all / per collection) |")
    print("|---:|---|---|")
    for level in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        by = {k: np.mean([r["p_by"] < level for r in rows]) for k, rows in runs.items()}
        bad = {k: np.mean([r["p_before"] < level for r in rows]) for k, rows in runs.items()}
        print(f"| {level:g} | {np.mean(list(by.values())):.2f} / " + " ".join(f"{v:.2f}" for v in by.values())
              + f" | {np.mean(list(bad.values())):.2f} / " + " ".join(f"{v:.2f}" for v in bad.values()) + " |")
    print("\n(per collection in the order " + ", ".join(runs) + ")")


if __name__ == "__main__":
    main()
