"""Side by side: `review simulate` against ASReview LAB on the bench collections.

For every collection, strategy and seed this script runs our simulation as a
subprocess::

    <python> -m review simulate DATA --strategy S --seed N --json --prior-ids POS_ID,NEG_ID

with the same starting pair ASReview was given (drawn by ``asreview_peer.draw_priors``
from the seed), reads ASReview's cached runs from ``benchmarks/out/asreview/``
(made by ``benchmarks/asreview_peer.py``; missing ones show as "—") and prints,
per collection, n80 / n95 (mean ± sd) / n100 / WSS@95 / wall time per strategy of
ours and for ASReview, the ratio of mean n95 ours/ASReview and the wall-time
ratio. Two wall times are kept: ``wall`` is the whole process (interpreter
start-up and imports included, for both tools) and ``sim`` is the simulation
alone (our JSON ``wall_s``; for ASReview the span between its first and last
recorded label). A summary of the find-all default (``relevance``) against the
issue's targets follows.

For the two sentiment collections it calls ``review simulate --learning-curve``
(when our CLI offers it) and prints the active-vs-random learning curves.

Run it with the project's interpreter from anywhere::

    /work/venv/bin/python benchmarks/compare.py --collections sr --seeds 1-5 --strategies relevance

Each of our runs is saved as JSON in ``benchmarks/out/ours/``; ``--reuse`` prints
from those instead of re-running. The printed tables also go to
``benchmarks/out/compare.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path

from asreview_peer import (  # benchmarks/ is on sys.path when this script runs
    DEFAULT_BENCH_DIR,
    LOW_PREVALENCE,
    OUT_DIR,
    REPO_ROOT,
    SENTIMENT,
    Collection,
    draw_priors,
    load_cached,
    mean_sd,
    parse_seeds,
    read_collection,
)

sys.path.insert(0, str(REPO_ROOT))
from review.models import STRATEGIES  # noqa: E402  (pure module: dataclasses and constants)

FIND_ALL_DEFAULT = "relevance"
TARGET_MEAN_RATIO = 0.95
TARGET_MAX_RATIO = 1.10
TARGET_WALL_RATIO = 0.1
COLLECTION_GROUPS = {
    "low": LOW_PREVALENCE,
    "sr": tuple(c for c in LOW_PREVALENCE if c.startswith("sr_")),
    "sentiment": SENTIMENT,
    "all": LOW_PREVALENCE + SENTIMENT,
}


class Report:
    """Prints lines and keeps them for ``compare.md``."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)


def simulate_help(python: str) -> str | None:
    """The ``--help`` text of our ``review simulate``, or None when it does not exist yet."""
    proc = subprocess.run([python, "-m", "review", "simulate", "--help"], cwd=REPO_ROOT,
                          capture_output=True, text=True)
    return proc.stdout if proc.returncode == 0 else None


def run_ours(python: str, coll: Collection, strategy: str, seed: int, out_dir: Path,
             extra: list[str], reuse: bool, timeout: float) -> dict | None:
    """Run (or reuse) one of our simulations.

    Args:
        python: Interpreter that can ``-m review``.
        coll: The collection.
        strategy: Our strategy name.
        seed: The seed (also draws the priors).
        out_dir: ``benchmarks/out``.
        extra: Extra arguments for ``review simulate``.
        reuse: Use the saved JSON when present.
        timeout: Seconds before a run is abandoned.

    Returns:
        Our JSON object plus ``process_s`` (wall time of the subprocess), or None on failure.
    """
    tag = "." + hashlib.sha1(" ".join(extra).encode()).hexdigest()[:8] if extra else ""
    path = out_dir / "ours" / f"{coll.name}.{strategy}{tag}.seed{seed}.json"
    if reuse and path.exists():
        return json.loads(path.read_text())
    pos, neg = draw_priors(coll.labels, seed)
    cmd = [python, "-m", "review", "simulate", str(coll.path), "--strategy", strategy,
           "--seed", str(seed), "--json", "--prior-ids", f"{coll.ids[pos]},{coll.ids[neg]}", *extra]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"  {coll.name} {strategy} seed {seed}: timed out after {timeout:.0f}s", file=sys.stderr)
        return None
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        print(f"  {coll.name} {strategy} seed {seed}: exit {proc.returncode}: {proc.stderr.strip()[-500:]}",
              file=sys.stderr)
        return None
    result = _parse_json(proc.stdout)
    if result is None:
        print(f"  {coll.name} {strategy} seed {seed}: no JSON in output", file=sys.stderr)
        return None
    if result.get("priors") not in (None, [coll.ids[pos], coll.ids[neg]]):
        print(f"  {coll.name} {strategy} seed {seed}: ran from priors {result['priors']}, "
              f"asked for {[coll.ids[pos], coll.ids[neg]]}", file=sys.stderr)
    result["process_s"] = round(elapsed, 3)
    result["cmd"] = cmd[1:]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result))
    return result


def _parse_json(text: str) -> dict | None:
    """The JSON object our simulate printed (pretty-printed or on its last line)."""
    text = text.strip()
    for candidate in (text, text[text.find("{"):] if "{" in text else "", text.splitlines()[-1] if text else ""):
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def _num(value: float, digits: int = 3) -> str:
    return "—" if math.isnan(value) else f"{value:.{digits}f}"


def _stat(runs: list[dict], key: str) -> tuple[float, float]:
    return mean_sd([float(r[key]) for r in runs if r.get(key) is not None])


def _row(system: str, runs: list[dict], peer_n95: float, peer_wall: float, peer_sim: float) -> str:
    """One markdown row of the per-collection table."""
    if not runs:
        return f"| {system} | 0 | — | — | — | — | — | — | — | — | — |"
    n80, n95, n100 = (_stat(runs, k) for k in ("n80", "n95", "n100"))
    wss = _stat(runs, "wss95")[0]
    wall = _stat(runs, "process_s")[0]
    sim = _stat(runs, "wall_s")[0]
    ratio = n95[0] / peer_n95 if peer_n95 > 0 else math.nan
    wall_ratio = wall / peer_wall if peer_wall > 0 else math.nan
    sim_ratio = sim / peer_sim if peer_sim > 0 else math.nan
    return (f"| {system} | {len(runs)} | {n80[0]:.0f} | {n95[0]:.1f} ± {n95[1]:.1f} | {_num(ratio)} | "
            f"{n100[0]:.0f} | {wss:.3f} | {wall:.1f} | {_num(wall_ratio)} | {sim:.2f} | {_num(sim_ratio)} |")


def compare_collection(report: Report, coll: Collection, strategies: list[str], seeds: list[int],
                       args: argparse.Namespace, extra: list[str]) -> dict[str, float]:
    """Run our strategies on one collection and print the side-by-side table.

    Returns:
        For the summary: ratio and wall ratios of the find-all default (NaN when missing).
    """
    peer = [asdict_run for s in seeds if (asdict_run := _peer_dict(args.out_dir, coll.name, s))]
    peer_n95, _ = _stat(peer, "n95")
    peer_wall, _ = _stat(peer, "process_s")
    peer_sim, _ = _stat(peer, "wall_s")
    report(f"\n### {coll.name} (N={coll.n_docs}, relevant={coll.n_rel}, seeds {seeds[0]}-{seeds[-1]})\n")
    report("| system | runs | n80 | n95 mean ± sd | n95 / ASReview | n100 | WSS@95 | wall s | wall / ASReview "
           "| sim s | sim / ASReview |")
    report("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    summary = {"ratio": math.nan, "wall_ratio": math.nan, "sim_ratio": math.nan,
               "ours_n95": math.nan, "peer_n95": peer_n95}
    for strategy in strategies:
        runs = []
        for seed in seeds:
            result = run_ours(args.python, coll, strategy, seed, args.out_dir, extra, args.reuse, args.timeout)
            if result is not None:
                runs.append(result)
                print(f"  {coll.name} {strategy} seed {seed}: n95={result.get('n95')} "
                      f"wall_s={result.get('wall_s')}", file=sys.stderr, flush=True)
        report(_row(f"review {strategy}", runs, peer_n95, peer_wall, peer_sim))
        if strategy == FIND_ALL_DEFAULT and runs:
            ours_n95 = _stat(runs, "n95")[0]
            summary.update(ours_n95=ours_n95, ratio=ours_n95 / peer_n95 if peer_n95 > 0 else math.nan,
                           wall_ratio=_stat(runs, "process_s")[0] / peer_wall if peer_wall > 0 else math.nan,
                           sim_ratio=_stat(runs, "wall_s")[0] / peer_sim if peer_sim > 0 else math.nan)
    report(_row("asreview elas_u4", peer, peer_n95, peer_wall, peer_sim))
    capped = [r["n_stop"] for r in peer if r.get("n_stop") is not None]
    if capped:
        report(f"\nASReview: {len(capped)} of {len(peer)} runs stopped after {max(capped)} reads (--n-stop): "
               "n95 is exact, but n100 and the wall times are of shorter runs than ours (ours run to "
               "the last relevant document): these wall ratios overstate our share.")
    if len(peer) < len(seeds):
        report(f"\nASReview has {len(peer)} of {len(seeds)} seeds cached: run benchmarks/asreview_peer.py "
               f"--collections {coll.name} --seeds {seeds[0]}-{seeds[-1]}")
    return summary


def _peer_dict(out_dir: Path, name: str, seed: int) -> dict | None:
    """ASReview's cached run as a dict keyed like our JSON (process_s = process wall, wall_s = sim)."""
    run = load_cached(out_dir, name, seed)
    if run is None:
        return None
    return {"n80": run.n80, "n95": run.n95, "n100": run.n100, "wss95": run.wss95,
            "process_s": run.wall_s, "wall_s": run.sim_s, "n_stop": run.n_stop}


def print_summary(report: Report, summaries: dict[str, dict[str, float]]) -> None:
    """The find-all default against the issue's targets."""
    report(f"\n### Summary: find-all default ({FIND_ALL_DEFAULT}) vs ASReview\n")
    report("| collection | ours n95 | ASReview n95 | ratio | wall ratio | sim ratio |")
    report("|---|---:|---:|---:|---:|---:|")
    for name, s in summaries.items():
        report(f"| {name} | {_num(s['ours_n95'], 1)} | {_num(s['peer_n95'], 1)} | {_num(s['ratio'])} | "
               f"{_num(s['wall_ratio'])} | {_num(s['sim_ratio'])} |")
    ratios = [s["ratio"] for s in summaries.values() if not math.isnan(s["ratio"])]
    walls = [s["wall_ratio"] for s in summaries.values() if not math.isnan(s["wall_ratio"])]
    sims = [s["sim_ratio"] for s in summaries.values() if not math.isnan(s["sim_ratio"])]
    if ratios:
        mean, worst = statistics.fmean(ratios), max(ratios)
        report(f"\nmean n95 ratio {mean:.3f} (target ≤ {TARGET_MEAN_RATIO}: "
               f"{'met' if mean <= TARGET_MEAN_RATIO else 'NOT met'}); "
               f"worst {worst:.3f} (target ≤ {TARGET_MAX_RATIO}: "
               f"{'met' if worst <= TARGET_MAX_RATIO else 'NOT met'}); over {len(ratios)} collections")
    if walls:
        report(f"wall-time ratio (process): mean {statistics.fmean(walls):.3f}, worst {max(walls):.3f}; "
               f"sim-only: mean {statistics.fmean(sims):.3f}, worst {max(sims):.3f} "
               f"(target ≤ {TARGET_WALL_RATIO})")


def learning_curves(report: Report, coll: Collection, seeds: list[int], args: argparse.Namespace,
                    extra: list[str]) -> None:
    """Our ``--learning-curve`` output for one collection, averaged over seeds."""
    per_point: dict[tuple[str, int], list[dict]] = {}
    for seed in seeds:
        result = run_ours(args.python, coll, args.lc_strategy, seed, args.out_dir,
                          ["--learning-curve", args.lc_points, *extra], args.reuse, args.timeout)
        for point in _curve_points((result or {}).get("learning_curve")):
            per_point.setdefault((point["sampler"], int(point["n_labels"])), []).append(point)
    report(f"\n### {coll.name}: learning curve, active ({args.lc_strategy}) vs random "
           f"(stratified 30 % test split, seeds {seeds[0]}-{seeds[-1]})\n")
    if not per_point:
        report("(no learning-curve output)")
        return
    metrics = [k for k in ("accuracy", "precision", "recall", "f1")
               if any(k in p for points in per_point.values() for p in points)]
    report("| sampler | labels | " + " | ".join(metrics) + " |")
    report("|---|---:|" + "---:|" * len(metrics))
    rank = {"active": 0, "random": 1, "full": 2}
    for (sampler, n), points in sorted(per_point.items(), key=lambda kv: (rank.get(kv[0][0], 3), kv[0])):
        cells = [_fmt_ms(mean_sd([float(p[m]) for p in points if m in p])) for m in metrics]
        report(f"| {sampler} | {n} | " + " | ".join(cells) + " |")
    _labels_to_full_f1(report, per_point)


def _labels_to_full_f1(report: Report, per_point: dict[tuple[str, int], list[dict]]) -> None:
    """Labels each sampler needs to reach the full-training-split F1 minus 2 points (mean curves)."""
    full = [float(p["f1"]) for (sampler, _), points in per_point.items() if sampler == "full"
            for p in points if "f1" in p]
    if not full:
        return
    target = statistics.fmean(full) - 0.02
    needed: dict[str, int | None] = {}
    for sampler in ("active", "random"):
        counts = sorted(n for s, n in per_point if s == sampler)
        needed[sampler] = next((n for n in counts if statistics.fmean(
            float(p["f1"]) for p in per_point[(sampler, n)] if "f1" in p) >= target), None)
    shown = {k: (str(v) if v is not None else "not within the curve") for k, v in needed.items()}
    ratio = (f"{needed['active'] / needed['random']:.2f}" if needed["active"] and needed["random"] else "—")
    report(f"\nfull-split F1 {target + 0.02:.3f}; labels to reach F1 ≥ {target:.3f}: "
           f"active {shown['active']}, random {shown['random']}; ratio active/random {ratio}")


def _curve_points(curve: object) -> list[dict]:
    """Flatten the learning-curve JSON into points with ``sampler`` and ``n_labels`` keys.

    Accepts a mapping sampler -> list of points or -> one point (``full``), as
    ``review simulate --learning-curve`` prints, or a list of points naming their sampler.
    """
    points: list[dict] = []
    if isinstance(curve, dict):
        for sampler, items in curve.items():
            if isinstance(items, dict):
                items = [items]
            if isinstance(items, list):
                points.extend({**p, "sampler": sampler} for p in items if isinstance(p, dict))
    elif isinstance(curve, list):
        points.extend({**p, "sampler": p.get("sampler", "active")} for p in curve if isinstance(p, dict))
    return [p for p in points if p.get("n_labels") is not None]


def _fmt_ms(ms: tuple[float, float]) -> str:
    return "—" if math.isnan(ms[0]) else f"{ms[0]:.3f} ± {ms[1]:.3f}"


def main(argv: list[str] | None = None) -> int:
    """Run the side-by-side comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH_DIR)
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    parser.add_argument("--collections", default="all",
                        help="comma-separated CSV stems or groups: low, sr, sentiment, all (default)")
    parser.add_argument("--seeds", default="1-5")
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--lc-strategy", default="uncertainty", help="active sampler for learning curves")
    parser.add_argument("--lc-points", default="50,100,200,400,800,1200")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs `-m review`")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per run of ours")
    parser.add_argument("--reuse", action="store_true", help="reuse our saved runs in benchmarks/out/ours")
    parser.add_argument("--sim-arg", action="append", default=[],
                        help="extra argument for `review simulate` (repeat; e.g. --sim-arg=--max-docs=500)")
    args = parser.parse_args(argv)

    if not args.bench_dir.is_dir():
        print(f"bench folder not found: {args.bench_dir}", file=sys.stderr)
        return 2
    help_text = simulate_help(args.python)
    if help_text is None and not args.reuse:
        print("`review simulate` is not available yet (python -m review simulate --help failed)", file=sys.stderr)
        return 2
    names: list[str] = []
    for part in (p.strip() for p in args.collections.split(",") if p.strip()):
        names.extend(n for n in COLLECTION_GROUPS.get(part, (part,)) if n not in names)
    seeds = parse_seeds(args.seeds)
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]

    report = Report()
    shown = ", ".join(strategies) if any(n not in SENTIMENT for n in names) else "learning curves"
    report(f"## review simulate vs ASReview 3.0.8 — seeds {args.seeds}, {shown}")
    summaries: dict[str, dict[str, float]] = {}
    for name in names:
        coll = read_collection(args.bench_dir / f"{name}.csv")
        if name in SENTIMENT:
            if help_text is not None and "--learning-curve" not in help_text:
                report(f"\n### {name}: `review simulate --learning-curve` is not available yet")
                continue
            learning_curves(report, coll, seeds, args, args.sim_arg)
            continue
        summaries[name] = compare_collection(report, coll, strategies, seeds, args, args.sim_arg)
    if summaries and FIND_ALL_DEFAULT in strategies:
        print_summary(report, summaries)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "compare.md").write_text("\n".join(report.lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
