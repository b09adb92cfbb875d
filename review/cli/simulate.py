"""`review simulate`: replay a labelled collection through the ranking engine."""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from review.cli import echo_json, friendly_errors
from review.cli.progress import progress_bar
from review.engine import Engine
from review.errors import ConfigError
from review.models import GOALS, STRATEGIES, ReviewConfig
from review.simulate import (
    LabelledData,
    cache_dir,
    default_priors,
    learning_curve,
    load_tokens,
    priors_from_ids,
    read_labelled,
    monitor_hook,
    simulate as run_simulation,
    stopping_monitor,
    summarise,
)
from review.stopping import RULES

DEFAULT_BATCH = "autotar"
"""Default batch schedule (see benchmarks/README-ranking.md for the docs-read vs wall-time trade-off)."""


def parse_seeds(text: str) -> list[int]:
    """'1-10' or '1,3,5' (or a mix: '1-3,7') -> a list of ints."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part:
                lo, hi = (int(x) for x in part.split("-", 1))
                seeds.extend(range(lo, hi + 1))
            elif part:
                seeds.append(int(part))
    except ValueError:
        raise ConfigError(f"--seeds takes a range or list such as 1-10 or 1,2,5, not {text!r}.") from None
    if not seeds:
        raise ConfigError("--seeds is empty.")
    return seeds


def parse_counts(text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"--learning-curve takes label counts such as 50,100,200, not {text!r}.") from None


@click.command("simulate")
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--goal", type=click.Choice(GOALS), default="find-all", show_default=True,
              help="Picks the default strategy: find-all -> relevance, train-classifier -> uncertainty.")
@click.option("--strategy", type=click.Choice(STRATEGIES), default=None, help="Overrides the goal's strategy.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed for priors and the engine.")
@click.option("--seeds", "seeds_text", default=None, help="Several runs, e.g. 1-10: prints each run plus mean and spread.")
@click.option("--prior-ids", default=None, help="Starting decisions as document ids, e.g. 12,873 (default: one relevant and one not, drawn from the seed).")
@click.option("--batch", default=DEFAULT_BATCH, show_default=True, help="Retrain schedule: 1 (after every decision), a fixed N, or autotar (growing ~10%).")
@click.option("--max-docs", type=click.IntRange(min=1), default=None, help="Stop after this many reviewed documents.")
@click.option("--mixed-share", type=float, default=0.1, show_default=True, help="Share of uncertainty picks in the mixed strategy.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on standard output.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--order-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the review order as CSV (position,id,label); with --seeds one file per seed (NAME.seedN.csv).")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Draw the recall curve against random order (PNG).")
@click.option("--learning-curve", "curve_text", default=None,
              help="Label counts, e.g. 50,100,200,400: test-split accuracy/precision/recall/F1, active vs random (instead of the recall run).")
@click.option("--stop-rules", "stop_rules", default=None,
              help="Run stopping rules along the review: 'all' or comma-separated names, from knee, knee+40, budget, "
                   "target, qbcb, quant, quantci, chm, chm-relaxed, ipp, hypergeom, elusion; the review then goes on until "
                   "every rule has fired. Adds 'stops' to --json.")
@click.option("--target", type=click.FloatRange(0.5, 1.0, max_open=True), default=0.95, show_default=True,
              help="Recall the stopping rules aim for.")
@click.option("--confidence", type=click.FloatRange(0.5, 1.0, max_open=True), default=0.95, show_default=True,
              help="Confidence of the certified stopping rules (1 - alpha).")
@click.option("--no-cache", is_flag=True, help="Re-tokenise and re-vectorise instead of using the caches (~/.cache/review).")
@friendly_errors
def simulate(data: Path, goal: str, strategy: str | None, seed: int, seeds_text: str | None, prior_ids: str | None,
             batch: str, max_docs: int | None, mixed_share: float, as_json: bool, quiet: bool, order_out: Path | None,
             plot: Path | None, curve_text: str | None, stop_rules: str | None, target: float, confidence: float,
             no_cache: bool) -> None:
    """Replay a review of DATA with its gold labels, using the review screen's engine.

    DATA is a CSV, TSV or JSONL with id, title, text (or abstract) and a label
    column (label, label_included, included, relevant or final_included; 1/0
    or yes/no, as `review import` reads them), or a project database: its
    decided documents, with the decisions as gold labels (undecided, skipped
    and duplicate documents are left out). The run goes on until every
    relevant document is found or --max-docs. With --json it prints one object
    (n_docs, n_rel, n80, n95, n100, wss95, rrf10, wall_s, retrains,
    mean_retrain_s, ...); with --seeds an object {"runs": [...], "summary":
    {metric: {"mean", "sd"}}}. With --learning-curve it prints {"seed",
    "strategy", "learning_curve": {"test_size", "train_size", "counts",
    "active": [...], "random": [...], "full": {...}}, "wall_s"} (a list of
    those with --seeds).

    With --stop-rules each run also carries "stops": rule -> {"target", "at"
    (documents read when it fired, its own sample included), "sampled" (those
    of its own random sample), "recall"}, plus "default", the suggestion the
    review screen makes; "at" is null for a rule that never fired.
    """
    strategy = strategy or ReviewConfig(goal=goal).effective_strategy()
    seeds = parse_seeds(seeds_text) if seeds_text else [seed]
    started = time.perf_counter()
    labelled = read_labelled(data)
    tokens = load_tokens(labelled, use_cache=not no_cache)
    tokenize_s = time.perf_counter() - started
    if curve_text:
        counts = parse_counts(curve_text)
        results = [_curve_run(labelled, tokens, strategy, s, batch, mixed_share, counts) for s in seeds]
        _emit(results if len(results) > 1 else results[0], as_json)
        return
    runs, curves = [], []
    for s in seeds:
        with progress_bar(f"seed {s}: relevant found", disabled=as_json or quiet) as bar:
            stops = None if stop_rules is None else StopSettings(_rule_names(stop_rules), target, confidence)
            metrics, curve = _recall_run(labelled, tokens, strategy, s, prior_ids, batch, max_docs,
                                         mixed_share, bar, _order_path(order_out, s, len(seeds)), not no_cache, stops)
        metrics["tokenize_s"] = round(tokenize_s, 3)
        runs.append(metrics)
        curves.append(curve)
    if plot:
        _plot(plot, curves, labelled, strategy, data.name)
    result: Any = runs[0] if len(runs) == 1 else {"runs": runs, "summary": summarise(runs)}
    _emit(result, as_json)


@dataclass(frozen=True)
class StopSettings:
    rules: tuple[str, ...] | None
    target: float
    confidence: float


def _rule_names(text: str) -> tuple[str, ...] | None:
    if text.strip().lower() == "all":
        return None
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = set(names) - set(RULES)
    if not names or unknown:
        raise ConfigError(f"--stop-rules takes 'all' or names from {', '.join(RULES)}, not {text!r}.")
    return names


def _engine(strategy: str, seed: int, mixed_share: float) -> Engine:
    return Engine(strategy=strategy, mixed_share=mixed_share, random_state=seed)


def _recall_run(labelled: LabelledData, tokens: list[str], strategy: str, seed: int, prior_ids: str | None,
                batch: str, max_docs: int | None, mixed_share: float, bar: Any,
                order_out: Path | None, use_cache: bool = True,
                stops: StopSettings | None = None) -> tuple[dict, list[int]]:
    start = time.perf_counter()
    engine = _engine(strategy, seed, mixed_share)
    engine.load_corpus(tokens, cache_dir=cache_dir() if use_cache else None)
    gold = labelled.labels
    priors = (priors_from_ids(labelled, [p.strip() for p in prior_ids.split(",") if p.strip()])
              if prior_ids else default_priors(gold, seed))
    n_rel = int(gold.sum())
    progress = (lambda done, found: bar(found, n_rel)) if bar else None
    monitor = None if stops is None else stopping_monitor(gold, stops.rules, stops.target, stops.confidence, seed)
    run = run_simulation(engine, gold, priors, batch=batch, max_docs=max_docs, progress=progress,
                         on_round=None if monitor is None else monitor_hook(monitor),
                         stop_when_all_found=monitor is None)
    run.wall_s = time.perf_counter() - start  # includes vectorising the collection
    metrics = {"seed": seed, "strategy": strategy, "batch": str(batch),
               "priors": [labelled.ids[p] for p in priors], **run.metrics(gold)}
    if monitor is not None:
        metrics["stops"] = monitor.stops_json(gold)
    if order_out:
        _write_order(order_out, run.order, labelled)
    return metrics, run.found_curve(gold).tolist()


def _curve_run(labelled: LabelledData, tokens: list[str], strategy: str, seed: int, batch: str,
               mixed_share: float, counts: list[int]) -> dict:
    engine = _engine(strategy, seed, mixed_share)
    engine.load_corpus(tokens)
    start = time.perf_counter()
    curve = learning_curve(engine, labelled.labels, counts, seed, batch=batch)
    return {"seed": seed, "strategy": strategy, "learning_curve": curve, "wall_s": round(time.perf_counter() - start, 3)}


def _order_path(order_out: Path | None, seed: int, n_seeds: int) -> Path | None:
    if order_out is None or n_seeds == 1:
        return order_out
    return order_out.with_name(f"{order_out.stem}.seed{seed}{order_out.suffix or '.csv'}")


def _write_order(path: Path, order: list[int], labelled: LabelledData) -> None:
    try:
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["position", "id", "label"])
            for pos, row in enumerate(order, 1):
                writer.writerow([pos, labelled.ids[row], int(labelled.labels[row])])
    except OSError as exc:
        raise ConfigError(f"Cannot write {path}: {exc.strerror or exc}") from exc


def _plot(path: Path, curves: list[list[int]], labelled: LabelledData, strategy: str, name: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n, n_rel = len(labelled.ids), max(int(labelled.labels.sum()), 1)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, found in enumerate(curves):
        ax.plot(range(1, len(found) + 1), [f / n_rel for f in found], color="tab:blue", alpha=0.8,
                label=strategy if i == 0 else None)
    ax.plot([0, n], [0, 1], color="grey", linestyle="--", label="random order (expected)")
    ax.set(xlabel="documents reviewed", ylabel="recall", title=f"{name}: recall curve", ylim=(0, 1.02))
    ax.legend(loc="lower right")
    try:
        fig.savefig(path, dpi=110, bbox_inches="tight")
    except OSError as exc:
        raise ConfigError(f"Cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        plt.close(fig)


def _emit(result: Any, as_json: bool) -> None:
    if as_json:
        echo_json(result)
        return
    rows = result["runs"] if isinstance(result, dict) and "runs" in result else result if isinstance(result, list) else [result]
    for row in rows:
        if "learning_curve" in row:
            lc = row["learning_curve"]
            click.echo(f"seed {row['seed']} ({row['strategy']}), test split {lc['test_size']}, full-training F1 {lc['full']['f1']}")
            for act, rnd in zip(lc["active"], lc["random"]):
                click.echo(f"  {act['n_labels']:>6} labels  F1 active {act['f1']:.3f}  random {rnd['f1']:.3f}"
                           f"  accuracy active {act['accuracy']:.3f}  random {rnd['accuracy']:.3f}")
            continue
        keys = ("n_docs", "n_rel", "n80", "n95", "n100", "wss95", "rrf10", "wall_s", "retrains", "mean_retrain_s")
        click.echo(f"seed {row['seed']} ({row['strategy']}, batch {row['batch']}): "
                   + ", ".join(f"{k}={row[k]}" for k in keys))
        stops = row.get("stops", {})
        width = max((len(name) for name in stops), default=0)
        for name, stop in stops.items():
            where = "never fired" if stop["at"] is None else (
                f"stopped at {stop['at']} (sampled {stop['sampled']}), recall {stop['recall']:.3f}")
            click.echo(f"  {name:<{width}}  target {stop['target']}: {where}")
    if isinstance(result, dict) and "summary" in result:
        for key in ("n80", "n95", "n100", "wss95", "rrf10", "wall_s"):
            stat = result["summary"].get(key, {})
            click.echo(f"{key}: mean {stat.get('mean')} sd {stat.get('sd')}")
