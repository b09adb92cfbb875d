"""The peers' stopping advice against ours: "N irrelevant in a row" on our ranking and on ASReview's.

ASReview LAB's advice for when to stop is a data-driven heuristic: stop after N
consecutive irrelevant records, N = 50, 100, 250, ... chosen by the user "dependent
on the size of the dataset" (asreview/asreview discussion #557); its screen shows
the counter. This script applies that rule, at several N, to

- our ranked reviews: the ledgers `stopping_bench.py` saved (same engine folder,
  `--batch` as there), next to our default suggestion at the target (the `default`
  stop in the bench's results file for that folder);
- ASReview's own reviews: the orders `asreview_peer.py` cached (same priors per
  seed). ASReview runs until the last relevant document, so a rule that has not
  fired by then fires N documents later, or at the end of the collection, with
  every relevant document found. Runs capped with --n-stop are left out (stderr
  names them).

Per collection, and over the collections given, it prints for each rule: runs,
reliability (share of runs whose recall at the stop reaches the target), mean and
lowest recall at the stop, mean documents read, and mean cost / oracle (documents
read / the documents this same run needed to reach the target, as in
`stopping_bench.py`). A rule that never fires reads everything.

    /work/venv/bin/python benchmarks/stopping_peers.py [--seeds 1-15] [--target 0.95]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from stopping_bench import BENCH, COLLECTIONS, ledger_dir, parse_seeds  # noqa: E402

ASREVIEW_RUNS = ROOT / "benchmarks" / "out" / "asreview"
RUNS_IN_A_ROW = (50, 100, 250)
"""The N values ASReview's advice names first."""


def in_a_row_stop(y: np.ndarray, n_docs: int, run: int, complete: bool) -> int | None:
    """Documents read when `run` irrelevant documents in a row were first seen.

    Args:
        y: Gold labels in reading order (a prefix of the collection when not `complete`).
        n_docs: Documents in the collection.
        run: The N of "N irrelevant in a row".
        complete: True when every relevant document is in `y` (the rest is irrelevant).

    Returns:
        The stop (1-based count of documents read), n_docs if the collection runs out
        first, or None when `y` ends before the rule fires and more relevant ones may follow.
    """
    streak = 0
    for i, label in enumerate(y, start=1):
        streak = 0 if label else streak + 1
        if streak >= run:
            return i
    if y.size == n_docs:
        return n_docs
    if complete:
        return min(n_docs, y.size + run - streak)
    return None


def oracle(y: np.ndarray, total: int, target: float) -> int:
    """Documents this run needed to reach `target` recall."""
    return int(np.flatnonzero(np.cumsum(y) >= math.ceil(target * total - 1e-9))[0]) + 1


def our_runs(name: str, seeds: list[int], folder: Path, target: float) -> dict[str, list[dict]]:
    """Stops on our ledgers in `folder`: the default suggestion and each N in a row."""
    results = folder / f"results_{name}.json"
    default = {}
    if results.exists():
        default = {r["seed"]: r["stops"]["default"]["at"] for r in json.loads(results.read_text())
                   if abs(r["target"] - target) < 1e-9}
    rows: dict[str, list[dict]] = {}
    missing = [s for s in seeds if not (folder / f"{name}_{s}.npz").exists()]
    if missing:
        print(f"{name}: no ledger of ours for {len(missing)} of {len(seeds)} seeds in {folder} "
              "(run stopping_bench.py first, or pass --ledgers)", file=sys.stderr)
    for seed in seeds:
        path = folder / f"{name}_{seed}.npz"
        if not path.exists():
            continue
        led = np.load(path)
        gold = led["gold"]
        y = gold[led["order"]]
        total, n = int(gold.sum()), gold.size
        base = {"n": n, "oracle": oracle(y, total, target)}
        if seed in default:
            at = default[seed] or n
            rows.setdefault(f"ours: default suggestion (τ = {target:g})", []).append(
                {**base, "at": at, "recall": float(y[:at].sum()) / total})
        for run in RUNS_IN_A_ROW:
            at = in_a_row_stop(y, n, run, complete=True)
            rows.setdefault(f"ours: {run} irrelevant in a row", []).append(
                {**base, "at": at, "recall": float(y[:at].sum()) / total})
    return rows


def asreview_runs(name: str, seeds: list[int], target: float) -> dict[str, list[dict]]:
    """Stops of each N in a row on ASReview's cached orders."""
    gold = None
    rows: dict[str, list[dict]] = {}
    for seed in seeds:
        path = ASREVIEW_RUNS / f"{name}.seed{seed}.json"
        if not path.exists():
            continue
        run_data = json.loads(path.read_text())
        if run_data.get("n_stop") is not None:
            print(f"{name} seed {seed}: ASReview run capped with --n-stop, left out", file=sys.stderr)
            continue
        if gold is None:
            gold = np.asarray(_gold(name))
        y = gold[np.asarray(run_data["order"], dtype=int)]
        total, n = int(gold.sum()), gold.size
        if int(y.sum()) != total:  # uncapped runs read until the last relevant document
            sys.exit(f"{path}: the order misses relevant documents; re-run asreview_peer.py")
        base = {"n": n, "oracle": oracle(y, total, target)}
        for run in RUNS_IN_A_ROW:
            at = in_a_row_stop(y, n, run, complete=True)
            recall = float(y[:at].sum()) / total if at <= y.size else 1.0
            rows.setdefault(f"ASReview: {run} irrelevant in a row", []).append({**base, "at": at, "recall": recall})
    return rows


def _gold(name: str) -> list[int]:
    import csv

    csv.field_size_limit(sys.maxsize)
    with (BENCH / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
        return [int(row["label"]) for row in csv.DictReader(fh)]


def table(rows: dict[str, list[dict]], target: float, label: str) -> str:
    """Markdown table: one row per rule."""
    out = [f"\n### {label}, target {target:g}\n",
           "| rule | runs | reliability | mean recall | min recall | mean read | mean cost / oracle |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for rule, runs in rows.items():
        rec = np.asarray([r["recall"] for r in runs])
        read = np.asarray([r["at"] for r in runs], dtype=float)
        cost = np.asarray([r["at"] / r["oracle"] for r in runs])
        out.append(f"| {rule} | {len(runs)} | {np.mean(rec >= target - 1e-9):.3f} | {rec.mean():.3f} | "
                   f"{rec.min():.3f} | {read.mean():.0f} | {cost.mean():.2f} |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", default=",".join(COLLECTIONS))
    parser.add_argument("--seeds", default="1-15")
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--batch", default="autotar", help="which of stopping_bench's ledger folders to read")
    parser.add_argument("--ledgers", type=Path, default=None,
                        help="read our ledgers from this folder instead (e.g. another checkout's cache)")
    args = parser.parse_args()
    folder = args.ledgers or ledger_dir(args.batch)
    if not BENCH.exists():
        sys.exit(f"no bench data at {BENCH}")
    seeds = parse_seeds(args.seeds)
    overall: dict[str, list[dict]] = {}
    per_collection = []
    for name in args.collections.split(","):
        rows = {**our_runs(name, seeds, folder, args.target), **asreview_runs(name, seeds, args.target)}
        if not rows:
            print(f"{name}: no ledgers or ASReview runs for seeds {args.seeds}", file=sys.stderr)
            continue
        per_collection.append(table(rows, args.target, name))
        for rule, runs in rows.items():
            overall.setdefault(rule, []).extend(runs)
    print(f"ledgers: {folder}; ASReview runs: {ASREVIEW_RUNS}")
    print(table(overall, args.target, "all collections given"))
    print("\n".join(per_collection))


if __name__ == "__main__":
    main()
