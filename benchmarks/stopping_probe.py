"""Where the counting-process rule stops too early, would a look at the nearest neighbours catch it?

When `ipp` fires, rank the unread documents by their largest cosine similarity
(the engine's TF-IDF features) to any relevant document found so far, and count
the relevant ones among the first k. If the ranking had missed a sub-topic
that sits next to something found, this probe, cheap next to a random sample,
would find it and keep the review going.

Reads the AutoTAR ledgers that `stopping_bench.py` saved (run that first):

    nice -n 10 /work/venv/bin/python benchmarks/stopping_probe.py --seeds 1-30
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

from stopping_bench import BENCH, COLLECTIONS, ledger_dir, parse_seeds  # noqa: E402

from review.ranker import TermVectorizer  # noqa: E402
from review.simulate import load_tokens, read_labelled  # noqa: E402
from review.stopping import ipp_may_fire, ranked_rate_estimate  # noqa: E402

PROBE_SIZES = (10, 20, 40)


def ipp_stop(order: np.ndarray, ends: np.ndarray, gold: np.ndarray, target: float, alpha: float = 0.05) -> int | None:
    """Documents read when the ipp rule fires (as the monitor checks it: at batch ends)."""
    gain = np.cumsum(gold[order])
    n = gold.size
    return next((int(e) for e in ends if ipp_may_fire(int(e), int(gain[e - 1]))
                 and (est := ranked_rate_estimate(gold[order[:e]], n, alpha)) is not None and est.low >= target), None)


def probe_hits(features, order: np.ndarray, at: int, gold: np.ndarray) -> list[int]:  # type: ignore[no-untyped-def]
    """Relevant documents among the PROBE_SIZES unread documents most like a relevant one read."""
    read = order[:at]
    unread = np.setdiff1d(np.arange(gold.size), read)
    found = read[gold[read] == 1]
    similarity = (features[unread] @ features[found].T).max(axis=1).toarray().ravel()
    ranked = unread[np.argsort(-similarity, kind="stable")]
    return [int(gold[ranked[:k]].sum()) for k in PROBE_SIZES]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collections", default=",".join(COLLECTIONS))
    parser.add_argument("--seeds", default="1-30")
    parser.add_argument("--target", type=float, default=0.95)
    args = parser.parse_args()
    folder = ledger_dir("autotar")
    print(f"ipp at target {args.target}; probe = the k unread documents most like a relevant one found\n")
    print("| collection | runs | ipp stopped short | relevant left there (mean) | "
          + " | ".join(f"hits in top {k} (runs with any)" for k in PROBE_SIZES) + " |")
    print("|---|---:|---:|---:|" + "---:|" * len(PROBE_SIZES))
    where: list[str] = []
    for name in args.collections.split(","):
        data = read_labelled(BENCH / f"{name}.csv")
        features = TermVectorizer().fit(load_tokens(data)).matrix_  # rows L2-normalised
        short, left, caught = 0, [], np.zeros(len(PROBE_SIZES), dtype=int)
        read_share, found, dry, oracle = [], [], [], []
        seeds = parse_seeds(args.seeds)
        for seed in seeds:
            path = folder / f"{name}_{seed}.npz"
            if not path.exists():
                sys.exit(f"no ledger {path}: run benchmarks/stopping_bench.py first")
            led = np.load(path)
            order, ends, gold = led["order"], led["ends"], led["gold"]
            at = ipp_stop(order, ends, gold, args.target)
            total = int(gold.sum())
            gain = np.cumsum(gold[order])
            oracle.append((int(np.flatnonzero(gain >= math.ceil(args.target * total - 1e-9))[0]) + 1) / gold.size)
            if at is not None:  # what the rule saw when it fired
                hits = np.flatnonzero(gold[order[:at]])
                read_share.append(at / gold.size)
                found.append(hits.size)
                dry.append(at - (int(hits[-1]) + 1))
            if at is None or gold[order[:at]].sum() >= math.ceil(args.target * total - 1e-9):
                continue
            short += 1
            left.append(total - int(gold[order[:at]].sum()))
            caught += np.asarray(probe_hits(features, order, at, gold)) > 0
        mean_left = f"{np.mean(left):.1f}" if left else "–"
        print(f"| {name} | {len(seeds)} | {short} | {mean_left} | "
              + " | ".join(str(c) for c in caught) + " |", flush=True)
        if read_share:
            where.append(f"| {name} | {len(read_share)} | {np.median(read_share):.1%} | {np.median(found):.0f} | "
                         f"{np.median(dry):.0f} ({min(dry)}–{max(dry)}) | {np.median(oracle):.1%} |")
    print("\nWhere ipp fired (medians over the runs where it did)\n")
    print("| collection | runs | share of the collection read | relevant found | read since the last relevant (range) "
          f"| share read at the oracle stop ({args.target:.0%} recall) |")
    print("|---|---:|---:|---:|---:|---:|")
    print("\n".join(where))


if __name__ == "__main__":
    main()
