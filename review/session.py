"""A review session: the queue, decisions, undo and retraining, without a UI.

The TUI, the CLI and scripts all drive a `ReviewSession`. Retraining is split
into "data in, result out" steps so that a front end can fit in a worker
thread while the reviewer keeps going:

1. `snapshot = session.training_snapshot()` (caller's thread, cheap),
2. `ranking = session.compute_ranking(snapshot)` (any thread; touches no SQLite),
3. `session.apply_ranking(ranking)` (caller's thread: swaps the queue in).

`session.retrain()` does all three at once.
"""

from __future__ import annotations

import logging
import random
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from review import validation
from review.errors import ConfigError, ReviewError
from review.estimate import RecallSummary, RecallTracker, reviewed_order
from review.models import SKIPPED, STRATEGIES, Decision, Document, ReviewConfig
from review.schema import ENGINE_SIGNATURE
from review.store import Store, group_label
from review.text import record_input, tokenize_parallel

if TYPE_CHECKING:
    from review.engine import Engine, Ranking

log = logging.getLogger(__name__)

ENGINE_FILE = "engine.joblib"
"""The saved engine's file name in the project's models folder."""


@dataclass(frozen=True)
class QueueItem:
    """The document in front of the reviewer and why it is there."""

    document: Document
    rank: int | None
    score: float | None
    strategy: str
    model_version: int | None
    reason: str


@dataclass(frozen=True)
class TrainingSnapshot:
    """Plain data for one retrain, taken on the session's thread."""

    labels: np.ndarray
    exclude: np.ndarray
    version: int
    strategy: str


@dataclass(frozen=True)
class Progress:
    """Counts for the side panel and `review status`."""

    reviewed: int
    total: int
    relevant: int
    not_relevant: int
    skipped: int
    gain_curve: tuple[int, ...]
    """Relevant found after each decision, in log order (one entry per decided document)."""


@dataclass
class _Tally:
    """The running state behind `ReviewSession.progress` (the log is append-only)."""

    last_id: int = 0
    members: dict[int, dict[int, tuple[int, str | None]]] = field(default_factory=dict)
    """Group (original pk) -> copy pk -> (entry id, label) of its latest entry."""
    state: dict[int, str | None] = field(default_factory=dict)
    counts: Counter[str | None] = field(default_factory=Counter)
    curve: list[int] = field(default_factory=list)

    def add(self, group: int, doc_pk: int, entry_id: int, label: str | None, positive: str, negative: str) -> None:
        members = self.members.setdefault(group, {})
        members[doc_pk] = (entry_id, label)
        label = group_label(members.values())  # as `Store.current_labels(by_original=True)` has it
        self.counts[self.state.get(group)] -= 1
        self.counts[label] += 1
        self.state[group] = label
        reviewed = self.counts[positive] + self.counts[negative]
        del self.curve[reviewed:]  # an undo shortens the curve
        if reviewed > len(self.curve):
            self.curve.append(self.counts[positive])
        elif self.curve:
            self.curve[-1] = self.counts[positive]


class ReviewSession:
    """One reviewer's session over a project database.

    Args:
        store: The open project store.
        reviewer: The name recorded with each decision.
        random_state: Seed for cold-start order and the model.
    """

    def __init__(self, store: Store, reviewer: str = "reviewer", random_state: int | None = 0) -> None:
        self.store = store
        self.reviewer = reviewer
        self.random_state = random_state
        self.config: ReviewConfig = store.config()
        self.strategy: str = self.config.effective_strategy()
        self.ranking: Ranking | None = None
        self.engine: Engine | None = None
        self._pks: np.ndarray = np.zeros(0, dtype=np.int64)
        self._row: dict[int, int] = {}
        self._dupes: np.ndarray = np.zeros(0, dtype=bool)
        self._queue: deque[int] = deque()
        self._queue_meta: dict[int, tuple[int, float]] = {}
        self._queue_reason = "import order"
        self._queue_version: int | None = None
        self._current: QueueItem | None = None
        self._decided: set[int] = set(store.current_labels(by_original=True))
        self._validation_pending: set[int] = set()
        self._unsaved_ranking: tuple[Ranking, list[int]] | None = None
        self._unique_total: int | None = None
        self._original: dict[int, int] | None = None
        self._ranked_by: Engine | None = None
        self._loaded_only = False
        self._tally = _Tally()
        self._tracker = RecallTracker(self.config.target_recall, self.config.confidence)
        self._load_saved_queue()

    # -- preparing the engine (slow: run it off the UI thread) -----------------

    def prepare(self, progress: object | None = None) -> None:
        """Tokenise what is missing, load the corpus into the engine, rank once.

        This is the slow step (seconds on a large corpus). Front ends call it
        in a worker; the queue saved by the last session is usable before.
        """
        from review.engine import Engine

        # Front ends run this in a worker thread: give it its own connection.
        store = Store.open(self.store.path) if self.store.path is not None else self.store
        try:
            self._tokenise_missing(store)
            # Read before the corpus: an import that lands in between then makes the saved engine
            # disagree with it, and the next start rebuilds rather than trusting stale tokens.
            signature = store.corpus_signature(store.count_documents())
            pks, tokens, dupes = store.corpus()
            if not pks:
                raise ReviewError("The project has no documents yet: add some with `review import FOLDER`.")
            engine = self._load_engine(store, len(pks))
            changed = engine is None or engine.n_docs < len(pks)
            if engine is None:
                engine = Engine(strategy=self.strategy, mixed_share=self.config.mixed_share,
                                random_state=self.random_state)
                engine.load_corpus(tokens)
            elif engine.n_docs < len(pks):
                engine.extend_corpus(tokens[engine.n_docs :])
            if changed:
                self._save_engine(store, engine, signature)
        finally:
            if store is not self.store:
                store.close()
        # Assigned last: `ready` turns true only once everything a retrain reads is in place.
        self._pks = np.asarray(pks, dtype=np.int64)
        self._row = {pk: i for i, pk in enumerate(pks)}
        self._dupes = np.asarray(dupes, dtype=bool)
        self._unique_total = None
        self._original = None
        self._tally = _Tally()  # read the log again: new copies may map labels onto originals
        self._loaded_only = False
        self.engine = engine

    def new_documents(self) -> int:
        """Documents imported since `prepare` loaded the corpus (0 before it has).

        A front end that finds some runs `prepare` again (it extends the engine,
        keeping its vocabulary) while no retrain is running, then retrains.
        """
        if self.engine is None:
            return 0
        return self.store.count_documents(after_pk=int(self._pks[-1]) if len(self._pks) else 0)

    @property
    def ready(self) -> bool:
        """True once `prepare` has run and the session can retrain."""
        return self.engine is not None

    @staticmethod
    def _tokenise_missing(store: Store) -> None:
        while True:
            todo = store.untokenised(limit=5000)
            if not todo:
                return
            tokens = tokenize_parallel([record_input(title, text) for _, title, text in todo])
            store.set_tokens((pk, tok or " ") for (pk, _, _), tok in zip(todo, tokens))

    def _engine_path(self) -> Path | None:
        folder = self.store.models_dir
        return None if folder is None else folder / ENGINE_FILE

    def _load_engine(self, store: Store, n_docs: int) -> Engine | None:
        """The saved engine, unless a document it holds was re-imported with new text since."""
        from review.engine import Engine

        path = self._engine_path()
        if path is None or not path.exists():
            return None
        try:
            engine = Engine.load(path)
        except (ReviewError, OSError, EOFError, ValueError) as exc:
            log.warning("ignoring saved engine %s: %s", path, exc)
            return None
        if engine.n_docs > n_docs:
            return None
        if store.setting(ENGINE_SIGNATURE) != store.corpus_signature(engine.n_docs):
            return None
        return engine

    def _save_engine(self, store: Store, engine: Engine, signature: str) -> None:
        """Keep the engine for the next start: a cache, so a failure to write it only costs that start time."""
        path = self._engine_path()
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            engine.save(path)
            store.set_setting(ENGINE_SIGNATURE, signature)
        except (OSError, ReviewError) as exc:
            log.warning("could not save the engine to %s: %s", path, exc)

    # -- retraining ----------------------------------------------------------

    def training_snapshot(self) -> TrainingSnapshot:
        """The labels and exclusions for one retrain (cheap; caller's thread).

        Raises:
            ReviewError: `prepare` has not run yet.
        """
        if self.engine is None:
            raise ReviewError("The model is still loading the corpus.")
        labels = np.full(len(self._pks), -1, dtype=np.int8)
        positive, negative = self.config.labels.positive, self.config.labels.negative
        for pk, label in self.store.current_labels(by_original=True).items():
            row = self._row.get(pk)
            if row is None:
                continue
            if label == positive:
                labels[row] = 1
            elif label == negative:
                labels[row] = 0
        exclude = self._dupes.copy()
        for pk in validation.sample_pks(self.store):  # an elusion sample never trains or steers the model
            if pk in self._row:
                labels[self._row[pk]] = -1
                exclude[self._row[pk]] = True
        return TrainingSnapshot(labels, exclude, self.store.next_model_version(), self.strategy)

    def compute_ranking(self, snapshot: TrainingSnapshot) -> Ranking:
        """Fit and rank (slow; safe in a worker thread: touches no SQLite)."""
        if self.engine is None:
            raise ReviewError("The model is still loading the corpus.")
        return self.engine.rank(snapshot.labels, exclude=snapshot.exclude, version=snapshot.version,
                                strategy=snapshot.strategy)

    def queue_for(self, ranking: Ranking) -> tuple[list[int], dict[int, tuple[int, float]]]:
        """The queue order (pks) and pk -> (rank, score) for `ranking`.

        Pure computation (any thread; touches no SQLite): a front end runs it in
        its worker so that `swap_ranking` on the UI thread stays cheap.
        """
        order = self._pks[ranking.order].tolist()
        meta = dict(zip(order, zip(range(1, len(order) + 1), ranking.scores[ranking.order].tolist())))
        return order, meta

    def swap_ranking(self, ranking: Ranking, order: list[int], meta: dict[int, tuple[int, float]],
                     keep_current: bool = True) -> None:
        """Put a new ranking in and rebuild the queue, without writing its scores yet.

        Writing 100k scores takes about a second, too long for a UI thread
        between two keypresses: `save_ranking` does it later.

        Args:
            ranking: The result of `compute_ranking`.
            order: From `queue_for(ranking)`.
            meta: From `queue_for(ranking)`.
            keep_current: Leave the document on screen where it is (a front end
                never swaps a document under the reviewer's eyes); False puts it
                back so that the new ranking's first document comes next.
        """
        if not keep_current and self._current is not None:
            self.store.release(self.reviewer, self._current.document.pk)
            self._current = None
        self.ranking = ranking
        self._ranked_by = self.engine  # front ends never swap in a ranking from an engine `prepare` replaced
        if ranking.cold_start_reason is None:
            self.store.record_model(ranking.version, ranking.n_labels, ranking.strategy, ranking.fit_seconds)
        self._queue_version = ranking.version if ranking.cold_start_reason is None else None
        self._queue_reason = ranking.cold_start_reason or f"{ranking.strategy} ranking, model v{ranking.version}"
        self._queue_from(ranking, order, meta)
        self._unsaved_ranking = (ranking, order)

    def save_ranking(self) -> bool:
        """Write the scores of the ranking in use, if not yet written; True if it wrote.

        A random (cold-start) order is never written: the next start draws its own.
        """
        if self._unsaved_ranking is None:
            return False
        ranking, order = self._unsaved_ranking
        self._unsaved_ranking = None
        if ranking.cold_start_reason is not None:
            return False
        ranks = dict(zip(order, range(1, len(order) + 1)))
        self.store.save_scores(ranking.version, self._pks.tolist(), ranking.scores.tolist(), ranks)
        return True

    def apply_ranking(self, ranking: Ranking, keep_current: bool = True) -> None:
        """`queue_for`, `swap_ranking` and `save_ranking` in one call."""
        order, meta = self.queue_for(ranking)
        self.swap_ranking(ranking, order, meta, keep_current)
        self.save_ranking()

    def retrain(self) -> Ranking:
        """Snapshot, fit and apply in one call (for scripts and the CLI)."""
        if self.engine is None:
            self.prepare()
        ranking = self.compute_ranking(self.training_snapshot())
        self.apply_ranking(ranking, keep_current=False)
        return ranking

    def set_strategy(self, strategy: str) -> None:
        """Switch strategy; the next retrain uses it.

        Raises:
            ConfigError: unknown strategy.
        """
        if strategy not in STRATEGIES:
            raise ConfigError(f"Unknown strategy {strategy!r}: choose from {', '.join(STRATEGIES)}.")
        self.strategy = strategy

    def cycle_strategy(self) -> str:
        """Move to the next of relevance / uncertainty / mixed and return it."""
        cycle = ["relevance", "uncertainty", "mixed"]
        nxt = cycle[(cycle.index(self.strategy) + 1) % 3] if self.strategy in cycle else "relevance"
        self.set_strategy(nxt)
        return nxt

    # -- the queue -----------------------------------------------------------

    def _load_saved_queue(self) -> None:
        saved = self.store.scores()
        if saved:
            ranked = sorted((rank, pk) for pk, (_, _, rank) in saved.items() if rank is not None)
            self._queue_version = next(iter(saved.values()))[0]
            self._queue_reason = f"saved ranking, model v{self._queue_version}"
            self._set_queue([pk for _, pk in ranked], {pk: (r, saved[pk][1]) for r, pk in ranked})
        else:
            pks, _, dupes = self.store.corpus()
            order = [pk for pk, dup in zip(pks, dupes) if not dup]
            random.Random(self.random_state).shuffle(order)
            self._queue_reason = "random order: no model yet"
            self._set_queue(order, {})
            self._front_load_seed_query()

    def _front_load_seed_query(self) -> None:
        query = self.store.setting("seed_query")
        if not query:
            return
        hits = [d.pk for d in self.store.search(query, limit=200)]
        if hits:
            hit_set = set(hits)
            rest = [pk for pk in self._queue if pk not in hit_set]
            self._queue = deque(hits + rest)
            self._queue_reason = f"cold start: search results for {query!r} first, then random order"

    def set_seed_query(self, query: str) -> list[Document]:
        """Put the hits of a full-text query first while the model cannot rank yet."""
        self.store.set_setting("seed_query", query)
        hits = self.store.search(query, limit=200)
        if self.ranking is None or self.ranking.cold_start_reason is not None:
            self._front_load_seed_query()
        return hits

    def _set_queue(self, order: list[int], meta: dict[int, tuple[int, float]]) -> None:
        current = self._current.document.pk if self._current else None
        self._queue = deque(pk for pk in order if pk not in self._decided and pk != current)
        self._queue_meta = meta
        self._front_load_validation()

    def _front_load_validation(self) -> None:
        current = self._current.document.pk if self._current else None
        pending = validation.pending(self.store)
        self._validation_pending = set(pending)
        sample = [pk for pk in pending if pk != current]
        if sample:
            self._queue = deque(sample + [pk for pk in self._queue if pk not in self._validation_pending])

    def start_validation(self, size: int | None = None) -> validation.Validation:
        """Draw an elusion sample; its documents come next in the queue (see review.validation)."""
        drawn = validation.start(self.store, size, random_state=None)
        self._front_load_validation()
        return drawn

    def planned_validation(self) -> tuple[int, str | None]:
        """The elusion sample's default size and, when it is a poor deal now, why (raises ReviewError when none can be drawn)."""
        return validation.plan(self.store)

    def cancel_validation(self) -> int:
        """Abandon the open elusion sample; its unlabelled documents rejoin the ranked queue. Returns their number."""
        released = set(validation.pending(self.store))
        validation.cancel(self.store)
        self._validation_pending = set()
        if self._current is not None and self._current.document.pk in released:
            self.store.release(self.reviewer, self._current.document.pk)
            self._current = None  # a random sample document: the ranked order decides what comes next
        if self.ranking is not None:
            self._queue_from(self.ranking, *self.queue_for(self.ranking))
        return len(released)

    def _queue_from(self, ranking: Ranking, order: list[int], meta: dict[int, tuple[int, float]]) -> None:
        """The queue for `ranking`; a random order's placeholder scores rank nothing, so decisions
        made from it record no score or rank, and search hits for the seed query come first."""
        self._set_queue(order, meta if ranking.cold_start_reason is None else {})
        if ranking.cold_start_reason is not None:
            self._front_load_seed_query()

    def validation(self) -> validation.Validation | None:
        """The latest elusion sample's progress and, once labelled, its recall bound."""
        return validation.state(self.store)

    def current(self) -> QueueItem | None:
        """The document to show now (None when nothing is left to review)."""
        if self._current is None:
            self._advance()
        return self._current

    def _advance(self) -> None:
        self._current = None
        others = self.store.leased_by_others(self.reviewer)
        while self._queue:
            pk = self._queue.popleft()
            in_sample = pk in self._validation_pending
            if (pk in self._decided and not in_sample) or pk in others:
                continue
            label = self.store.current_label(pk)
            if label is not None and not (in_sample and label == SKIPPED):  # decided meanwhile
                self._decided.add(pk)
                self._validation_pending.discard(pk)
                continue
            if not self.store.lease(pk, self.reviewer):
                continue
            rank, score = self._queue_meta.get(pk, (None, None))
            reason = "elusion sample (random) for `review validate`" if in_sample else self._queue_reason
            self._current = QueueItem(self.store.document(pk), rank, score, self.strategy,
                                      self._queue_version, reason)
            return

    def keep_lease(self) -> None:
        """Renew the lease on the document on screen (leases lapse after 10 minutes)."""
        if self._current is not None:
            self.store.lease(self._current.document.pk, self.reviewer)

    def remaining(self) -> int:
        """Documents still in the queue (the current one included)."""
        return len(self._queue) + (1 if self._current else 0)

    # -- decisions -----------------------------------------------------------

    def decide(self, label: str, note: str | None = None, tags: tuple[str, ...] | None = None) -> Decision:
        """Record a decision on the current document and move to the next.

        A note or tags attached before the decision are kept unless replaced.

        Raises:
            ReviewError: there is no current document.
            ConfigError: `label` is not a project label or "skipped".
        """
        item = self.current()
        if item is None:
            raise ReviewError("Nothing left to review.")
        pending = self.store.latest_entry(item.document.pk)
        decision = self.store.record(
            item.document.pk, label, self.reviewer, model_version=item.model_version,
            rank=item.rank, score=item.score,
            note=note if note is not None else (pending.note if pending else ""),
            tags=tags if tags is not None else (pending.tags if pending else ()),
        )
        self._decided.add(item.document.pk)
        self.store.release(self.reviewer, item.document.pk)
        if label == SKIPPED and item.document.pk in self._validation_pending:
            # A skipped sample document comes back after the rest of the sample.
            ahead = sum(1 for pk in self._queue if pk in self._validation_pending)
            self._queue.insert(ahead, item.document.pk)
        self._advance()
        return decision

    def relevant(self, note: str | None = None, tags: tuple[str, ...] | None = None) -> Decision:
        return self.decide(self.config.labels.positive, note, tags)

    def not_relevant(self, note: str | None = None, tags: tuple[str, ...] | None = None) -> Decision:
        return self.decide(self.config.labels.negative, note, tags)

    def skip(self, note: str | None = None) -> Decision:
        return self.decide(SKIPPED, note)

    def decide_document(self, pk: int, label: str | None, note: str | None = None) -> Decision:
        """Label any document directly (from search results or history); its note and tags stay
        unless a new note is given."""
        latest = self.store.latest_entry(pk)
        decision = self.store.record(
            pk, label, self.reviewer, kind="edit",
            note=note if note is not None else (latest.note if latest else ""),
            tags=latest.tags if latest else (),
        )
        if label is None:
            self._decided.discard(pk)
        else:
            self._decided.add(pk)
            if self._current is not None and self._current.document.pk == pk:
                self.store.release(self.reviewer, pk)
                self._advance()
            elif pk in self._queue:
                self._queue.remove(pk)
        return decision

    def undo(self) -> Decision | None:
        """Undo this reviewer's latest decision still standing; its document comes back.

        Returns the undo entry, or None when there is nothing to undo.
        """
        last = self.store.last_undoable(self.reviewer)
        if last is None:
            return None
        latest = self.store.latest_entry(last.doc_pk) or last  # keep notes and tags added since
        entry = self.store.record(last.doc_pk, last.previous_label, self.reviewer, kind="undo", undoes=last.id,
                                  note=latest.note, tags=latest.tags)
        if last.previous_label is None:
            self._decided.discard(last.doc_pk)
            if self._current is not None:
                self.store.release(self.reviewer, self._current.document.pk)
                self._queue.appendleft(self._current.document.pk)
            self.store.lease(last.doc_pk, self.reviewer)
            rank, score = self._queue_meta.get(last.doc_pk, (last.rank, last.score))
            self._current = QueueItem(self.store.document(last.doc_pk), rank, score, self.strategy,
                                      self._queue_version, "brought back by undo")
        return entry

    def annotate(self, note: str | None = None, tags: tuple[str, ...] | None = None, pk: int | None = None) -> None:
        """Attach a note and/or tags to a document (the current one by default).

        On an undecided document the note waits and is saved with its decision.
        """
        if pk is None:
            if self._current is None:
                raise ReviewError("No document to annotate.")
            pk = self._current.document.pk
        last = self.store.latest_entry(pk)
        label = last.label if last else None
        self.store.record(pk, label, self.reviewer, kind="edit",
                          note=note if note is not None else (last.note if last else ""),
                          tags=tags if tags is not None else (last.tags if last else ()))

    def latest_note(self, pk: int) -> str:
        entry = self.store.latest_entry(pk)
        return entry.note if entry else ""

    def latest_tags(self, pk: int) -> tuple[str, ...]:
        entry = self.store.latest_entry(pk)
        return entry.tags if entry else ()

    def search(self, query: str, limit: int = 50) -> list[Document]:
        return self.store.search(query, limit)

    def history(self, limit: int | None = 200) -> list[Decision]:
        return self.store.history(limit=limit)

    # -- numbers -------------------------------------------------------------

    def progress(self) -> Progress:
        """Counts and the gain curve, read incrementally from the append-only log."""
        tally = self._tally
        positive, negative = self.config.labels.positive, self.config.labels.negative
        original = self._original  # a local: `prepare` resets it from its worker thread
        if original is None:
            original = self._original = self.store.duplicate_map()
        for entry in self.store.iter_log(after_id=tally.last_id):
            # a labels file can label any copy: count it once, as its original (the total has no copies)
            tally.add(original.get(entry.doc_pk, entry.doc_pk), entry.doc_pk, entry.id, entry.label, positive, negative)
            tally.last_id = entry.id
        counts = tally.counts
        return Progress(
            reviewed=counts[positive] + counts[negative],
            total=self.unique_documents(),
            relevant=counts[positive],
            not_relevant=counts[negative],
            skipped=counts[SKIPPED],
            gain_curve=tuple(tally.curve),
        )

    def recall_summary(self) -> RecallSummary | None:
        """The recall estimate and stop suggestion (None until a model has ranked).

        Reads the decision log once (O(decisions)); front ends call it after a
        retrain, not after every keypress.
        """
        if self.ranking is None or self.ranking.cold_start_reason is not None:
            return None
        if len(self.ranking.scores) != len(self._pks):
            return None  # documents were added since it ranked
        new = self.new_documents()
        if new and not self._loaded_only:
            return None  # an estimate would leave out what was imported; the front end is adding it
        keep = np.flatnonzero(~self._dupes)
        index = {int(self._pks[r]): i for i, r in enumerate(keep)}
        order = reviewed_order(self.store)
        picked = [i for i, pk in enumerate(order.pks) if pk in index]
        sampled = [(index[pk], y) for pk, y in zip(order.outside_pks, order.outside_labels) if pk in index]
        summary = self._tracker.update(
            [index[order.pks[i]] for i in picked], [order.labels[i] for i in picked],
            [order.served[i] for i in picked], self.ranking.scores[keep],
            [r for r, _ in sampled], [y for _, y in sampled],
        )
        if summary is not None and summary.est_remaining is not None and new:
            summary = replace(summary, text=f"{summary.text} of the documents loaded; {new:,} imported since "
                                            "are not in it")
        return summary

    def estimate_loaded_documents_only(self) -> None:
        """Go on estimating over the documents loaded, though some were imported since
        (adding them failed); the estimate says so. Until the next `prepare`."""
        self._loaded_only = True

    def set_terms(self, include: list[str], exclude: list[str]) -> None:
        """Save the project's highlight terms (signs of relevance / of non-relevance)."""
        self.config.include_terms = [t for t in include if t.strip()]
        self.config.exclude_terms = [t for t in exclude if t.strip()]
        self.store.save_config(self.config)

    def explain(self, pk: int, top: int = 10) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
        """Terms pushing a document's score up and down under the current model."""
        if self.engine is None or self.ranking is None or self.ranking.model is None or pk not in self._row:
            return [], []
        if self.engine is not self._ranked_by:  # documents were added since: its columns may differ
            return [], []
        return self.engine.explain(self.ranking, self._row[pk], top)

    def unique_documents(self) -> int:
        """Documents that are not duplicates, counted once per session (the count scans the
        whole documents table: ~0.3 s at 100k documents, too slow to repeat after every decision)."""
        if self._unique_total is None:
            self._unique_total = self.store.count_documents(include_duplicates=False)
        return self._unique_total
