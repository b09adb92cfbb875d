"""Replaying a review with gold labels: the engine the review screen uses, run headless.

A simulation starts from prior decisions, asks the `Engine` for a ranking,
"reviews" the next batch (reads its gold labels), retrains, and so on until
every relevant document is found, `max_docs` are read, or a per-round hook
says stop. The run keeps the review order (a ledger, as tarexp does), from
which the recall curve and the usual TAR figures (n80/n95/n100, WSS@95,
RRF@10) follow. Data loading and the token cache live here too so the CLI
stays a thin layer.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from review.engine import Engine
from review.errors import ConfigError, IngestError, SimulationError
from review.models import SKIPPED, LabelSet
from review.records import (
    ID_COLUMNS,
    LABEL_COLUMNS,
    TEXT_COLUMNS,
    TITLE_COLUMNS,
    csv_delimiter,
    find_column,
    label_value,
    open_text,
    unmarked,
)
from review.stopping import StoppingMonitor
from review.store import normalise_label

RoundHook = Callable[[int, np.ndarray, np.ndarray, np.ndarray], "bool | None"]
"""Called after each batch with (step, reviewed rows in order, their gold labels,
current scores for all rows); a truthy return stops the simulation (stopping rules)."""

SQLITE_MAGIC = b"SQLite format 3\x00"
_LABELS_NEEDED = "a simulation needs a label for every record (1/0, yes/no, true/false or the label names)."
TOKEN_CACHE_VERSION = 3
"""Bumped when the text fed to the tokeniser changes (3: HTML entities and tags read as import reads them)."""


@dataclass(frozen=True)
class LabelledData:
    """A labelled collection read from CSV or JSONL, rows in file order."""

    ids: list[str]
    titles: list[str]
    texts: list[str]
    labels: np.ndarray
    """1 relevant, 0 not, one per row."""
    sha1: str
    """Hash of the file's bytes (keys the token cache)."""


@dataclass
class SimulationRun:
    """One simulated review: the ledger and its timings."""

    n_docs: int
    n_rel: int
    order: list[int] = field(default_factory=list)
    """Rows in the order they were reviewed, priors first."""
    rounds: list[int] = field(default_factory=list)
    """For each position in `order`, the retrain round that chose it (0 = priors)."""
    retrain_seconds: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    stopped: str = ""
    """Why the run ended: all-found, max-docs, hook or exhausted."""

    def found_curve(self, gold: np.ndarray) -> np.ndarray:
        """Relevant documents found after each reviewed document."""
        return np.cumsum(gold[np.asarray(self.order, dtype=int)]) if self.order else np.zeros(0, dtype=int)

    def metrics(self, gold: np.ndarray) -> dict[str, float | int | None]:
        """n_docs, n_rel, n80, n95, n100, wss95, rrf10, wall_s, retrains, mean_retrain_s, docs_read.

        nXX is the number of documents read (priors included) to reach XX % recall
        (at least ceil(XX/100 * n_rel) relevant found), None if never reached.
        wss95 = (N - n95)/N - 0.05; rrf10 = recall after ceil(10 % of N) documents.
        """
        found = self.found_curve(gold)
        n, rel = self.n_docs, max(self.n_rel, 1)

        def reach(share: float) -> int | None:
            hits = np.flatnonzero(found >= math.ceil(share * self.n_rel - 1e-9))
            return int(hits[0]) + 1 if hits.size else None

        n95 = reach(0.95)
        k = math.ceil(0.1 * n)
        rrf10 = float(found[min(k, found.size) - 1]) / rel if found.size else 0.0
        times = self.retrain_seconds
        return {
            "n_docs": n, "n_rel": self.n_rel, "n80": reach(0.8), "n95": n95, "n100": reach(1.0),
            "wss95": None if n95 is None else round((n - n95) / n - 0.05, 4), "rrf10": round(rrf10, 4),
            "docs_read": len(self.order), "wall_s": round(self.wall_s, 3), "retrains": len(times),
            "mean_retrain_s": round(float(np.mean(times)), 5) if times else 0.0, "stopped": self.stopped,
        }


def read_labelled(path: Path) -> LabelledData:
    """Read a CSV, TSV or JSONL of labelled records, or a project database (see `read_project`).

    The columns are those `review import` reads (`review.records`: id, title,
    text or abstract, and the first of label, label_included, included,
    relevant, final_included, any case), in any encoding import reads, and
    so are the label values (1/0, yes/no, true/false, relevant/not relevant).

    Raises:
        SimulationError: Unreadable file, missing columns, or a record whose
            label is missing, unknown or undecided (maybe, skip), named by
            its position and id.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            if fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC:
                return read_project(path)
        raw = path.read_bytes()
        if not raw.strip():
            raise SimulationError(f"{path} has no records.")
        with open_text(path) as handle:
            text = handle.read()
    except OSError as exc:
        raise SimulationError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    except IngestError as exc:
        raise SimulationError(f"Cannot read {path}: {exc.message}.") from exc
    records = _jsonl_records(text, path) if path.suffix.lower() in (".jsonl", ".ndjson") else _csv_records(text, path)
    if not records:
        raise SimulationError(f"{path} has no records.")
    columns = list(records[0])
    label_key, id_key = find_column(columns, LABEL_COLUMNS), find_column(columns, ID_COLUMNS)
    title_key, text_key = find_column(columns, TITLE_COLUMNS), find_column(columns, TEXT_COLUMNS)
    if label_key is None or (text_key is None and title_key is None):
        raise SimulationError(f"{path} needs a label column ({', '.join(LABEL_COLUMNS)}) and a text or title column.")
    ids = [str(rec.get(id_key, i)) if id_key else str(i) for i, rec in enumerate(records)]
    labels = [_gold_label(rec.get(label_key), f"{path}, record {i + 1} (id {ids[i]!r})", label_key)
              for i, rec in enumerate(records)]
    return LabelledData(
        ids=ids,
        titles=[unmarked(str(rec.get(title_key) or "")) if title_key else "" for rec in records],
        texts=[unmarked(str(rec.get(text_key) or "")) if text_key else "" for rec in records],
        labels=np.asarray(labels, dtype=int),
        sha1=hashlib.sha1(raw).hexdigest(),
    )


def _gold_label(cell: object, where: str, column: str) -> int:
    """1 or 0 for a label cell, read as `review import` reads it (`records.label_value`, `store.normalise_label`).

    Raises:
        SimulationError: the cell is empty, unknown or undecided.
    """
    names = LabelSet()
    value = label_value(cell)
    if value is None:
        raise SimulationError(f"{where}: no label in column {column!r}; {_LABELS_NEEDED}")
    try:
        label = normalise_label(value, names)
    except ConfigError:
        raise SimulationError(f"{where}: label {value!r} is not a known label "
                              "(use 1/0, yes/no, true/false or relevant/not relevant).") from None
    if label == SKIPPED:
        raise SimulationError(f"{where}: label {value!r} means undecided; {_LABELS_NEEDED}")
    return 1 if label == names.positive else 0


def read_project(path: Path) -> LabelledData:
    """A project database's decided documents, with its decisions as the gold labels.

    Documents whose latest decision is the project's positive label count as
    relevant, the negative label as not; undecided and skipped documents and
    exact duplicates are left out (they have no gold label). Rows follow the
    import order.

    Raises:
        SimulationError: Not a project database, or no relevant or no
            not-relevant decision in it.
    """
    from review.errors import StoreError
    from review.store import Store

    try:
        store = Store.open(path, create=False)
    except StoreError as exc:
        raise SimulationError(str(exc)) from exc
    try:
        names = store.config().labels
        current = store.current_labels(by_original=True)
        ids, titles, texts, labels, digest = [], [], [], [], hashlib.sha1()
        for doc in store.iter_documents():
            label = current.get(doc.pk)
            if doc.duplicate_of is not None or label not in names.names():
                continue
            ids.append(doc.doc_id)
            titles.append(doc.title)
            texts.append(doc.text)
            labels.append(1 if label == names.positive else 0)
            digest.update(f"{doc.doc_id}\0{doc.content_hash}\0".encode())
    finally:
        store.close()
    gold = np.asarray(labels, dtype=int)
    if gold.sum() == 0 or gold.sum() == gold.size:
        raise SimulationError(f"{path} needs at least one {names.positive!r} and one {names.negative!r} decision "
                              f"to simulate with (it has {int(gold.sum())} and {int(gold.size - gold.sum())}).")
    return LabelledData(ids=ids, titles=titles, texts=texts, labels=gold, sha1=digest.hexdigest())


def _csv_records(text: str, path: Path) -> list[dict]:
    csv.field_size_limit(sys.maxsize)
    lines = text.splitlines(keepends=True)
    try:
        return list(csv.DictReader(lines, delimiter=csv_delimiter(lines[0] if lines else "", path)))
    except csv.Error as exc:
        raise SimulationError(f"Malformed CSV: {exc}") from exc


def _jsonl_records(text: str, path: Path) -> list[dict]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise SimulationError(f"{path}, line {n}: not JSON ({exc.msg}).") from exc
    return out


def cache_dir() -> Path:
    """Where token caches go: $REVIEW_CACHE_DIR, else $XDG_CACHE_HOME/review, else ~/.cache/review."""
    if os.environ.get("REVIEW_CACHE_DIR"):
        return Path(os.environ["REVIEW_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "review"


def load_tokens(data: LabelledData, use_cache: bool = True) -> list[str]:
    """Tokens (title and text, via review.text) for every row, cached by the file's SHA-1."""
    from joblib import dump, load

    path = cache_dir() / f"{_tokens_key(data)}.joblib"
    if use_cache and path.exists():
        try:
            cached = load(path)
            if cached.get("version") == TOKEN_CACHE_VERSION and len(cached["tokens"]) == len(data.ids):
                return cached["tokens"]
        except Exception:  # a corrupt cache is rebuilt, never fatal
            pass
    from review.text import record_input, tokenize_parallel

    tokens = tokenize_parallel([record_input(t, x) for t, x in zip(data.titles, data.texts)])
    if use_cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            dump({"version": TOKEN_CACHE_VERSION, "tokens": tokens}, path)
        except OSError:
            pass
    return tokens


def _tokens_key(data: LabelledData) -> str:
    """The file's SHA-1 combined with review.text's source, so a tokeniser change invalidates the cache."""
    import review.text

    source = Path(review.text.__file__).read_bytes()
    return hashlib.sha1(data.sha1.encode() + source).hexdigest()


def default_priors(gold: np.ndarray, seed: int, rows: Sequence[int] | None = None) -> list[int]:
    """One relevant and one non-relevant row, drawn exactly as peers do.

    `rng = random.Random(seed); pos = rng.choice(relevant); neg = rng.choice(nonrelevant)`
    over 0-based row positions in file order (restricted to `rows` if given).

    Raises:
        SimulationError: The data lacks a relevant or a non-relevant row.
    """
    pool = list(range(len(gold))) if rows is None else list(rows)
    relevant = [i for i in pool if gold[i] == 1]
    nonrelevant = [i for i in pool if gold[i] == 0]
    if not relevant or not nonrelevant:
        raise SimulationError("The data needs at least one relevant and one non-relevant document.")
    rng = random.Random(seed)
    pos = rng.choice(relevant)
    neg = rng.choice(nonrelevant)
    return [pos, neg]


def priors_from_ids(data: LabelledData, ids: Sequence[str]) -> list[int]:
    """Row positions of the given document ids (in the given order)."""
    where = {doc_id: i for i, doc_id in enumerate(data.ids)}
    missing = [i for i in ids if i not in where]
    if missing:
        raise SimulationError(f"Unknown prior id(s): {', '.join(missing)}")
    return [where[i] for i in ids]


def batch_sizes(schedule: str | int) -> Callable[[int, int], int]:
    """A function (round, previous batch) -> next batch size for a schedule.

    Schedules: an integer N (fixed, 1 = retrain after every decision) or
    "autotar" (Cormack & Grossman: start at 1, grow by ceil(B/10) each round).

    Raises:
        SimulationError: Anything else.
    """
    if str(schedule).lower() == "autotar":
        return lambda step, prev: 1 if step == 1 else prev + math.ceil(prev / 10)
    try:
        size = int(schedule)
    except ValueError:
        size = 0
    if size < 1:
        raise SimulationError(f"Batch must be a positive integer or 'autotar', not {schedule!r}.")
    return lambda step, prev: size


def simulate(
    engine: Engine,
    gold: np.ndarray,
    priors: Sequence[int],
    batch: str | int = "autotar",
    max_docs: int | None = None,
    exclude: np.ndarray | None = None,
    on_round: RoundHook | None = None,
    progress: Callable[[int, int], None] | None = None,
    stop_when_all_found: bool = True,
) -> SimulationRun:
    """Replay a review on a loaded engine with gold labels.

    Args:
        engine: An Engine with the collection loaded (its strategy is used).
        gold: 1/0 gold label per row.
        priors: Rows decided before the first retrain; they count as reviewed.
        batch: Batch schedule (see `batch_sizes`).
        max_docs: Stop after this many reviewed documents (priors included).
        exclude: Rows never to review (e.g. a held-out test split).
        on_round: Per-round hook (see RoundHook); a truthy return stops the run.
        progress: Called with (documents reviewed, relevant found) after each batch.
        stop_when_all_found: False keeps reviewing after the last relevant
            document (until `on_round` says stop or the collection runs out),
            as stopping rules must be seen to fire.

    Returns:
        The run's ledger; call `metrics(gold)` for the figures.
    """
    start = time.perf_counter()
    gold = np.asarray(gold, dtype=int)
    n = gold.size
    if engine.n_docs != n:
        raise SimulationError(f"The engine holds {engine.n_docs} documents but there are {n} gold labels.")
    blocked = np.zeros(n, dtype=bool) if exclude is None else np.asarray(exclude, dtype=bool)
    target = int(gold[~blocked].sum())
    run = SimulationRun(n_docs=n, n_rel=int(gold.sum()))
    limit = min(max_docs or n, int((~blocked).sum()))
    labels = np.full(n, -1)
    for row in priors:
        if labels[row] == -1:
            labels[row] = gold[row]
            run.order.append(int(row))
            run.rounds.append(0)
    found = int(labels.clip(0).sum())
    next_size, size, step = batch_sizes(batch), 0, 0
    while True:
        if found >= target and stop_when_all_found:
            run.stopped = "all-found"
            break
        if len(run.order) >= limit:
            run.stopped = "max-docs" if limit < int((~blocked).sum()) else "exhausted"
            break
        step += 1
        size = next_size(step, size)
        ranking = engine.rank(labels, exclude=blocked, version=step)
        run.retrain_seconds.append(ranking.fit_seconds)
        picked = ranking.order[: min(size, limit - len(run.order))]
        labels[picked] = gold[picked]
        run.order.extend(int(r) for r in picked)
        run.rounds.extend([step] * len(picked))
        found += int(gold[picked].sum())
        if progress is not None:
            progress(len(run.order), found)
        if on_round is not None:
            reviewed = np.asarray(run.order, dtype=int)
            if on_round(step, reviewed, gold[reviewed], ranking.scores):
                run.stopped = "hook"
                break
    run.wall_s = time.perf_counter() - start
    return run


def stopping_monitor(gold: np.ndarray, rules: Sequence[str] | None, target: float, confidence: float,
                     seed: int) -> StoppingMonitor:
    """A monitor for a simulated review, its up-front samples drawn with the gold labels.

    Args:
        gold: 1/0 gold label per row (the oracle for samples).
        rules: Rule names, or None for every rule (review.stopping.RULES).
        target: The recall the rules aim for.
        confidence: 1 - alpha.
        seed: Seed of the rules' random samples.
    """
    oracle = lambda row: int(gold[row])  # noqa: E731
    monitor = StoppingMonitor(gold.size, target, confidence, rules=rules, random_state=seed, oracle=oracle)
    monitor.draw_samples(oracle)
    return monitor


def monitor_hook(monitor: StoppingMonitor) -> RoundHook:
    """A per-round hook feeding `monitor`; it ends the run once every rule has fired."""

    def hook(step: int, reviewed: np.ndarray, labels: np.ndarray, scores: np.ndarray) -> bool:
        monitor.observe(step, reviewed, labels, scores)
        return all(name in monitor.stops for name in monitor.rules)

    return hook


def summarise(runs: Sequence[dict]) -> dict[str, dict[str, float | None]]:
    """Mean and sample standard deviation of each numeric metric over runs (None when any run lacks it)."""
    out: dict[str, dict[str, float | None]] = {}
    for key in runs[0]:
        values = [r.get(key) for r in runs]
        if key == "seed" or not any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            continue
        if any(v is None for v in values):
            out[key] = {"mean": None, "sd": None}
            continue
        arr = np.asarray(values, dtype=float)
        out[key] = {"mean": round(float(arr.mean()), 4), "sd": round(float(arr.std(ddof=1)), 4) if arr.size > 1 else 0.0}
    return out


def stratified_split(gold: np.ndarray, test_share: float, seed: int) -> np.ndarray:
    """A seeded stratified test mask: `test_share` of each label's rows (rounded)."""
    rng = np.random.default_rng(seed)
    test = np.zeros(gold.size, dtype=bool)
    for value in (0, 1):
        rows = np.flatnonzero(gold == value)
        test[rng.choice(rows, size=int(round(test_share * rows.size)), replace=False)] = True
    return test


def classification_scores(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Accuracy, precision, recall and F1 of 0/1 predictions (positive class 1; 0 when undefined)."""
    tp = int(((predicted == 1) & (truth == 1)).sum())
    fp = int(((predicted == 1) & (truth == 0)).sum())
    fn = int(((predicted == 0) & (truth == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = float((predicted == truth).mean()) if truth.size else 0.0
    return {"accuracy": round(accuracy, 4), "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def _evaluate(engine: Engine, gold: np.ndarray, rows: Sequence[int], test: np.ndarray) -> dict[str, float]:
    labels = np.full(gold.size, -1)
    labels[np.asarray(rows, dtype=int)] = gold[np.asarray(rows, dtype=int)]
    ranking = engine.rank(labels, exclude=np.ones(gold.size, dtype=bool))
    return classification_scores(gold[test], (ranking.scores[test] >= 0.5).astype(int))


def learning_curve(
    engine: Engine,
    gold: np.ndarray,
    counts: Sequence[int],
    seed: int,
    batch: str | int = 1,
    test_share: float = 0.3,
) -> dict:
    """Test-split quality of the model at each label count, active (engine strategy) vs random.

    A stratified `test_share` of rows is held out (seeded); both curves start from
    the same default priors drawn from the training rows. Accuracy, precision,
    recall and F1 are measured on the held-out rows after `n` labels for each
    `n` in `counts`, and for a model trained on the whole training split
    (`full`). The active review goes on past its last relevant document, so
    both curves have every count.

    Returns:
        {"test_size", "train_size", "counts", "active": [...], "random": [...], "full": {...}}

    Raises:
        SimulationError: no counts, a count below 2 (the two priors), or one
            above the training split.
    """
    gold = np.asarray(gold, dtype=int)
    test = stratified_split(gold, test_share, seed)
    train_rows = np.flatnonzero(~test)
    counts = sorted({int(c) for c in counts})
    if not counts or counts[0] < 2 or counts[-1] > train_rows.size:
        raise SimulationError(
            f"Learning-curve label counts must be from 2 (the two starting decisions) to {train_rows.size:,}, "
            f"the training split ({gold.size:,} documents less {int(test.sum()):,} held out for testing); "
            f"got {', '.join(map(str, counts)) or 'none'}. The model trained on all {train_rows.size:,} is always "
            "reported (\"full\").")
    priors = default_priors(gold, seed, train_rows)
    active = simulate(engine, gold, priors, batch=batch, max_docs=counts[-1], exclude=test,
                      on_round=None, stop_when_all_found=False).order
    rest = np.random.default_rng(seed).permutation(np.setdiff1d(train_rows, priors))
    random_order = list(priors) + rest.tolist()

    def curve(order: Sequence[int]) -> list[dict]:
        return [{"n_labels": c, **_evaluate(engine, gold, order[:c], test)} for c in counts if c <= len(order)]

    return {
        "test_size": int(test.sum()), "train_size": int(train_rows.size), "counts": counts,
        "active": curve(active), "random": curve(random_order),
        "full": {"n_labels": int(train_rows.size), **_evaluate(engine, gold, train_rows, test)},
    }
