"""The recall estimate and stop suggestion of a live review, from its decision log.

Both the review screen (through `ReviewSession.recall_summary`) and `review
status` read the log the same way: the documents labelled relevant or not
relevant, in the order they were first decided, with the score each had when
it was served (out-of-sample: the model that ranked it had not seen its label).
Those pairs calibrate the model's current scores (Platt) for the Quant
estimate (the lower end shown, and the relevant left); the point shown blends
Quant's with a counting-process fit over the same order (review.rate); the
suggestion's rules (review.stopping) run over them too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from review import validation
from review.stopping import StoppingMonitor
from review.store import Store


@dataclass(frozen=True)
class RecallSummary:
    """What the screen shows about recall and stopping."""

    text: str
    """E.g. "≥ 84 % (estimate 91 %)" (`RecallEstimate.text`)."""
    found: int
    est_remaining: int | None
    stop_text: str | None
    """The stop suggestion with its rule and evidence; while it has not fired, what it waits for."""
    stop_fired: bool = False
    point: float | None = None
    low: float | None = None
    high: float | None = None

    def left(self) -> tuple[int, int | None] | None:
        """The relevant left that the recall shown implies (`left_counts`)."""
        return left_counts(self.found, self.point, self.low)


def left_counts(found: int, point: float | None, low: float | None) -> tuple[int, int | None] | None:
    """The relevant documents left that the recall shown implies: at the point, and at most (at the lower end).

    Both counts come from the two figures of "≥ 80 % (estimate 90 %)", so they
    never say more than those do: 34 found at ≥ 80 % means at most 8 left
    (34 / 43 is 79 %). None without a point; no "at most" while the lower end is 0.
    """
    if point is None or point <= 0:
        return None
    about = round(found * (1 - point) / point)
    if low is None or low <= 0:
        return about, None
    most = math.floor(found * (1 - low) / low + 1e-9)
    return min(about, most), most


def left_text(found: int, point: float | None, low: float | None) -> str | None:
    """E.g. "≈ 4 relevant left (up to 9)" (`left_counts`)."""
    counts = left_counts(found, point, low)
    if counts is None:
        return None
    about, most = counts
    return f"≈ {about:,} relevant left" + ("" if most is None or most == about else f" (up to {most:,})")


@dataclass(frozen=True)
class ReviewedOrder:
    """Documents with a relevant / not relevant label, in the order first decided."""

    pks: list[int]
    labels: list[int]
    served: list[float | None]
    """The score each had when served; None when it was not served by a model."""
    outside_pks: list[int]
    """Labelled outside the review's own order: a validation sample, or labels
    attached by an import (a record file's label column, `--labels`). They
    were read, so the estimate counts them; they have no reading order, so
    the rules over the gain curve do not."""
    outside_labels: list[int]

    @property
    def found(self) -> int:
        """Relevant documents labelled, in the order or outside it."""
        return sum(self.labels) + sum(self.outside_labels)


def reviewed_order(store: Store) -> ReviewedOrder:
    """Read the log: labelled documents in first-decided order, and those labelled outside it."""
    positive, negative = store.config().labels.names()
    first: dict[int, tuple[int, float | None, bool]] = {}
    current: dict[int, str | None] = {}
    for entry in store.iter_log():
        current[entry.doc_pk] = entry.label
        if entry.label in (positive, negative) and entry.doc_pk not in first:
            served_by_model = entry.model_version is not None and entry.kind == "decide"
            first[entry.doc_pk] = (entry.id, entry.score if served_by_model else None, entry.kind == "import")
    outside = validation.sample_pks(store) | {pk for pk, (_, _, imported) in first.items() if imported}
    pks = sorted((first[pk][0], pk) for pk, label in current.items()
                 if label in (positive, negative) and pk not in outside)
    in_order = {pk for _, pk in pks}
    # A labels file can label an exact copy, which the estimate does not see: count it as its original.
    original = store.duplicate_map()
    elsewhere: dict[int, int] = {}
    for pk in sorted(outside, key=lambda pk: pk in original):  # an original's own label first
        target = original.get(pk, pk)
        if current.get(pk) in (positive, negative) and target not in in_order:
            elsewhere.setdefault(target, 1 if current[pk] == positive else 0)
    return ReviewedOrder(
        pks=[pk for _, pk in pks],
        labels=[1 if current[pk] == positive else 0 for _, pk in pks],
        served=[first[pk][1] for _, pk in pks],
        outside_pks=sorted(elsewhere),
        outside_labels=[elsewhere[pk] for pk in sorted(elsewhere)],
    )


class RecallTracker:
    """Keeps a StoppingMonitor in step with a growing review (rebuilt after an undo).

    Args:
        target: The recall the suggestion aims for.
        confidence: Its confidence (1 - alpha).
    """

    def __init__(self, target: float = 0.95, confidence: float = 0.95) -> None:
        self.target = target
        self.confidence = confidence
        self._monitor: StoppingMonitor | None = None
        self._rows: list[int] = []
        self._step = 0

    @property
    def monitor(self) -> StoppingMonitor | None:
        """The monitor behind the last summary (its `calibrated` maps scores to probabilities)."""
        return self._monitor

    def update(self, rows: Sequence[int], labels: Sequence[int], served: Sequence[float | None],
               scores: np.ndarray, outside_rows: Sequence[int] = (),
               outside_labels: Sequence[int] = ()) -> RecallSummary | None:
        """Feed the review so far and the current scores of every row.

        Args:
            rows: Row (index into `scores`) of each labelled document, in review order.
            labels: 1 relevant, 0 not.
            served: The score each had when served; None falls back to its current score.
            scores: The latest model's score for every row.
            outside_rows: Rows labelled outside that order, a validation sample or imported
                labels (read, so the estimate counts them; not ranked, so the rules do not).
            outside_labels: Their labels.

        Returns:
            The summary, or None while there is nothing to estimate.
        """
        rows = list(rows)
        if not rows or not any(labels):
            return None
        if self._monitor is None or self._rows != rows[: len(self._rows)] or self._monitor.n_docs != len(scores):
            self._monitor = StoppingMonitor(len(scores), self.target, self.confidence,
                                            rules=("knee", "quantci", "chm"))
            self._rows = []
        served_filled = [float(scores[r]) if s is None else float(s) for r, s in zip(rows, served)]
        self._step += 1
        self._monitor.set_labelled_outside(outside_rows, outside_labels)
        self._monitor.observe(self._step, rows, labels, scores, served_scores=served_filled)
        self._rows = rows
        estimate = self._monitor.estimate()
        stop = self._monitor.suggestion()
        gap = self._coverage_gap(labels, served)
        if estimate is None or gap:
            found = sum(labels) + sum(outside_labels)
            return RecallSummary(f"no estimate yet: {gap or 'no model'}", found, None, stop.evidence, stop.fired)
        return RecallSummary(estimate.text(), estimate.found, estimate.remaining_upper(), stop.evidence,
                             stop.fired, estimate.point, estimate.low, estimate.high)


    @staticmethod
    def _coverage_gap(labels: Sequence[int], served: Sequence[float | None]) -> str:
        """Why the calibration cannot be trusted yet ("" when it can).

        Platt scaling fitted on a handful of top-ranked documents extrapolates
        wildly to the unreviewed mass: early in a review it can call every
        unread document 80 % likely relevant. We show a number only once the
        model has served enough non-relevant documents to calibrate on.
        """
        negatives = sum(1 for y, s in zip(labels, served) if y == 0 and s is not None)
        if negatives < MIN_SERVED_NEGATIVES:
            return f"{negatives} of {MIN_SERVED_NEGATIVES} non-relevant documents served by the model"
        return ""


MIN_SERVED_NEGATIVES = 20
"""Non-relevant documents the model must have served before an estimate is shown."""


def _tracked(store: Store) -> tuple[RecallTracker, RecallSummary | None, list[int], np.ndarray, list[int]]:
    """Feed a tracker the log and the saved scores: (tracker, summary, scored pks, their scores, reviewed rows)."""
    saved = store.scores()
    config = store.config()
    tracker = RecallTracker(config.target_recall, config.confidence)
    if not saved:
        if store.latest_model() is None:
            return tracker, None, [], np.empty(0), []
        order = reviewed_order(store)  # a review screen has trained, but not yet written a ranking's scores
        text = "no estimate yet: the open review screen writes its ranking when the reviewer pauses or quits"
        summary = RecallSummary(text, order.found, None, None)
        return tracker, summary, [], np.empty(0), []
    dupes = store.duplicate_pks()
    pks = sorted(pk for pk in saved if pk not in dupes)
    row = {pk: i for i, pk in enumerate(pks)}
    scores = np.array([saved[pk][1] for pk in pks], dtype=float)
    order = reviewed_order(store)
    unscored = store.count_documents(include_duplicates=False) - len(pks)
    if unscored > 0:  # imported since the last model: the estimate would leave them out
        text = (f"no estimate yet: {unscored:,} document(s) imported since the last model "
                "(the review screen scores them)")
        summary = RecallSummary(text, order.found, None, None)
        return tracker, summary, [], np.empty(0), []
    keep = [i for i, pk in enumerate(order.pks) if pk in row]
    rows = [row[order.pks[i]] for i in keep]
    sampled = [(row[pk], y) for pk, y in zip(order.outside_pks, order.outside_labels) if pk in row]
    summary = tracker.update(rows, [order.labels[i] for i in keep], [order.served[i] for i in keep], scores,
                             [r for r, _ in sampled], [y for _, y in sampled])
    return tracker, summary, pks, scores, rows


def summary_from_store(store: Store) -> RecallSummary | None:
    """The estimate `review status` prints, from the log and the saved scores."""
    return _tracked(store)[1]


@dataclass(frozen=True)
class Prediction:
    """What the model predicts for one document nobody has labelled."""

    probability: float
    """Calibrated P(relevant): the same calibration as the recall estimate."""
    relevant: bool
    """Among the top-k by score, k = the estimated relevant remaining (rounded up)."""


def predictions_from_store(store: Store) -> dict[int, Prediction]:
    """pk -> Prediction for every scored, unlabelled, non-duplicate document; empty without an estimate.

    The find-all model's raw scores are not probabilities (class weights and
    presumed negatives put most of them near 0.4-0.9), so "score >= 0.5" would
    call a tenth to a third of the rest relevant. Instead the k best-scored
    are predicted relevant, k the sum of the calibrated probabilities, rounded up,
    of the unlabelled documents: the estimated relevant remaining that the
    review screen and `review status` show, less what they still count for
    documents already labelled in a validation sample.

    "Unlabelled" is by content: a document one of whose exact duplicates has
    a label (a labels file can label any copy) gets no prediction.
    """
    tracker, summary, pks, scores, rows = _tracked(store)
    if summary is None or summary.est_remaining is None or tracker.monitor is None:
        return {}
    probability = tracker.monitor.calibrated(scores)
    reviewed = np.zeros(len(pks), dtype=bool)
    reviewed[rows] = True
    labels = store.config().labels.names()
    original = store.duplicate_map()
    labelled = {original.get(pk, pk) for pk, entry in store.latest_entries().items() if entry.label in labels}
    reviewed |= np.isin(np.asarray(pks, dtype=np.int64), list(labelled))  # elusion samples, labelled copies
    rest = np.flatnonzero(~reviewed)
    k = math.ceil(float(probability[rest].sum()) - 1e-9)
    top = set(rest[np.argsort(-scores[rest], kind="stable")[:k]].tolist())
    return {pks[i]: Prediction(float(probability[i]), i in top) for i in rest.tolist()}
