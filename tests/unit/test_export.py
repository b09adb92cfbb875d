from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from review.csvsafe import neutralise, restore
from review.demo_project import build_demo_project, scripted_review
from review import validation
from review.estimate import predictions_from_store, summary_from_store
from review.export import write_csv
from review.models import SKIPPED, NewDocument
from review.session import ReviewSession
from review.store import Store


def _rows(store: Store, **kw: bool) -> list[dict[str, str]]:
    out = io.StringIO()
    write_csv(store, out, **kw)
    return list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))


def test_formula_cells_are_neutralised(store: Store) -> None:
    evil = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]
    store.add_documents([NewDocument(f"id{i}", title, f"text {i}") for i, title in enumerate(evil)])
    for pk in range(1, len(evil) + 1):
        store.record(pk, "relevant", "=cmd|' /C calc'!A0", note="-note")
    rows = _rows(store)
    assert [r["title"] for r in rows] == ["'" + t for t in evil]
    assert all(r["reviewer"].startswith("'=") and r["note"] == "'-note" for r in rows)
    assert all(not r[k].startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for k in r)


def test_neutralise_and_restore_are_inverse() -> None:
    for value in ["=1", "-x", "plain", "'quoted", "", "@a", "'=already", "''=x", "''"]:
        assert restore(neutralise(value)) == value


def test_export_decided_only_then_all_with_predictions(filled_store: Store) -> None:
    s = filled_store
    s.record(1, "relevant", "ann", note="first", tags=["a", "b"], score=0.75, rank=1, model_version=2)
    s.record(2, "not relevant", "ann")
    s.save_scores(2, list(range(1, 21)), [0.9 if pk % 4 == 1 else 0.1 for pk in range(1, 21)], {3: 1})
    rows = _rows(s)
    assert [(r["id"], r["label"]) for r in rows] == [("d000", "relevant"), ("d001", "not relevant")]
    assert rows[0]["tags"] == "a;b" and rows[0]["score"] == "0.750000" and rows[0]["model_version"] == "2"
    # read without a model serving it: no score, though model 2 has since scored it 0.1
    assert (rows[1]["score"], rows[1]["rank"], rows[1]["model_version"]) == ("", "", "")
    everything = _rows(s, include_undecided=True)
    assert len(everything) == 20
    undecided = {r["id"]: r for r in everything if not r["label"]}
    assert undecided["d004"]["score"] == "0.900000" and undecided["d002"]["rank"] == "1"
    # two decisions are too few to calibrate: no prediction rather than a guess from raw scores
    assert all(r["predicted_label"] == "" and r["p_relevant"] == "" for r in undecided.values())


def test_predictions_match_the_recall_estimate(tmp_path: Path) -> None:
    db = build_demo_project(tmp_path)
    scripted_review(db, tmp_path / "corpus" / "labels.csv", decisions=90)
    store = Store.open(db)
    try:
        best_unread = min((rank, pk) for pk, (_, _, rank) in store.scores().items() if rank)[1]
        store.record(best_unread, SKIPPED, "ann")  # a skipped document is still unread: it keeps its prediction
        summary = summary_from_store(store)
        rows = _rows(store, include_undecided=True)
    finally:
        store.close()
    assert summary is not None and summary.est_remaining is not None
    undecided = [r for r in rows if r["label"] in ("", SKIPPED) and not r["duplicate_of"]]
    assert any(r["label"] == SKIPPED and r["p_relevant"] for r in undecided)
    predicted = [r for r in undecided if r["predicted_label"] == "relevant"]
    assert len(predicted) == summary.est_remaining < len(undecided)
    assert all(r["predicted_label"] == "not relevant" for r in undecided if r not in predicted)
    # the predicted relevant are the best-scored, and the probabilities add up to the estimate
    lowest_predicted = min(float(r["score"]) for r in predicted) if predicted else 1.0
    assert all(float(r["score"]) <= lowest_predicted for r in undecided if r not in predicted)
    total = sum(float(r["p_relevant"]) for r in undecided)
    assert abs(total - summary.est_remaining) <= 1.0
    assert all(0.0 <= float(r["p_relevant"]) <= 1.0 for r in undecided)
    assert all(r["p_relevant"] == "" for r in rows if r["label"] not in ("", SKIPPED))


def test_duplicates_inherit_the_decision(store: Store) -> None:
    store.add_documents([NewDocument("a", "A", "same text"), NewDocument("b", "a", "Same  text")])
    store.record(1, "relevant", "ann")
    rows = _rows(store)
    assert [(r["id"], r["label"], r["duplicate_of"]) for r in rows] == [("a", "relevant", ""), ("b", "relevant", "a")]


def test_history_keeps_every_entry_including_undo(filled_store: Store) -> None:
    s = filled_store
    d = s.record(1, "relevant", "ann")
    s.record(1, None, "ann", kind="undo", undoes=d.id)
    rows = _rows(s, history=True)
    assert [(r["kind"], r["label"], r["previous_label"]) for r in rows] == [("decide", "relevant", ""), ("undo", "", "relevant")]
    assert rows[1]["undoes"] == str(d.id)


def test_a_note_on_an_undecided_document_is_exported(filled_store: Store) -> None:
    s = filled_store
    s.record(1, "relevant", "ann")
    s.record(3, None, "ann", kind="edit", note="ask counsel", tags=["hold"])
    rows = _rows(s)
    assert [(r["id"], r["label"], r["note"], r["tags"]) for r in rows] == [
        ("d000", "relevant", "", ""), ("d002", "", "ask counsel", "hold")]
    everything = {r["id"]: r for r in _rows(s, include_undecided=True)}
    assert everything["d002"]["note"] == "ask counsel" and everything["d002"]["label"] == ""


def test_predictions_leave_out_labelled_samples_and_labelled_copies(tmp_path: Path) -> None:
    db = build_demo_project(tmp_path)
    key = tmp_path / "corpus" / "labels.csv"
    scripted_review(db, key, decisions=90)
    with key.open() as fh:
        truth = {row["id"]: row["label"] for row in csv.DictReader(fh)}
    store = Store.open(db)
    try:
        # a labels file may label a copy whose first copy nobody has decided
        original = store.duplicate_map()
        latest = store.latest_entries()
        copy_pk = next(pk for pk, first in original.items() if first not in latest and pk not in latest)
        store.attach_labels([(store.document(copy_pk).doc_id, "relevant")])
        # an elusion sample, every document labelled with the answer key
        session = ReviewSession(store, "ann")
        session.prepare()
        session.start_validation(60)
        for pk in validation.pending(store):
            doc_id = store.document(pk).doc_id
            label = "relevant" if truth.get(doc_id, truth.get(Path(doc_id).stem)) == "1" else "not relevant"
            store.record(pk, label, "ann")
        predictions = predictions_from_store(store)
        summary = summary_from_store(store)
        rows = {r["id"]: r for r in _rows(store, include_undecided=True)}
        first_copy_id = store.document(original[copy_pk]).doc_id
        sample = validation.sample_pks(store)
    finally:
        store.close()
    assert original[copy_pk] not in predictions and rows[first_copy_id]["predicted_label"] == ""
    assert sample and not sample & set(predictions)
    k = sum(p.relevant for p in predictions.values())
    assert k == math.ceil(sum(p.probability for p in predictions.values()) - 1e-9)
    # the sample counts as read in the estimate too; only the labelled copy's first copy differs
    assert summary is not None and abs(k - summary.est_remaining) <= 1


def test_a_skipped_document_is_exported_with_the_latest_score(tmp_path: Path) -> None:
    db = build_demo_project(tmp_path)
    key = tmp_path / "corpus" / "labels.csv"
    scripted_review(db, key, decisions=80)
    store = Store.open(db)
    try:
        session = ReviewSession(store, "ann")
        session.prepare()
        session.retrain()
        skipped = session.current()
        assert skipped is not None
        session.skip()
        for _ in range(5):
            session.not_relevant()
            session.retrain()
        latest = store.scores()[skipped.document.pk]
        row = next(r for r in _rows(store, include_undecided=True) if r["id"] == skipped.document.doc_id)
    finally:
        store.close()
    assert row["label"] == SKIPPED and row["p_relevant"] != ""
    assert (row["score"], row["model_version"]) == (f"{latest[1]:.6f}", str(latest[0]))
