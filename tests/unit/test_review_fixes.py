"""Edge cases found in review: concurrent writers, undo after others, tags, skipped, re-import."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from click.testing import CliRunner

from review import validation
from review.cli import cli
from review.models import SKIPPED, NewDocument
from review.session import ReviewSession
from review.store import Store


def test_a_decision_waits_for_another_writer_instead_of_failing(filled_store: Store) -> None:
    other = sqlite3.connect(filled_store.path, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE documents SET tokens = 'x' WHERE pk = 2")

    def finish() -> None:
        time.sleep(0.3)
        other.commit()

    thread = threading.Thread(target=finish)
    thread.start()
    decision = filled_store.record(1, "relevant", "ann")  # blocks until the other writer commits
    thread.join()
    assert decision.label == "relevant" and filled_store.current_label(1) == "relevant"


def test_undo_never_overwrites_a_later_change_by_someone_else(filled_store: Store) -> None:
    ann = ReviewSession(filled_store, "ann")
    pk = ann.current().document.pk
    ann.relevant()
    ReviewSession(filled_store, "bob").decide_document(pk, "not relevant")
    assert ann.undo() is None
    assert filled_store.current_label(pk) == "not relevant"


def test_undo_keeps_a_note_added_after_the_decision(filled_store: Store) -> None:
    session = ReviewSession(filled_store, "ann")
    pk = session.current().document.pk
    session.relevant()
    session.annotate(note="privileged?", tags=("check",), pk=pk)
    session.undo()
    assert filled_store.current_label(pk) is None
    assert session.latest_note(pk) == "privileged?" and session.latest_tags(pk) == ("check",)


def test_relabelling_keeps_tags(filled_store: Store) -> None:
    session = ReviewSession(filled_store, "ann")
    pk = session.current().document.pk
    session.annotate(tags=("key",))
    session.relevant()
    session.decide_document(pk, "not relevant")
    assert session.latest_tags(pk) == ("key",)


def test_skipped_documents_stay_in_the_elusion_frame(filled_store: Store) -> None:
    filled_store.record(1, "relevant", "ann")
    filled_store.record(2, "not relevant", "ann")
    for pk in range(3, 8):
        filled_store.record(pk, SKIPPED, "ann")
    assert validation.start(filled_store, size=3).unreviewed == 18


def test_init_changes_only_what_it_is_given(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    CliRunner().invoke(cli, ["init", "--db", db, "--labels", "yes,no", "--goal", "train-classifier"])
    result = CliRunner().invoke(cli, ["init", "--db", db, "--target-recall", "0.9"])
    assert result.exit_code == 0, result.output
    config = Store.open(db).config()
    assert (config.labels.positive, config.goal, config.target_recall) == ("yes", "train-classifier", 0.9)


def test_reimport_that_only_updates_succeeds(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("first version", encoding="utf-8")
    db = str(tmp_path / "p.db")
    CliRunner().invoke(cli, ["import", str(folder), "--db", db, "-q"])
    (folder / "a.txt").write_text("second version", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(folder), "--db", db, "-q"])
    assert result.exit_code == 0 and "1 updated" in result.output


def test_reimported_text_reaches_the_model(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "p.db")
    store.add_documents([NewDocument("a", "A", "alpha beta"), NewDocument("b", "B", "gamma delta")])
    ReviewSession(store, "ann").prepare()
    store.add_documents([NewDocument("b", "B", "zebra giraffe savanna")])
    session = ReviewSession(store, "ann")
    session.prepare()
    assert "zebra" in session.engine.terms
    assert store.document_by_id("b").duplicate_of is None
