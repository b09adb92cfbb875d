from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from review.errors import ConfigError, StoreError
from review.models import SKIPPED, LabelSet, NewDocument, ReviewConfig
from review.store import Store, normalise_label


def test_open_creates_wal_database_with_migrations(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "p.db")
    assert store.db.journal_mode == "wal"
    names = [r[0] for r in store.db.execute("SELECT name FROM _sqlite_migrations")]
    assert names == ["m001_initial", "m002_duplicate_index", "m003_title_apart_in_tokens", "m004_import_errors_by_path",
                     "m005_title_in_content_hash"]


def test_missing_database_without_create_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="No project database"):
        Store.open(tmp_path / "nope.db", create=False)


def test_file_from_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('review', 'm999_future', 'x')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer version"):
        Store.open(path)


def test_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a review project database"):
        Store.open(path)


def test_exact_duplicates_are_grouped_and_reimport_adds_only_new(store: Store) -> None:
    batch = store.begin_batch("a")
    first = store.add_documents([NewDocument("a", "A", "Hello  World"), NewDocument("b", "a", "hello world")], batch)
    assert (first.added, first.duplicates) == (1, 1)
    again = store.add_documents([NewDocument("a", "A", "Hello  World"), NewDocument("c", "C", "new")], batch)
    assert (again.added, again.unchanged) == (1, 1)
    assert store.document_by_id("b").duplicate_of == store.document_by_id("a").pk
    assert store.duplicates_of(store.document_by_id("a").pk) == ["b"]


def test_changed_text_updates_undecided_but_keeps_decided(store: Store) -> None:
    store.add_documents([NewDocument("a", "A", "one"), NewDocument("b", "B", "two")])
    store.record(store.document_by_id("a").pk, "relevant", "ann")
    result = store.add_documents([NewDocument("a", "A", "one changed"), NewDocument("b", "B", "two changed")])
    assert result.updated == 1 and result.kept_decided == ("a",)
    assert store.document_by_id("a").text == "one"
    assert store.document_by_id("b").text == "two changed"


def test_decision_log_is_append_only_and_derives_current_label(filled_store: Store) -> None:
    s = filled_store
    d1 = s.record(1, "relevant", "ann", model_version=3, rank=1, score=0.9, note="key doc", tags=["hot"])
    assert d1.previous_label is None and d1.tags == ("hot",) and d1.model_version == 3
    d2 = s.record(1, "not relevant", "bob")
    assert d2.previous_label == "relevant"
    assert s.current_label(1) == "not relevant"
    undo = s.record(1, d2.previous_label, "bob", kind="undo", undoes=d2.id)
    assert s.current_label(1) == "relevant"
    assert [d.id for d in s.history()] == [undo.id, d2.id, d1.id]
    assert s.last_undoable("bob") is None
    assert s.last_undoable("ann").id == d1.id


def test_unknown_label_is_refused(filled_store: Store) -> None:
    with pytest.raises(ConfigError, match="Unknown label"):
        filled_store.record(1, "maybe-ish", "ann")
    assert filled_store.record(1, SKIPPED, "ann").label == SKIPPED


def test_custom_labels_and_synonyms(store: Store) -> None:
    store.save_config(ReviewConfig(labels=LabelSet("positive", "negative"), goal="train-classifier"))
    labels = store.config().labels
    assert normalise_label("1", labels) == "positive"
    assert normalise_label("No", labels) == "negative"
    assert normalise_label("Positive", labels) == "positive"
    with pytest.raises(ConfigError):
        normalise_label("banana", labels)
    with pytest.raises(ConfigError):
        store.save_config(ReviewConfig(labels=LabelSet("x", "x")))
    assert store.config().goal == "train-classifier"


def test_attach_labels_reports_unknown_ids(filled_store: Store) -> None:
    attached, unknown = filled_store.attach_labels([("d000", "1"), ("d001", "0"), ("zzz", "1")])
    assert attached == 2 and unknown == ["zzz"]
    assert filled_store.counts()["relevant"] == 1


def test_search_uses_fts_and_survives_bad_syntax(filled_store: Store) -> None:
    hits = filled_store.search("pricing")
    assert hits and all("pricing" in d.text for d in hits)
    assert isinstance(filled_store.search('"unbalanced'), list)
    assert filled_store.search("AND OR (") == []


def test_leases_keep_two_reviewers_apart(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    a = Store.open(path)
    a.add_documents([NewDocument("x", "X", "text x")])
    b = Store.open(path)
    assert a.lease(1, "ann")
    assert not b.lease(1, "bob")
    assert b.leased_by_others("bob") == {1}
    a.release("ann")
    assert b.lease(1, "bob")


def test_counts_json_keys(filled_store: Store) -> None:
    filled_store.record(1, "relevant", "ann")
    filled_store.record(2, SKIPPED, "ann")
    c = filled_store.counts()
    assert {k: c[k] for k in ("documents", "decided", "relevant", "not_relevant", "skipped", "duplicates", "import_errors")} == {
        "documents": 20, "decided": 1, "relevant": 1, "not_relevant": 0, "skipped": 1, "duplicates": 0, "import_errors": 0,
    }


def test_labels_file_never_overrides_a_reviewer(filled_store: Store) -> None:
    filled_store.record(1, "relevant", "ann")
    attached, _ = filled_store.attach_labels([("d000", "0"), ("d001", "1")])
    assert attached == 1
    assert filled_store.current_label(1) == "relevant"
    # an earlier import label may be corrected by a later import
    assert filled_store.attach_labels([("d001", "0")]) == (1, [])
    assert filled_store.current_label(2) == "not relevant"


def test_add_documents_is_one_transaction(store: Store) -> None:
    docs = [NewDocument(f"x{i}", "t", f"text {i}") for i in range(5)] + [NewDocument("bad", "t", "t", label="banana")]
    with pytest.raises(ConfigError):
        store.add_documents(docs)
    assert store.count_documents() == 0


def test_search_count_counts_what_the_limit_leaves_out(store: Store) -> None:
    """The count runs the same query as the search: bad syntax quoted, duplicates left out."""
    docs = [NewDocument(f"d{i}", f"T{i}", f"alpha and beta number {i}") for i in range(12)]
    store.add_documents([*docs, NewDocument("copy", "T0", "alpha and beta number 0")])
    assert len(store.search("alpha", limit=5)) == 5
    for query in ("alpha", "alpha AND", "a AND", "number (", "beta NOT alpha"):
        assert store.search_count(query) == len(store.search(query, limit=1000)), query
    assert store.search_count("alpha") == 12
    assert store.search_count("alpha AND") == 12  # invalid FTS5: searched as the words "alpha" "AND"
    with pytest.raises(ConfigError):
        store.search_count("   ")  # no words at all


def test_count_decisions_counts_every_log_entry(filled_store: Store) -> None:
    assert filled_store.count_decisions() == 0
    filled_store.record(1, "relevant", "alice")
    filled_store.record(1, "not relevant", "bob", kind="edit")
    assert filled_store.count_decisions() == 2 == len(filled_store.history())


def test_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"Cannot create .*p\.db: the folder .*nope does not exist\.$"):
        Store.open(tmp_path / "nope" / "p.db")


def test_same_text_under_different_titles_is_two_documents(store: Store) -> None:
    """E-mails that both say "See attached." under different subjects are not copies of each other."""
    result = store.add_documents([NewDocument("a.eml", "Fix the prices with Globex", "See attached."),
                                  NewDocument("b.eml", "Holiday party", "See attached."),
                                  NewDocument("c.eml", "holiday  PARTY", "See attached.")])
    assert (result.added, result.duplicates) == (2, 1)
    assert store.document_by_id("b.eml").duplicate_of is None
    assert store.document_by_id("c.eml").duplicate_of == store.document_by_id("b.eml").pk


def test_old_projects_are_rehashed_and_wrongly_grouped_copies_come_apart(tmp_path: Path) -> None:
    import hashlib

    from review.hashing import normalise_for_hash

    path = tmp_path / "old.db"
    store = Store.open(path)
    store.add_documents([NewDocument("r1", "Stimulants for ADHD", "No abstract available"),
                         NewDocument("r2", "Renal dialysis and fracture risk", "No abstract available"),
                         NewDocument("r3", "Stimulants for ADHD", "No abstract  available")])
    store.record(1, "relevant", "ann")
    # As the project was before 3 Dec 2026: hashed on the text alone, r2 and r3 grouped under r1.
    old = hashlib.sha256(normalise_for_hash("No abstract available").encode()).hexdigest()
    store.db.execute("UPDATE documents SET content_hash = ?, duplicate_of = CASE WHEN pk = 1 THEN NULL ELSE 1 END",
                     [old])
    store.set_setting("engine_signature", "x")
    store.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm005_title_in_content_hash'")
    store.db.conn.commit()
    store.close()

    store = Store.open(path)
    try:
        r1, r2, r3 = (store.document_by_id(d) for d in ("r1", "r2", "r3"))
        assert (r1.duplicate_of, r2.duplicate_of, r3.duplicate_of) == (None, None, r1.pk)
        assert r2.content_hash != r1.content_hash == r3.content_hash
        assert store.setting("engine_signature") is None  # the engine is rebuilt for the new groups
        again = store.add_documents([NewDocument("r2", "Renal dialysis and fracture risk", "No abstract available")])
        assert again.unchanged == 1  # a re-import finds the rehashed document unchanged
    finally:
        store.close()


def test_a_title_the_text_begins_with_adds_nothing_to_the_hash() -> None:
    from review.hashing import content_hash
    from review.readers import clean_title

    line = "Minutes of the pricing committee " * 10
    text = line + "\nWe discussed the list prices."
    assert content_hash(text, clean_title(line)) == content_hash(text)  # cut with "…" for the title
    assert content_hash("Price list\nBoxes up", "Price list") == content_hash("price list boxes up", "PRICE LIST boxes up")
    assert content_hash("See attached.", "Holiday party") != content_hash("See attached.")


def test_a_corrected_title_is_an_update(store: Store) -> None:
    store.add_documents([NewDocument("r1", "Stimulants for ADHD: a trail", "Abstract.")])
    again = store.add_documents([NewDocument("r1", "Stimulants for ADHD: a trial", "Abstract.")])
    assert (again.updated, again.unchanged) == (1, 0)
    assert store.document_by_id("r1").title == "Stimulants for ADHD: a trial"


def test_an_interrupted_import_reports_what_it_stored(store: Store) -> None:
    from review.models import ImportReport
    from review.status import project_status, render_status

    batch = store.begin_batch("big folder")
    store.add_documents([NewDocument("a", "A", "one"), NewDocument("b", "B", "two"), NewDocument("c", "a", "ONE")], batch)
    last = store.counts()["last_import"]
    assert (last["added"], last["duplicates"], last["finished_at"]) == (2, 1, None)
    assert "(2 added, 1 exact duplicates, not finished" in render_status(project_status(store))
    store.finish_batch(batch, ImportReport(batch, 2, 1, 0, 0, 0, (), 1.0))
    assert store.counts()["last_import"]["finished_at"] is not None


def test_an_interrupted_reimport_does_not_count_updates_as_added(store: Store) -> None:
    store.add_documents([NewDocument("a", "A", "one"), NewDocument("b", "B", "two")], store.begin_batch("first"))
    batch = store.begin_batch("again")
    store.add_documents([NewDocument("a", "A", "one, revised"), NewDocument("c", "C", "three")], batch)
    last = store.counts()["last_import"]
    assert (last["added"], last["finished_at"]) == (1, None)


def test_when_the_first_of_a_group_changes_its_copies_lead_themselves(store: Store) -> None:
    store.add_documents([NewDocument("a", "A", "Globex prices"), NewDocument("b", "a", "globex prices"),
                         NewDocument("c", "A", "Globex  prices")])
    store.add_documents([NewDocument("a", "A", "Globex prices, revised")])
    b, c = store.document_by_id("b"), store.document_by_id("c")
    assert (b.duplicate_of, c.duplicate_of) == (None, b.pk)
    assert store.document_by_id("a").duplicate_of is None
