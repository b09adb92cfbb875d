"""Stopping rules on the low-prevalence bench collections: reliability, recall and cost.

Two phases, both cached in benchmarks/out/stopping/:

1. replay: for each collection and seed, a ranked review with review.engine.Engine
   (relevance, AutoTAR batches: 1, then +ceil(B/10); or N documents per retrain
   with --batch N, in a folder of their own), from the shared priors
   (simulate.default_priors). Once every relevant document is found the model
   is frozen and the rest is read in its last order (recall no longer changes;
   the rules still see the last scores). The ledger (order, batch ends, scores
   at each batch end) is saved as .npz, in a folder named after a hash of
   review/engine.py and review/ranker.py, so one table never mixes engines.
2. evaluate: each ledger is fed to review.stopping.StoppingMonitor (gold labels
   as the oracle, seed = run seed) at each target; every rule's stop and the
   oracle cost (documents this run needed to reach the target) are tabulated.

A rule that never fires counts as reading the whole collection (recall 1.0),
which is what a reviewer following it would do; the `fired` column says how
often that happened.

Usage:
    nice -n 10 /work/venv/bin/python benchmarks/stopping_bench.py --seeds 1-30
    nice -n 10 /work/venv/bin/python benchmarks/stopping_bench.py --collections sr_cohen2006_adhd --seeds 1-5
    /work/venv/bin/python benchmarks/stopping_bench.py --seeds 1-30 --no-replay   # tables from cached ledgers
    nice -n 10 /work/venv/bin/python benchmarks/stopping_bench.py --collections sr_cohen2006_ppi --batch 1  # retrain per decision
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH = ROOT / ".." / "shared" / "bench"
_TEXT_VERSION = re.search(rb"^TOKEN_CACHE_VERSION = (\d+)", (ROOT / "review" / "simulate.py").read_bytes(), re.M)
ENGINE_KEY = hashlib.sha1(b"".join((ROOT / "review" / f).read_bytes() for f in ("engine.py", "ranker.py"))
                          + (b"" if _TEXT_VERSION is None or _TEXT_VERSION[1] == b"2" else b"text" + _TEXT_VERSION[1])
                          ).hexdigest()[:8]
"""Ledgers are cached per version of the ranking code and of the text it reads (simulate's
TOKEN_CACHE_VERSION; version 2 keeps the older keys), so one table never mixes engines."""
OUT = ROOT / "benchmarks" / "out" / "stopping" / ENGINE_KEY
os.environ.setdefault("REVIEW_CACHE_DIR", str(ROOT / "benchmarks" / "out" / "tokens"))

from review.estimate import MIN_SERVED_NEGATIVES  # noqa: E402
from review.stopping import StoppingMonitor, ipp_may_fire, ranked_rate_estimate, recall_interval  # noqa: E402

PRIORS = 2
"""simulate.default_priors: one relevant and one non-relevant document, read before any model."""

COLLECTIONS = ("sr_cohen2006_adhd", "sr_cohen2006_ppi", "sr_kitchenham2010", "sr_nagtegaal2019",
               "news20_scimed", "legal_cuad_change_of_control")
TARGETS = (0.8, 0.9, 0.95)
COMBOS: dict[str, tuple[str, tuple[str, ...]]] = {
    "quantci+knee": ("all", ("quantci", "knee")),
    "quantci+chm": ("all", ("quantci", "chm")),
    "quant+knee": ("all", ("quant", "knee")),
    "quant+chm": ("all", ("quant", "chm")),
    "knee|chm": ("any", ("knee", "chm")),
    "quantci|chm": ("any", ("quantci", "chm")),
}
"""Candidate suggestions built from rules that draw no sample of their own."""
KNEE_MARGINS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.75, 1.0)
"""Knee with a safety margin: stop once this share more documents than at the knee's stop were read."""
QUANT_NSTD = (0.5, 1.0, 1.5)
"""Quant variants between Quant (0) and QuantCI (2) on the trade-off curve."""
RATE_VARIANTS = (("ipp@0.01", 0.01, "exponential"), ("ipp@0.001", 0.001, "exponential"),
                 ("ipp@0.0001", 0.0001, "exponential"), ("ipp-power", 0.05, "power"))
"""The counting-process rule (`ipp`) at stricter levels (its trade-off curve), and with a power-law rate."""


def parse_seeds(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


def ledger_dir(batch: str) -> Path:
    """Where ledgers of one engine version and batch schedule live (AutoTAR keeps the old folder)."""
    batch = str(batch).strip().lower()
    if batch == "autotar":
        return OUT
    if not batch.isdigit() or int(batch) < 1:
        sys.exit(f"--batch must be 'autotar' or a positive integer, not {batch!r}")
    return OUT.with_name(f"{ENGINE_KEY}-batch{int(batch)}")


def replay(name: str, seed: int, batch: str = "autotar") -> Path:
    """Run (or reuse) one ranked review and save its ledger."""
    out = ledger_dir(batch)
    path = out / f"{name}_{seed}.npz"
    if path.exists():
        return path
    from review.engine import Engine
    from review.simulate import batch_sizes, default_priors, load_tokens, read_labelled

    data = read_labelled(BENCH / f"{name}.csv")
    gold = data.labels
    engine = Engine(strategy="relevance", random_state=seed)
    engine.load_corpus(load_tokens(data))
    n, total = gold.size, int(gold.sum())
    labels = np.full(n, -1)
    order = list(default_priors(gold, seed))
    labels[order] = gold[order]
    next_size, size, step = batch_sizes(batch), 0, 0
    ends, scores, ranking = [], [], None
    t0 = time.perf_counter()
    while len(order) < n:
        step += 1
        size = next_size(step, size)
        if int(labels.clip(0).sum()) < total or ranking is None:
            ranking = engine.rank(labels, version=step)
            queue = [int(r) for r in ranking.order]
        else:  # everything found: the frozen model's order, minus what was read
            queue = [r for r in queue if labels[r] == -1]
        picked = np.asarray(queue[:size], dtype=int)
        queue = queue[size:]
        labels[picked] = gold[picked]
        order.extend(int(r) for r in picked)
        ends.append(len(order))
        scores.append(ranking.scores.astype(np.float32))
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, order=np.asarray(order), ends=np.asarray(ends), scores=np.vstack(scores),
                        gold=gold, wall=time.perf_counter() - t0)
    return path


def evaluate(path: Path, seed: int, target: float) -> dict:
    """Feed one ledger to a StoppingMonitor at `target`; return every stop and the oracle cost."""
    led = np.load(path)
    order, ends, scores, gold = led["order"], led["ends"], led["scores"], led["gold"]
    n, total = gold.size, int(gold.sum())
    monitor = StoppingMonitor(n, target=target, random_state=seed, oracle=lambda r: int(gold[r]))
    monitor.draw_samples(lambda r: int(gold[r]))
    gain = np.cumsum(gold[order])
    for step, end in enumerate(ends, start=1):
        monitor.observe(step, order[:end], gold[order[:end]], scores[step - 1])
        if len(monitor.stops) == len(monitor.rules):
            break
    stops = monitor.stops_json(gold)
    for combo, spec in COMBOS.items():
        fired = [monitor.stops[r] for r in spec[1] if r in monitor.stops]
        ok = len(fired) == len(spec[1]) if spec[0] == "all" else bool(fired)
        at = (max if spec[0] == "all" else min)(f.at for f in fired) if ok else None
        stops[combo] = {"target": target, "at": at, "sampled": 0,
                        "recall": None if at is None else float(gain[at - 1]) / total}
    knee = monitor.stops.get("knee")
    for margin in KNEE_MARGINS:  # knee, then `margin` more documents read; or the tail test, whichever first
        for suffix, rule in (("chm", "chm"), ("chm-r", "chm-relaxed")):
            tail = monitor.stops.get(rule)
            cands = ([min(n, math.ceil(knee.at * (1 + margin)))] if knee else []) + ([tail.at] if tail else [])
            at = min(cands) if cands else None
            stops[f"knee+{margin:.0%}|{suffix}"] = {"target": target, "at": at, "sampled": 0,
                                                   "recall": None if at is None else float(gain[at - 1]) / total}
    for k in QUANT_NSTD:  # Quant with k standard deviations, from the monitor's history
        at = next((int(h["reviewed"]) for h in monitor.history if h["point"] - k * h["sigma"] >= target), None)
        stops[f"quant-{k}sd"] = {"target": target, "at": at, "sampled": 0,
                                 "recall": None if at is None else float(gain[at - 1]) / total}
    for name, alpha, shape in RATE_VARIANTS:  # as the monitor's ipp rule, at batch ends once it can fit
        at = next((int(e) for e in ends if ipp_may_fire(int(e), int(gain[e - 1]))
                   and (est := ranked_rate_estimate(gold[order[:e]], n, alpha, shape=shape)) is not None
                   and est.low >= target), None)
        stops[name] = {"target": target, "at": at, "sampled": 0,
                       "recall": None if at is None else float(gain[at - 1]) / total}
    oracle = int(np.flatnonzero(gain >= math.ceil(target * total - 1e-9))[0]) + 1
    calib = _calibration(monitor, gain, total)
    return {"n": n, "R": total, "oracle": oracle, "stops": stops, "calibration": calib,
            "estimates": _estimates(monitor, gain, total, gold[order])}


def _calibration(monitor: StoppingMonitor, gain: np.ndarray, total: int) -> list[float]:
    """Estimated / true relevant remaining at each batch end where some remain (Platt-calibrated)."""
    out = []
    for h in monitor.history:
        true_left = total - int(gain[int(h["reviewed"]) - 1])
        if true_left > 0:
            out.append(h["remaining"] / true_left)
    return out


def _estimates(monitor: StoppingMonitor, gain: np.ndarray, total: int, y: np.ndarray) -> list[list[float]]:
    """Per batch end the screen would show: [true recall, Quant point, low, high, Quant's estimated remaining,
    true remaining, counting-process point, its low, its high, the point shown, the lower end shown].

    low/high are Quant's interval (point ∓ z·σ at the monitor's confidence); the
    counting process's are its own quantiles (review.rate), NaN before it can fit.
    The screen shows Quant's lower end, and the mean of the two points while the
    counting-process fit is informative and not below that lower end (Quant's
    point otherwise; `StoppingMonitor.estimate`).
    Like the screen, skip batch ends before the model has served MIN_SERVED_NEGATIVES
    non-relevant documents (everything after the two priors was served by a model),
    and those with nothing left to find. The monitor stops being fed once every
    rule has fired, so a few late batch ends of some runs are missing.
    """
    served_negatives = np.cumsum(y == 0) - int(np.sum(y[:PRIORS] == 0))
    out = []
    for h in monitor.history:
        s = int(h["reviewed"])
        found = int(gain[s - 1])
        if found < total and served_negatives[s - 1] >= MIN_SERVED_NEGATIVES:
            low, high = recall_interval(h["point"], h["sigma"], monitor.alpha)
            out.append([found / total, h["point"], low, high, h["remaining"], total - found,
                        h["rate_point"], h["rate_low"], h["rate_high"], h["shown_point"], h["shown_low"]])
    return out


def estimate_summary(results: dict[str, list[dict]], target: float) -> str:
    """How the recall estimates compare with the truth, per collection and over all."""
    lines = ["\nRecall estimates against the truth (batch ends the screen would show, relevant documents left):",
             "| collection | points | Quant: median point − true | mean abs error | point > true + 0.10 | true below its lower end | "
             "inside its interval | counting process: median point − true | mean abs error | point > true + 0.10 | "
             "true below its lower end | inside its interval | share of points it fitted | shown: median point − true | mean abs error | point > true + 0.10 | "
             "true below the lower end | median true − lower end | true remaining ≤ estimated | "
             "Quant's point moves > 0.10 between two points | shown point moves > 0.10 |",
             "|---|" + "---:|" * 20]
    groups = {**{name: rs for name, rs in results.items()}, "all": [r for rs in results.values() for r in rs]}
    for name, rs in groups.items():
        runs = [[e for e in r.get("estimates", []) if len(e) == 11] for r in rs if r["target"] == target]
        rows = [e for run in runs for e in run]
        if not rows:
            continue
        steps = [np.abs(np.diff(np.asarray(run, dtype=float)[:, [1, 9]], axis=0)) for run in runs if len(run) > 1]
        moves = np.vstack(steps) if steps else np.zeros((1, 2))
        true, point, low, high, est, left, rpoint, rlow, rhigh, shown, shown_low = np.asarray(rows, dtype=float).T
        ok = ~np.isnan(rpoint)
        rp, rl, rh, rt = rpoint[ok], rlow[ok], rhigh[ok], true[ok]
        counting = (f"{np.median(rp - rt):+.3f} | {np.mean(abs(rp - rt)):.3f} | {np.mean(rp > rt + 0.1):.3f} | {np.mean(rt < rl):.3f} | "
                    f"{np.mean((rl <= rt) & (rt <= rh)):.3f} | {ok.mean():.3f}") if ok.any() else "– | – | – | – | – | –"
        lines.append(f"| {name} | {len(rows)} | {np.median(point - true):+.3f} | {np.mean(abs(point - true)):.3f} | "
                     f"{np.mean(point > true + 0.1):.3f} | "
                     f"{np.mean(true < low):.3f} | {np.mean((low <= true) & (true <= high)):.3f} | {counting} | "
                     f"{np.median(shown - true):+.3f} | {np.mean(abs(shown - true)):.3f} | {np.mean(shown > true + 0.1):.3f} | "
                     f"{np.mean(true < shown_low):.3f} | {np.median(true - shown_low):.3f} | "
                     f"{np.mean(left <= est):.3f} | {np.mean(moves[:, 0] > 0.1):.3f} | {np.mean(moves[:, 1] > 0.1):.3f} |")
    return "\n".join(lines)


def table(results: dict[str, list[dict]], target: float, label: str) -> str:
    """Markdown table: one row per rule at `target`."""
    rows = [f"\n### {label}, target {target:.2f}\n",
            "| rule | runs | fired | reliability | mean recall | p5 recall | mean cost / oracle | mean sampled |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    runs = [r for rs in results.values() for r in rs if r["target"] == target]
    names = list(runs[0]["stops"]) if runs else []
    for rule in names:
        rec, cost, fired, sampled = [], [], 0, []
        for r in runs:
            s = r["stops"][rule]
            if s["at"] is None:
                rec.append(1.0)
                cost.append(r["n"] / r["oracle"])
                sampled.append(0)
            else:
                fired += 1
                rec.append(s["recall"])
                cost.append(s["at"] / r["oracle"])
                sampled.append(s["sampled"])
        rec_a = np.asarray(rec)
        rows.append(f"| {rule} | {len(runs)} | {fired / len(runs):.2f} | {np.mean(rec_a >= target - 1e-9):.3f} | "
                    f"{rec_a.mean():.3f} | {np.percentile(rec_a, 5):.3f} | {np.mean(cost):.2f} | "
                    f"{np.mean(sampled):.0f} |")
    return "\n".join(rows)


def _save_results(path: Path, new: list[dict]) -> None:
    """Merge `new` into the saved results: a (seed, target) run replaces its old entry, others stay."""
    keep = json.loads(path.read_text()) if path.exists() else []
    fresh = {(r["seed"], r["target"]) for r in new}
    path.write_text(json.dumps([r for r in keep if (r["seed"], r["target"]) not in fresh] + new))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", default=",".join(COLLECTIONS))
    parser.add_argument("--seeds", default="1-30")
    parser.add_argument("--large-seeds", default=None, help="seeds for news20/legal (default: --seeds)")
    parser.add_argument("--targets", default=",".join(str(t) for t in TARGETS))
    parser.add_argument("--no-replay", action="store_true", help="use cached ledgers only")
    parser.add_argument("--per-collection", action="store_true", help="also print one table per collection")
    parser.add_argument("--batch", default="autotar",
                        help="retraining schedule of the replay: autotar (default) or N documents per retrain "
                             "(1 = after every decision, as the review screen does)")
    args = parser.parse_args()
    if not BENCH.exists():
        sys.exit(f"no bench data at {BENCH}")
    ledger_dir(args.batch)  # exits on a bad --batch before any work
    targets = [float(t) for t in args.targets.split(",")]
    results: dict[str, list[dict]] = {}
    for name in args.collections.split(","):
        large = name in ("news20_scimed", "legal_cuad_change_of_control")
        seeds = parse_seeds(args.large_seeds if large and args.large_seeds else args.seeds)
        results[name] = []
        for seed in seeds:
            path = ledger_dir(args.batch) / f"{name}_{seed}.npz"
            if not path.exists():
                if args.no_replay:
                    continue
                t0 = time.perf_counter()
                replay(name, seed, args.batch)
                print(f"replayed {name} seed {seed} in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
            for target in targets:
                res = evaluate(path, seed, target)
                res.update(collection=name, seed=seed, target=target)
                results[name].append(res)
        if results[name]:
            _save_results(ledger_dir(args.batch) / f"results_{name}.json", results[name])
    print(f"engine/ranker version {ENGINE_KEY}, batches {args.batch}; ledgers in {ledger_dir(args.batch)}")
    for target in targets:
        print(table(results, target, "all collections"))
        if args.per_collection:
            for name, rs in results.items():
                print(table({name: rs}, target, name))
    print(estimate_summary(results, targets[0]))
    cal = [c for rs in results.values() for r in rs for c in r["calibration"]]
    if cal:
        print(f"\nQuant calibration (estimated / true relevant remaining, all batch ends): "
              f"median {np.median(cal):.2f}, IQR {np.percentile(cal, 25):.2f}-{np.percentile(cal, 75):.2f}")


if __name__ == "__main__":
    main()
