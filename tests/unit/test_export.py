from __future__ import annotations

import csv
import io

from review.csvsafe import neutralise, restore
from review.export import write_csv
from review.models import NewDocument
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
    everything = _rows(s, include_undecided=True)
    assert len(everything) == 20
    undecided = {r["id"]: r for r in everything if not r["label"]}
    assert undecided["d004"]["predicted_label"] == "relevant"
    assert undecided["d002"]["predicted_label"] == "not relevant" and undecided["d002"]["rank"] == "1"


def test_duplicates_inherit_the_decision(store: Store) -> None:
    store.add_documents([NewDocument("a", "A", "same text"), NewDocument("b", "B", "Same  text")])
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
