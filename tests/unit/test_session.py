from __future__ import annotations

from pathlib import Path

import pytest

from review.errors import ConfigError, ReviewError
from review.models import SKIPPED, NewDocument
from review.session import ReviewSession
from review.store import Store
from tests.conftest import tiny_docs


def _truth(session: ReviewSession) -> int:
    item = session.current()
    assert item is not None
    return item.document.metadata["y"]


def _review(session: ReviewSession, n: int) -> None:
    for _ in range(n):
        (session.relevant if _truth(session) else session.not_relevant)()
        session.retrain()


def test_cold_start_then_model_ranks_relevant_first(filled_store: Store) -> None:
    session = ReviewSession(filled_store, "ann")
    assert session.current().reason.startswith("random order")
    session.prepare()
    assert session.retrain().cold_start_reason is not None
    assert (session.current().rank, session.current().score) == (None, None)
    cold = session.not_relevant() if not _truth(session) else session.relevant()
    assert (cold.rank, cold.score, cold.model_version) == (None, None, None)  # a random order ranks nothing
    _review(session, 7)
    assert session.ranking.cold_start_reason is None
    item = session.current()
    assert item.rank == 1 and item.model_version == session.ranking.version
    decision = session.decide(session.config.labels.positive)
    assert (decision.rank, decision.model_version) == (1, session.ranking.version)
    assert decision.score == pytest.approx(item.score)


def test_decision_is_committed_before_the_next_document(filled_store: Store, tmp_path: Path) -> None:
    session = ReviewSession(filled_store, "ann")
    first = session.current().document.pk
    session.not_relevant(note="boring", tags=("x",))
    other = Store.open(filled_store.path)
    assert other.current_label(first) == "not relevant"
    assert other.history()[0].note == "boring" and other.history()[0].tags == ("x",)


def test_undo_walks_back_through_the_whole_log(filled_store: Store) -> None:
    session = ReviewSession(filled_store, "ann")
    seen = []
    for _ in range(3):
        seen.append(session.current().document.pk)
        session.skip()
    for expected in reversed(seen):
        session.undo()
        assert session.current().document.pk == expected
        assert filled_store.current_label(expected) is None
    assert session.undo() is None
    assert len(filled_store.history()) == 6  # nothing deleted: three decisions, three undos


def test_undo_of_a_change_restores_the_previous_label(filled_store: Store) -> None:
    session = ReviewSession(filled_store, "ann")
    pk = session.current().document.pk
    session.relevant()
    session.decide_document(pk, "not relevant")
    session.undo()
    assert filled_store.current_label(pk) == "relevant"


def test_notes_wait_for_the_decision_and_tags_survive(filled_store: Store) -> None:
    session = ReviewSession(filled_store, "ann")
    pk = session.current().document.pk
    session.annotate(note="check with counsel", tags=("privileged",))
    assert session.current().document.pk == pk  # annotating does not move on
    session.relevant()
    session.annotate(note="still", pk=pk)
    assert session.latest_note(pk) == "still" and session.latest_tags(pk) == ("privileged",)
    assert filled_store.current_label(pk) == "relevant"


def test_two_reviewers_never_get_the_same_document(filled_store: Store) -> None:
    ann = ReviewSession(filled_store, "ann")
    bob = ReviewSession(Store.open(filled_store.path), "bob")
    seen_a, seen_b = set(), set()
    for _ in range(5):
        seen_a.add(ann.current().document.pk)
        seen_b.add(bob.current().document.pk)
        assert ann.current().document.pk != bob.current().document.pk
        ann.skip()
        bob.skip()
    assert not seen_a & seen_b


def test_seed_query_puts_search_hits_first(filled_store: Store) -> None:
    session = ReviewSession(filled_store, "ann")
    shown = session.current().document.pk
    hits = session.set_seed_query("pricing")
    assert hits
    assert session.current().document.pk == shown  # the document on screen stays
    session.skip()
    expected = [h.pk for h in hits if h.pk != shown][0]
    assert session.current().document.pk == expected
    assert "search results" in session.current().reason


def test_search_hits_can_be_labelled_directly(filled_store: Store) -> None:
    session = ReviewSession(filled_store, "ann")
    hit = session.search("pricing")[0]
    session.decide_document(hit.pk, "relevant")
    assert filled_store.current_label(hit.pk) == "relevant"
    for _ in range(19):
        item = session.current()
        if item is None:
            break
        assert item.document.pk != hit.pk
        session.skip()


def test_duplicates_are_not_served_and_not_trained_on(store: Store) -> None:
    store.add_documents(tiny_docs(12) + [NewDocument("dup", tiny_docs(1)[0].title, tiny_docs(1)[0].text)])
    session = ReviewSession(store, "ann")
    session.prepare()
    assert session.training_snapshot().exclude.sum() == 1
    served = set()
    while (item := session.current()) is not None:
        served.add(item.document.doc_id)
        session.skip()
    assert "dup" not in served and len(served) == 12


def test_progress_gain_curve_follows_undo(filled_store: Store) -> None:
    session = ReviewSession(filled_store, "ann")
    labels = []
    for _ in range(4):
        labels.append(_truth(session))
        (session.relevant if labels[-1] else session.not_relevant)()
    session.undo()
    progress = session.progress()
    assert progress.reviewed == 3
    assert list(progress.gain_curve) == [sum(labels[: i + 1]) for i in range(3)]


def test_errors_are_review_errors(filled_store: Store) -> None:
    session = ReviewSession(filled_store, "ann")
    with pytest.raises(ConfigError):
        session.set_strategy("telepathy")
    with pytest.raises(ConfigError):
        session.decide("maybe")
    with pytest.raises(ReviewError):
        session.training_snapshot()
    while session.current() is not None:
        session.decide(SKIPPED)
    with pytest.raises(ReviewError, match="Nothing left"):
        session.relevant()


def test_keep_lease_renews_the_claim_on_the_document_on_screen(filled_store: Store) -> None:
    session = ReviewSession(filled_store, "ann")
    pk = session.current().document.pk
    filled_store.db.execute("UPDATE leases SET expires_at = 0")  # as if 10 minutes had passed
    filled_store.db.conn.commit()
    assert pk not in filled_store.leased_by_others("bob")
    session.keep_lease()
    assert pk in filled_store.leased_by_others("bob")


def test_progress_reads_only_new_entries_and_matches_a_fresh_count(filled_store: Store) -> None:
    session = ReviewSession(filled_store, "ann")
    for i in range(6):
        (session.relevant if i % 2 else session.not_relevant)()
        session.progress()
    session.undo()
    other = ReviewSession(filled_store, "bob")  # counts the whole log from scratch
    assert session.progress() == other.progress()
    assert session.progress().reviewed == 5


def test_a_project_from_before_title_tokens_is_retokenised_and_its_engine_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = Store.open(path)
    store.add_documents([
        NewDocument("a", "Price fixing memo", "We agreed the price with Ardmore."),
        NewDocument("b", "Lunch", "Sandwiches on Friday."),
        NewDocument("c", "", "No title here at all."),
    ], store.begin_batch("test"))
    session = ReviewSession(store, "ann")
    session.prepare()
    assert session.engine is not None and session.engine._vectorizer.titles_used_
    # Make it look like a project imported before 3 Dec 2026: titles run into the body, m003 not applied.
    store.set_tokens([(1, "price fixing memo we agreed the price with ardmore"), (2, "lunch sandwiches on friday")])
    store.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm003_title_apart_in_tokens'")
    store.db.conn.commit()
    old_engine = (path.parent / "old.db.models" / "engine.joblib").stat().st_mtime_ns
    store.close()

    store = Store.open(path)
    try:
        assert store.setting("engine_signature") is None
        assert [pk for pk, _, _ in store.untokenised()] == [1, 2]
        session = ReviewSession(store, "ann")
        session.prepare()
        pks, tokens, _ = store.corpus()
        assert tokens[0].startswith("price fixing memo\n") and tokens[1].startswith("lunch\n")
        assert tokens[2] == "no title here at all"
        assert (path.parent / "old.db.models" / "engine.joblib").stat().st_mtime_ns != old_engine
        assert store.setting("engine_signature") is not None
        assert any(t.startswith("T_") for t in session.engine._vectorizer.terms_)
    finally:
        store.close()


def test_documents_imported_mid_review_join_the_session(filled_store: Store) -> None:
    session = ReviewSession(filled_store, "ann")
    session.prepare()
    _review(session, 8)
    assert session.recall_summary() is not None
    assert session.progress().total == 20
    later = [NewDocument(doc_id=f"late{i}", title=f"Late {i}", text=f"price discount contract late {i}",
                         source="later", metadata={"y": 1}) for i in range(5)]
    filled_store.add_documents(later, filled_store.begin_batch("later"))
    assert session.new_documents() == 5
    assert session.recall_summary() is None  # an estimate over the first 20 would leave the 5 out
    session.prepare()  # what the review screen runs in its worker when it finds them
    assert session.new_documents() == 0 and session.engine.n_docs == 25
    ranking = session.retrain()
    assert len(ranking.scores) == 25
    assert session.progress().total == 25
    assert session.recall_summary() is not None
    late_pks = {filled_store.document_by_id(f"late{i}").pk for i in range(5)}
    assert late_pks <= set(session._queue) | {session.current().document.pk}


def test_imported_labels_count_as_found_but_not_as_a_reading_order(filled_store: Store) -> None:
    from review.estimate import reviewed_order

    attached, _ = filled_store.attach_labels([("d000", "relevant"), ("d001", "not relevant")])
    assert attached == 2
    session = ReviewSession(filled_store, "ann")
    session.prepare()
    session.retrain()
    assert session.recall_summary() is None  # every label so far came from a file: no review to read
    _review(session, 6)
    order = reviewed_order(filled_store)
    imported = {filled_store.document_by_id(d).pk for d in ("d000", "d001")}
    assert imported.isdisjoint(order.pks) and set(order.outside_pks) == imported
    assert sorted(order.outside_labels) == [0, 1]
    summary = session.recall_summary()
    assert summary is not None and summary.found == sum(order.labels) + 1


def test_a_label_on_a_copy_counts_once(store: Store) -> None:
    from review.estimate import reviewed_order

    docs = tiny_docs(4)
    copy = NewDocument(doc_id="copy", title=docs[1].title, text=docs[1].text, source="test", metadata={"y": 0})
    store.add_documents([*docs, copy], store.begin_batch("test"))
    store.attach_labels([("d001", "not relevant"), ("copy", "not relevant")])
    progress = ReviewSession(store, "ann").progress()
    assert (progress.reviewed, progress.total, progress.not_relevant) == (1, 4, 1)
    store.attach_labels([("d002", "relevant"), ("copy2", "relevant")])  # copy2 is not a document: skipped
    twin = NewDocument(doc_id="twin", title=docs[3].title, text=docs[3].text, source="test")
    store.add_documents([twin], store.begin_batch("more"))
    store.attach_labels([("twin", "relevant")])  # only the copy of d003 is labelled
    order = reviewed_order(store)
    d = {doc_id: store.document_by_id(doc_id).pk for doc_id in ("d001", "d002", "d003")}
    assert dict(zip(order.outside_pks, order.outside_labels)) == {d["d001"]: 0, d["d002"]: 1, d["d003"]: 1}


def test_a_labelled_copy_imported_mid_review_counts_once_after_the_reload(filled_store: Store) -> None:
    session = ReviewSession(filled_store, "ann")
    session.prepare()
    _review(session, 4)
    first = session.progress()
    labelled = next(pk for pk, label in filled_store.current_labels().items() if label == "relevant")
    doc = filled_store.document(labelled)
    filled_store.add_documents([NewDocument(doc_id="copy", title=doc.title, text=doc.text, source="later")],
                               filled_store.begin_batch("later"))
    filled_store.attach_labels([("copy", "relevant")])
    session.progress()  # the panel refreshes before the screen has reloaded the corpus
    session.prepare()
    after = session.progress()
    assert (after.reviewed, after.relevant, after.total) == (first.reviewed, first.relevant, first.total)
    assert after.gain_curve == ReviewSession(filled_store, "bob").progress().gain_curve


def test_explanations_wait_for_a_ranking_from_the_reloaded_engine(filled_store: Store) -> None:
    session = ReviewSession(filled_store, "ann")
    session.prepare()
    _review(session, 8)
    pk = session.current().document.pk
    assert session.explain(pk) != ([], [])
    filled_store.add_documents(tiny_docs(22)[20:], filled_store.begin_batch("later"))
    session.prepare()  # a new engine; the ranking on screen came from the old one
    assert session.explain(pk) == ([], [])
    session.retrain()
    assert session.explain(pk) != ([], [])


def test_an_engine_saved_while_a_document_changed_is_not_trusted(filled_store: Store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    session = ReviewSession(filled_store, "ann")
    session.prepare()
    filled_store.add_documents(tiny_docs(21)[20:], filled_store.begin_batch("later"))
    other = Store.open(filled_store.path)
    read = Store.corpus

    def corpus_then_reimport(self: Store, after_pk: int = 0):  # type: ignore[no-untyped-def]
        out = read(self, after_pk)  # an import's next chunk lands while `prepare` works on what it read
        d = tiny_docs(2)[1]
        other.add_documents([NewDocument(doc_id="d001", title=d.title, text="zebra giraffe okapi", source="test")],
                            other.begin_batch("again"))
        return out

    monkeypatch.setattr(Store, "corpus", corpus_then_reimport)
    session.prepare()
    monkeypatch.setattr(Store, "corpus", read)
    fresh = ReviewSession(Store.open(filled_store.path), "bob")
    fresh.prepare()  # must not load the engine saved from the stale read
    vectorizer = fresh.engine._vectorizer
    row = fresh._row[filled_store.document_by_id("d001").pk]
    assert "zebra" in {vectorizer.terms_[c] for c in vectorizer.matrix_[row].indices}


def test_a_label_on_a_copy_is_the_groups_label_everywhere(store: Store) -> None:
    """A labels file marked a copy relevant: the original is not served again, and status, the
    screen's counts, the model and the elusion test all see one relevant document; a later
    decision on the original wins everywhere."""
    from review import validation
    from review.status import project_status

    original = tiny_docs(1)[0]
    store.add_documents(tiny_docs(12) + [NewDocument("copy", original.title, original.text)])
    copy_pk = store.document_by_id("copy").pk
    store.record(copy_pk, "relevant", "import", kind="import")
    session = ReviewSession(store, "ann")
    session.prepare()
    served = set()
    while (item := session.current()) is not None:
        served.add(item.document.doc_id)
        session.skip()
    assert original.doc_id not in served and len(served) == 11
    assert session.progress().relevant == project_status(store)["relevant"] == 1
    snapshot = session.training_snapshot()
    assert snapshot.labels[session._row[store.document_by_id(original.doc_id).pk]] == 1
    assert validation._ready(store)[1] == 1  # relevant found, not 2

    store.record(store.document_by_id(original.doc_id).pk, "not relevant", "ann")
    later = ReviewSession(store, "ann")
    later.prepare()
    assert (later.progress().relevant, later.progress().not_relevant) == (0, 1)
    assert (project_status(store)["relevant"], project_status(store)["not_relevant"]) == (0, 1)


def test_a_labels_file_never_overrides_a_reviewer_through_a_copy(store: Store) -> None:
    from review.status import project_status

    original = tiny_docs(1)[0]
    store.add_documents(tiny_docs(4) + [NewDocument("copy", original.title, original.text)])
    store.record(store.document_by_id(original.doc_id).pk, "relevant", "alice")
    kept: list[str] = []
    attached, _ = store.attach_labels([("copy", "0")], kept=kept)
    assert (attached, kept) == (0, ["copy"])
    assert project_status(store)["relevant"] == 1 and project_status(store)["not_relevant"] == 0


def test_undo_and_skip_in_a_group_agree_on_screen_and_in_status(store: Store) -> None:
    """The copy keeps its imported label after an undo or a skip on the original."""
    from review.status import project_status

    original = tiny_docs(1)[0]
    store.add_documents(tiny_docs(4) + [NewDocument("copy", original.title, original.text)])
    pk = store.document_by_id(original.doc_id).pk
    store.attach_labels([("copy", "1")])
    session = ReviewSession(store, "ann")
    decided = store.record(pk, "relevant", "ann")
    store.record(pk, None, "ann", kind="undo", undoes=decided.id)
    assert session.progress().relevant == project_status(store)["relevant"] == 1
    store.record(pk, SKIPPED, "ann")
    assert session.progress().relevant == project_status(store)["relevant"] == 1
    assert session.progress().skipped == project_status(store)["skipped"] == 0
