"""Keypress → next document on screen, measured with Textual's Pilot on a large project.

Builds (once, cached in --workdir) a synthetic project of --docs documents:
random words from a Zipf-like vocabulary (the first ten are the title), about 1 %
on a "pricing" topic, tokens precomputed as the importer stores them. Then it runs the real ReviewApp
headless, waits for the engine to load, labels a few seeds, and makes
--decisions decisions at a reviewer's pace (--pace seconds apart) while the
model retrains in the background, recording for each keypress the time until
the next document was rendered (the first screen refresh after the new
document was set). It prints median, p95 and max, how many retrains were
applied during the run, and the fit time.

Retraining runs in a Textual thread worker (the app's default), or with
--backend process in a worker process that holds its own copy of the engine
(the thread then only waits on it), to compare how each keeps the UI responsive.

    nice /work/venv/bin/python benchmarks/latency.py --docs 100000 --decisions 150
    nice /work/venv/bin/python benchmarks/latency.py --docs 100000 --decisions 150 --backend process
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from review.models import NewDocument  # noqa: E402
from review.session import ReviewSession  # noqa: E402
from review.store import Store  # noqa: E402
from review.tui.app import ReviewApp  # noqa: E402
from review.tui.screens import ReviewScreen  # noqa: E402

TOPIC = "price pricing discount tariff supplier contract rebate margin invoice cartel".split()


def build_project(path: Path, n_docs: int, seed: int = 0) -> None:
    """Write a synthetic project of `n_docs` documents at `path` (skipped when it exists)."""
    if path.exists():
        return
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(20_000)])
    weights = 1.0 / np.arange(1, vocab.size + 1) ** 1.1
    lengths = rng.integers(60, 200, size=n_docs)
    words = vocab[rng.choice(vocab.size, size=int(lengths.sum()), p=weights / weights.sum())]
    ends = np.cumsum(lengths)
    relevant = rng.random(n_docs) < 0.01
    store = Store.open(path)
    batch = store.begin_batch("synthetic")
    docs = []
    for i in range(n_docs):
        doc_words = list(words[ends[i] - lengths[i] : ends[i]])
        if relevant[i]:
            doc_words += list(rng.choice(TOPIC, size=8))
            rng.shuffle(doc_words)
        title, text = " ".join(doc_words[:10]), " ".join(doc_words[10:])
        docs.append(NewDocument(f"doc{i:06d}", title, text, source="synthetic",  # tokens as the import stores them
                                metadata={"y": int(relevant[i])}, tokens=f"{title}\n{text}"))
        if len(docs) == 5000:
            store.add_documents(docs, batch)
            docs = []
    if docs:
        store.add_documents(docs, batch)
    store.close()


def fresh_copy(base: Path) -> Path:
    """A copy of the project with no decisions, reusing the saved engine when there is one."""
    run = base.with_name("run-" + base.name)
    for old in (run, run.with_name(run.name + "-wal"), run.with_name(run.name + "-shm")):
        old.unlink(missing_ok=True)
    shutil.rmtree(run.with_name(run.name + ".models"), ignore_errors=True)
    shutil.copy(base, run)
    if base.with_name(base.name + ".models").exists():
        shutil.copytree(base.with_name(base.name + ".models"), run.with_name(run.name + ".models"))
    return run


_ENGINE = None


def _load_engine(path: str) -> None:
    global _ENGINE
    from review.engine import Engine

    _ENGINE = Engine.load(Path(path))


def _rank(labels: np.ndarray, exclude: np.ndarray, version: int, strategy: str):  # type: ignore[no-untyped-def]
    assert _ENGINE is not None
    return _ENGINE.rank(labels, exclude=exclude, version=version, strategy=strategy)


class ProcessBackedSession(ReviewSession):
    """compute_ranking in a worker process holding its own engine (loaded from the saved file)."""

    pool: ProcessPoolExecutor | None = None

    def start_pool(self) -> None:
        """Start the process (spawn) and wait until it has loaded the engine `prepare` saved."""
        path = self.store.models_dir / "engine.joblib"  # type: ignore[operator]
        self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_load_engine, initargs=(str(path),))
        self.pool.submit(int, 0).result()

    def compute_ranking(self, snapshot):  # type: ignore[no-untyped-def]
        assert self.pool is not None
        return self.pool.submit(_rank, snapshot.labels, snapshot.exclude, snapshot.version,
                                snapshot.strategy).result()


UI_METHODS = ("decide", "swap_ranking", "training_snapshot", "progress", "recall_summary")


def instrument(session: ReviewSession) -> dict[str, list[float]]:
    """Time the session calls the UI thread makes (each wrapped on this instance)."""
    costs: dict[str, list[float]] = {name: [] for name in UI_METHODS}
    for name in UI_METHODS:
        method = getattr(session, name)

        def timed(*args, _method=method, _name=name, **kwargs):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return _method(*args, **kwargs)
            finally:
                costs[_name].append(time.perf_counter() - start)

        setattr(session, name, timed)
    return costs


async def measure(db: Path, decisions: int, pace: float, backend: str, seeds: int,
                  sync: str | None = None) -> dict[str, object]:
    store = Store.open(db)
    if sync:
        store.db.execute(f"PRAGMA synchronous = {sync.upper()}")
    cls = ProcessBackedSession if backend == "process" else ReviewSession
    session = cls(store, f"bench-{os.getpid()}", random_state=0)
    for doc in session.search(" OR ".join(TOPIC[:3]), limit=2):  # two known relevant seeds, as a reviewer would search
        session.decide_document(doc.pk, session.config.labels.positive)
    t_prepare = time.perf_counter()
    if backend != "none":
        session.prepare()  # before the app, so that both backends start from the same loaded engine
    if isinstance(session, ProcessBackedSession):
        session.start_pool()
    t_prepare = time.perf_counter() - t_prepare
    ui_costs = instrument(session)
    app = ReviewApp(session, prepare=False)
    rendered: list[tuple[int | None, float]] = []
    """(document shown, time of the first screen refresh after it was set)."""
    original = ReviewScreen.show_current

    def timed_show(self: ReviewScreen, keep_scroll: bool = False) -> None:
        original(self, keep_scroll)
        item = session.current()
        pk = None if item is None else item.document.pk
        self.call_after_refresh(lambda: rendered.append((pk, time.perf_counter())))

    ReviewScreen.show_current = timed_show  # type: ignore[method-assign]
    latencies: list[float] = []
    errors: list[str] = []

    def hook(message: object) -> None:
        from textual.worker import Worker, WorkerState

        if isinstance(message, Worker.StateChanged) and message.state == WorkerState.ERROR:
            errors.append(repr(message.worker.error))

    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await pilot.pause()
        applied_before = app.retrains
        # The reviewer reads each document for `pace` seconds after it appears, then presses.
        # Latency counts from that moment, so time the UI thread spends blocked (applying a
        # ranking, counting) before it can take the key is included.
        next_press = time.perf_counter()
        for i in range(seeds + decisions):
            item = session.current()
            if item is None:
                break
            key = "r" if item.document.metadata.get("y") else "n"  # the hidden truth
            await asyncio.sleep(max(0.0, next_press - time.perf_counter()))
            before = len(rendered)
            await pilot.press(key)
            shown = None
            while shown is None:
                shown = next((t for pk, t in rendered[before:] if pk != item.document.pk), None)
                if shown is None:
                    await asyncio.sleep(0.001)
            if i >= seeds:
                latencies.append(shown - next_press)
            next_press = shown + pace
        await app.workers.wait_for_complete()
        await pilot.pause()
        retrains = app.retrains - applied_before

        ranking = session.ranking
    ReviewScreen.show_current = original  # type: ignore[method-assign]
    if isinstance(session, ProcessBackedSession) and session.pool is not None:
        session.pool.shutdown()
    store.release(session.reviewer)
    store.close()
    ms = sorted(x * 1000 for x in latencies)
    for error in dict.fromkeys(errors):
        print(f"  worker error: {error[:300]}")
    for name, costs in ui_costs.items():
        if costs:
            c = sorted(x * 1000 for x in costs)
            print(f"  UI-thread {name}: n={len(c)} median={statistics.median(c):.1f} ms max={c[-1]:.1f} ms")
    return {
        "backend": backend,
        "sync": sync or "default",
        "decisions": len(ms),
        "median_ms": statistics.median(ms),
        "p95_ms": ms[int(0.95 * (len(ms) - 1))],
        "max_ms": ms[-1],
        "retrains_applied": retrains,
        "last_fit_s": None if ranking is None else round(ranking.fit_seconds, 2),
        "prepare_s": round(t_prepare, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--decisions", type=int, default=150)
    parser.add_argument("--seeds", type=int, default=10, help="Decisions before measuring (not counted).")
    parser.add_argument("--pace", type=float, default=0.3, help="Seconds between keypresses.")
    parser.add_argument("--backend", choices=("thread", "process", "none"), default="thread",
                        help="Where retraining runs; none: no model at all (the baseline).")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/review-latency"))
    parser.add_argument("--sync", choices=("full", "normal"), default=None,
                        help="Override SQLite's synchronous setting (WAL + normal: no fsync per commit).")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    base = args.workdir / f"synthetic-titled-{args.docs}.db"
    t = time.perf_counter()
    build_project(base, args.docs)
    print(f"project: {base} ({args.docs:,} documents, built/opened in {time.perf_counter() - t:.1f} s)")
    db = fresh_copy(base)
    result = asyncio.run(measure(db, args.decisions, args.pace, args.backend, args.seeds, args.sync))
    cached = base.with_name(base.name + ".models")
    if not cached.exists() and db.with_name(db.name + ".models").exists():
        shutil.copytree(db.with_name(db.name + ".models"), cached)
    print(" ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
