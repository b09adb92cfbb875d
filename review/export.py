"""Decisions (and predictions for the rest) to CSV, streamed row by row."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO

from review.csvsafe import neutralise
from review.estimate import predictions_from_store
from review.models import SKIPPED
from review.store import Store

DECISION_COLUMNS = (
    "id", "title", "label", "reviewer", "decided_at", "note", "tags",
    "score", "rank", "model_version", "duplicate_of", "predicted_label", "p_relevant",
)
HISTORY_COLUMNS = (
    "entry", "id", "label", "previous_label", "kind", "reviewer", "decided_at",
    "note", "tags", "score", "rank", "model_version", "undoes",
)


def decision_rows(store: Store, include_undecided: bool = False) -> Iterator[dict[str, object]]:
    """One row per decided or annotated document (duplicates inherit their original's label).

    An undecided document with a note or tags is exported too (label empty),
    so no note is lost. With `include_undecided`, every other document follows
    with its latest model score. Undecided documents also get a calibrated
    P(relevant) and a predicted label once the recall estimate exists
    (`estimate.predictions_from_store`: the k best-scored are predicted
    relevant, k = the estimated relevant remaining); before that both are empty.
    A skipped document is still unread: with a prediction, its score, rank and
    model version are the latest model's, not those it was served with. A
    document labelled without a model serving it (the random start, a search
    hit, a labels file) has none.
    """
    labels = store.config().labels
    latest = store.latest_entries()
    scores = store.scores()
    predictions = predictions_from_store(store) if include_undecided else {}
    for doc in store.iter_documents():
        source = doc.duplicate_of if doc.duplicate_of is not None else doc.pk
        entry = latest.get(doc.pk) if doc.pk in latest and latest[doc.pk].label else latest.get(source)
        version, score, rank = scores.get(source, (None, None, None))
        row: dict[str, object] = {
            "id": doc.doc_id, "title": doc.title, "duplicate_of": "",
            "score": "" if score is None else f"{score:.6f}", "rank": rank or "", "model_version": version or "",
            "label": "", "reviewer": "", "decided_at": "", "note": "", "tags": "", "predicted_label": "",
            "p_relevant": "",
        }
        if doc.duplicate_of is not None:
            row["duplicate_of"] = store.document(doc.duplicate_of).doc_id
        if entry is not None and entry.label is not None:
            row.update(
                label=entry.label, reviewer=entry.reviewer, decided_at=entry.decided_at, note=entry.note,
                tags=";".join(entry.tags),
            )
            if entry.score is not None:
                row.update(score=f"{entry.score:.6f}", rank=entry.rank or "", model_version=entry.model_version or "")
            elif entry.label != SKIPPED:  # read without a model serving it (random start, search, a file):
                row.update(score="", rank="", model_version="")  # a later model's score would look like its own
        elif entry is not None and (entry.note or entry.tags):
            row.update(note=entry.note, tags=";".join(entry.tags))
        elif not include_undecided:
            continue
        prediction = predictions.get(source) if row["label"] in ("", SKIPPED) else None
        if prediction is not None:
            row["predicted_label"] = labels.positive if prediction.relevant else labels.negative
            row["p_relevant"] = f"{prediction.probability:.4f}"
            if row["label"] == SKIPPED and score is not None:  # still unread: the model that predicts, not the one that served it
                row.update(score=f"{score:.6f}", rank=rank or "", model_version=version or "")
        yield row


def history_rows(store: Store) -> Iterator[dict[str, object]]:
    """The whole decision log, oldest first."""
    ids: dict[int, str] = {}
    for entry in store.iter_log():
        if entry.doc_pk not in ids:
            ids[entry.doc_pk] = store.document(entry.doc_pk).doc_id
        yield {
            "entry": entry.id, "id": ids[entry.doc_pk], "label": entry.label or "",
            "previous_label": entry.previous_label or "", "kind": entry.kind, "reviewer": entry.reviewer,
            "decided_at": entry.decided_at, "note": entry.note, "tags": ";".join(entry.tags),
            "score": "" if entry.score is None else f"{entry.score:.6f}", "rank": entry.rank or "",
            "model_version": entry.model_version or "", "undoes": entry.undoes or "",
        }


def write_csv(store: Store, out: IO[str], include_undecided: bool = False, history: bool = False) -> int:
    """Write decisions (or the log, with `history`) as CSV; return the row count."""
    columns = HISTORY_COLUMNS if history else DECISION_COLUMNS
    rows = history_rows(store) if history else decision_rows(store, include_undecided)
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    n = 0
    for row in rows:
        writer.writerow({k: neutralise(v) for k, v in row.items()})
        n += 1
    return n
