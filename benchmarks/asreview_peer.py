"""Run ASReview LAB's default simulation on the bench collections and cache the results.

ASReview is the peer a user would pick instead of `review`. It is a benchmark-only
tool, never a dependency of the package: this script installs ``asreview==3.0.8``
into a virtual environment of its own (``/work/.asreview-venv`` by default, reused
when present) and drives its CLI with subprocesses.

For each collection of ``<repo>/../shared/bench`` it writes a CSV in the columns
ASReview reads (title, abstract, label_included; texts cut to 100,000 characters,
because ASReview's reader refuses fields over 131,072) to ``benchmarks/out/``, then
per seed runs::

    asreview simulate DATA --prior-idx POS NEG --seed S -o out.asreview

with the priors every tool of this benchmark starts from::

    rng = random.Random(S)
    pos = rng.choice(relevant_rows)
    neg = rng.choice(nonrelevant_rows)

(0-based rows in file order). ASReview stops by itself when the last relevant
document is found. The review order is the ``results`` table of ``results.db``
inside the ``.asreview`` zip, in rowid order. From it come n80/n95/n100 (documents
read, priors included, to reach 80/95/100 % recall), WSS@95 = (N - n95)/N - 0.05,
RRF@10 (recall after 10 % of N) and the wall time of the run. Each (collection,
seed) is cached as JSON in ``benchmarks/out/asreview/``; a cached run is not
repeated unless ``--force`` is given.

Usage::

    python benchmarks/asreview_peer.py                      # 6 low-prevalence collections, seeds 1-5
    python benchmarks/asreview_peer.py --collections sr_cohen2006_adhd --seeds 1-3
    python benchmarks/asreview_peer.py --report             # only print the cached results

It prints one line per run, then a table per collection (mean ± sd over seeds) and
a cross-check of seeds 1-3 against ``shared/bench/PEER-ASREVIEW.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

ASREVIEW_VERSION = "3.0.8"
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BENCH_DIR = REPO_ROOT.parent / "shared" / "bench"
DEFAULT_VENV = Path("/work/.asreview-venv")
OUT_DIR = REPO_ROOT / "benchmarks" / "out"
MAX_FIELD_CHARS = 100_000

LOW_PREVALENCE = (
    "sr_kitchenham2010",
    "sr_cohen2006_adhd",
    "sr_cohen2006_ppi",
    "sr_nagtegaal2019",
    "news20_scimed",
    "legal_cuad_change_of_control",
)
SENTIMENT = ("sentiment_movie_polarity2000", "sentiment_uci_sentences")

csv.field_size_limit(sys.maxsize)


@dataclass(frozen=True)
class Collection:
    """A labelled bench collection, rows in file order."""

    name: str
    path: Path
    ids: list[str]
    labels: list[int]

    @property
    def n_docs(self) -> int:
        """Number of documents."""
        return len(self.labels)

    @property
    def n_rel(self) -> int:
        """Number of relevant documents."""
        return sum(self.labels)


@dataclass
class PeerRun:
    """One cached ASReview simulation of one collection with one seed."""

    collection: str
    seed: int
    prior_idx: list[int]
    n_docs: int
    n_rel: int
    n_read: int
    n80: int | None
    n95: int | None
    n100: int | None
    wss95: float | None
    rrf10: float
    wall_s: float
    sim_s: float
    asreview_version: str
    order: list[int]
    n_stop: int | None = None
    """``--n-stop`` given to ASReview (None: ran until the last relevant document)."""


def read_collection(path: Path) -> Collection:
    """Read ids and labels of a bench CSV (columns id,title,text,label).

    Args:
        path: The CSV file.

    Returns:
        The collection, rows in file order.
    """
    ids: list[str] = []
    labels: list[int] = []
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            ids.append(row["id"])
            labels.append(int(row["label"]))
    return Collection(path.stem, path, ids, labels)


def draw_priors(labels: list[int], seed: int) -> tuple[int, int]:
    """Draw the shared starting pair: one relevant, one non-relevant row.

    Args:
        labels: Gold labels in file order.
        seed: The run's seed.

    Returns:
        ``(pos, neg)`` as 0-based row positions.
    """
    rng = random.Random(seed)
    pos = rng.choice([i for i, y in enumerate(labels) if y == 1])
    neg = rng.choice([i for i, y in enumerate(labels) if y == 0])
    return pos, neg


def docs_to_recall(order_labels: list[int], n_rel: int, percent: int) -> int | None:
    """Documents read (priors included) until ``percent`` % of the relevant ones are found.

    Args:
        order_labels: Labels in review order.
        n_rel: Relevant documents in the whole collection.
        percent: Target recall in percent.

    Returns:
        The count, or None when the order never reaches the target.
    """
    found = 0
    for n, y in enumerate(order_labels, start=1):
        found += y
        if found * 100 >= percent * n_rel:
            return n
    return None


def order_metrics(order_labels: list[int], n_docs: int, n_rel: int) -> dict[str, float | int | None]:
    """n80, n95, n100, wss95 and rrf10 of a review order.

    Args:
        order_labels: Labels in review order (may stop before the end).
        n_docs: Documents in the collection.
        n_rel: Relevant documents in the collection.

    Returns:
        A dict with keys n80, n95, n100, wss95, rrf10.
    """
    n95 = docs_to_recall(order_labels, n_rel, 95)
    first_tenth = order_labels[: math.floor(0.1 * n_docs)]
    return {
        "n80": docs_to_recall(order_labels, n_rel, 80),
        "n95": n95,
        "n100": docs_to_recall(order_labels, n_rel, 100),
        "wss95": None if n95 is None else (n_docs - n95) / n_docs - 0.05,
        "rrf10": sum(first_tenth) / n_rel,
    }


def ensure_asreview(venv: Path) -> Path:
    """Create the ASReview venv when absent and return its ``asreview`` executable.

    Args:
        venv: Where the virtual environment lives.

    Returns:
        Path of the ``asreview`` console script.
    """
    exe = venv / "bin" / "asreview"
    if exe.exists():
        return exe
    print(f"installing asreview=={ASREVIEW_VERSION} into {venv} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", f"asreview=={ASREVIEW_VERSION}"],
        check=True,
    )
    return exe


def write_asreview_csv(src: Path, dest: Path) -> None:
    """Write a bench CSV in ASReview's columns, texts cut to 100,000 characters.

    Args:
        src: Bench CSV (id,title,text,label).
        dest: Output CSV (title,abstract,label_included), same row order.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".tmp")
    with src.open(newline="", encoding="utf-8") as fin, tmp.open("w", newline="", encoding="utf-8") as fout:
        writer = csv.writer(fout)
        writer.writerow(["title", "abstract", "label_included"])
        for row in csv.DictReader(fin):
            writer.writerow([row["title"][:MAX_FIELD_CHARS], row["text"][:MAX_FIELD_CHARS], row["label"]])
    tmp.replace(dest)


def read_review_order(project: Path) -> tuple[list[int], float]:
    """Review order of an ``.asreview`` project: dataset rows in ``results`` rowid order.

    Args:
        project: The ``.asreview`` zip written by ``asreview simulate``.

    Returns:
        The 0-based dataset rows in review order, and the seconds between the first
        and the last recorded label (ASReview's own simulation time, without start-up).
    """
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(project) as zf:
            zf.extract("results.db", tmp)
        con = sqlite3.connect(Path(tmp) / "results.db")
        try:
            rows = con.execute(
                "SELECT rec.dataset_row, r.time FROM results r "
                "JOIN record rec ON rec.record_id = r.record_id ORDER BY r.rowid"
            ).fetchall()
        finally:
            con.close()
    times = [t for _, t in rows if t is not None]
    return [int(r) for r, _ in rows], (max(times) - min(times)) if times else 0.0


def cache_path(out_dir: Path, collection: str, seed: int) -> Path:
    """Where the run of ``collection`` with ``seed`` is cached."""
    return out_dir / "asreview" / f"{collection}.seed{seed}.json"


def load_cached(out_dir: Path, collection: str, seed: int) -> PeerRun | None:
    """The cached run of ``collection`` with ``seed``, or None.

    Args:
        out_dir: ``benchmarks/out``.
        collection: Collection name (CSV stem).
        seed: The seed.

    Returns:
        The run, or None when it has not been cached.
    """
    path = cache_path(out_dir, collection, seed)
    if not path.exists():
        return None
    return PeerRun(**json.loads(path.read_text()))


def run_asreview(exe: Path, coll: Collection, seed: int, out_dir: Path, keep: bool = False,
                 n_stop: int | None = None) -> PeerRun:
    """Simulate one review with ASReview's defaults and cache its metrics.

    Args:
        exe: The ``asreview`` executable.
        coll: The collection.
        seed: Seed of the priors and of ASReview's model.
        out_dir: ``benchmarks/out``.
        keep: Keep the ``.asreview`` project next to the cache.
        n_stop: Stop ASReview after this many labels (its ``--n-stop``); the review
            order's prefix is the same as in a full run, so n80/n95 stay exact when
            reached, but n100 and the wall time then describe a shorter run.

    Returns:
        The run.

    Raises:
        RuntimeError: When ASReview fails or its order disagrees with the gold labels.
    """
    data = out_dir / "asreview_data" / f"{coll.name}.csv"
    if not data.exists():
        write_asreview_csv(coll.path, data)
    pos, neg = draw_priors(coll.labels, seed)
    cache = cache_path(out_dir, coll.name, seed)
    cache.parent.mkdir(parents=True, exist_ok=True)
    log = cache.with_suffix(".log")
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / f"{coll.name}.seed{seed}.asreview"
        cmd = [str(exe), "simulate", str(data), "--prior-idx", str(pos), str(neg),
               "--seed", str(seed), "-o", str(project)]
        if n_stop is not None:
            cmd += ["--n-stop", str(n_stop)]
        start = time.perf_counter()
        with log.open("w") as logf:
            proc = subprocess.run(cmd, stdout=logf, stderr=subprocess.STDOUT)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(f"asreview failed ({proc.returncode}) on {coll.name} seed {seed}; see {log}")
        order, sim_s = read_review_order(project)
        if keep:
            project.replace(cache.with_suffix(".asreview"))
    if order[:2] != [pos, neg]:
        raise RuntimeError(f"{coll.name} seed {seed}: ASReview's order starts {order[:2]}, priors were {[pos, neg]}")
    order_labels = [coll.labels[r] for r in order]
    run = PeerRun(
        collection=coll.name, seed=seed, prior_idx=[pos, neg], n_docs=coll.n_docs,
        n_rel=coll.n_rel, n_read=len(order), wall_s=round(wall, 3), sim_s=round(sim_s, 3),
        asreview_version=ASREVIEW_VERSION, order=order, n_stop=n_stop,
        **order_metrics(order_labels, coll.n_docs, coll.n_rel),  # type: ignore[arg-type]
    )
    cache.write_text(json.dumps(asdict(run)))
    return run


def parse_seeds(text: str) -> list[int]:
    """Parse ``1-5`` or ``1,2,7`` into a list of seeds."""
    seeds: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        seeds.extend(range(int(lo), int(hi or lo) + 1))
    return seeds


def mean_sd(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value)."""
    if not values:
        return math.nan, math.nan
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def parse_peer_reference(path: Path) -> dict[str, dict[str, float]]:
    """Read the reference table of ``PEER-ASREVIEW.md``.

    Args:
        path: The markdown file.

    Returns:
        Per collection name: n80, n95, n95_sd, wss95, wall_s, seeds.
    """
    ref: dict[str, dict[str, float]] = {}
    if not path.exists():
        return ref
    pattern = re.compile(
        r"^\|\s*(\S+)\.csv\s*\|[^|]*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*([\d.]+)\s*\|"
        r"\s*([\d.]+)\s*±\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|"
    )
    for line in path.read_text(encoding="utf-8").splitlines():
        m = pattern.match(line)
        if m:
            ref[m.group(1)] = {
                "seeds": float(m.group(4)), "n80": float(m.group(5)), "n95": float(m.group(6)),
                "n95_sd": float(m.group(7)), "wss95": float(m.group(9)), "wall_s": float(m.group(10)),
            }
    return ref


def _num(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.0f}"


def _capped(runs: list[PeerRun]) -> str:
    """A note when some runs were stopped early with ``--n-stop``."""
    caps = sorted({r.n_stop for r in runs if r.n_stop is not None})
    return f" (capped at {', '.join(map(str, caps))} reads in {sum(r.n_stop is not None for r in runs)} runs)" \
        if caps else ""


def _fmt(mean: float, sd: float, digits: int = 0) -> str:
    return "—" if math.isnan(mean) else f"{mean:.{digits}f} ± {sd:.{digits}f}"


def print_report(out_dir: Path, collections: list[str], seeds: list[int], bench_dir: Path) -> None:
    """Print the cached results per collection and the cross-check with PEER-ASREVIEW.md.

    Args:
        out_dir: ``benchmarks/out``.
        collections: Collection names.
        seeds: Seeds to summarise.
        bench_dir: The bench folder (for PEER-ASREVIEW.md).
    """
    print(f"\nASReview {ASREVIEW_VERSION} (elas_u4 default), seeds {seeds[0]}-{seeds[-1]}")
    print("| collection | docs | rel | runs | n80 | n95 (mean ± sd) | n100 | WSS@95 | RRF@10 | wall s/run |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in collections:
        runs = [r for s in seeds if (r := load_cached(out_dir, name, s)) is not None]
        if not runs:
            print(f"| {name} | | | 0 | | | | | | |")
            continue
        n80, n95, n100, wss, rrf, wall = (
            mean_sd([getattr(r, k) for r in runs if getattr(r, k) is not None])
            for k in ("n80", "n95", "n100", "wss95", "rrf10", "wall_s")
        )
        print(f"| {name} | {runs[0].n_docs} | {runs[0].n_rel} | {len(runs)} | {n80[0]:.0f} | {_fmt(*n95)} | "
              f"{_num(n100[0])} | {wss[0]:.3f} | {rrf[0]:.3f} | {wall[0]:.1f}{_capped(runs)} |")
    ref = parse_peer_reference(bench_dir / "PEER-ASREVIEW.md")
    if not ref:
        return
    print("\nCross-check, seeds 1-3, against PEER-ASREVIEW.md (ours / reference)")
    print("| collection | runs | n80 | n95 (mean ± sd) | WSS@95 | wall s/run | per-seed n95 |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name in collections:
        runs = [r for s in (1, 2, 3) if (r := load_cached(out_dir, name, s)) is not None]
        if name not in ref or not runs:
            continue
        want = ref[name]
        n80 = statistics.fmean(r.n80 for r in runs if r.n80 is not None)
        n95, sd95 = mean_sd([r.n95 for r in runs if r.n95 is not None])
        wss = statistics.fmean(r.wss95 for r in runs if r.wss95 is not None)
        wall = statistics.fmean(r.wall_s for r in runs)
        per_seed = ", ".join(str(r.n95) for r in runs)
        print(f"| {name} | {len(runs)} | {n80:.0f} / {want['n80']:.0f} | {n95:.0f} ± {sd95:.0f} / "
              f"{want['n95']:.0f} ± {want['n95_sd']:.0f} | {wss:.3f} / {want['wss95']:.3f} | "
              f"{wall:.1f}{_capped(runs)} / {want['wall_s']:.1f} | {per_seed} |")


def main(argv: list[str] | None = None) -> int:
    """Run (or report) the ASReview peer benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH_DIR)
    parser.add_argument("--asreview-venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    parser.add_argument("--collections", default=",".join(LOW_PREVALENCE),
                        help="comma-separated CSV stems (default: the six low-prevalence ones)")
    parser.add_argument("--seeds", default="1-5", help="e.g. 1-5 or 1,3,7")
    parser.add_argument("--force", action="store_true", help="re-run runs that are cached")
    parser.add_argument("--keep-projects", action="store_true", help="keep the .asreview files")
    parser.add_argument("--report", action="store_true", help="only print the cached results")
    parser.add_argument("--n-stop", type=int, default=None,
                        help="stop each ASReview run after N labels (n95 stays exact if reached; n100 may not)")
    args = parser.parse_args(argv)

    collections = [c.strip() for c in args.collections.split(",") if c.strip()]
    seeds = parse_seeds(args.seeds)
    if not args.bench_dir.is_dir():
        print(f"bench folder not found: {args.bench_dir}", file=sys.stderr)
        return 2
    if not args.report:
        exe = ensure_asreview(args.asreview_venv)
        for name in collections:
            coll = read_collection(args.bench_dir / f"{name}.csv")
            for seed in seeds:
                if not args.force and (cached := load_cached(args.out_dir, name, seed)) is not None:
                    print(f"{name} seed {seed}: cached n95={cached.n95} wall={cached.wall_s:.1f}s", flush=True)
                    continue
                run = run_asreview(exe, coll, seed, args.out_dir, keep=args.keep_projects, n_stop=args.n_stop)
                print(f"{name} seed {seed}: priors {run.prior_idx} n80={run.n80} n95={run.n95} "
                      f"n100={run.n100} wss95={run.wss95:.3f} wall={run.wall_s:.1f}s", flush=True)
    print_report(args.out_dir, collections, seeds, args.bench_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
