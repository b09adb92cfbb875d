from __future__ import annotations

import pytest
from click.testing import CliRunner

from review import recall, validation
from review.cli import cli
from review.errors import ReviewError
from review.session import ReviewSession
from review.store import Store
from tests.conftest import tiny_docs


def _label_all(session: ReviewSession) -> None:
    while (item := session.current()) is not None:
        (session.relevant if item.document.metadata["y"] else session.not_relevant)()


def test_elusion_sample_is_served_first_never_trains_and_gives_the_bound(filled_store: Store) -> None:
    session = ReviewSession(filled_store, "ann")
    for _ in range(8):
        item = session.current()
        (session.relevant if item.document.metadata["y"] else session.not_relevant)()
    found = filled_store.counts()["relevant"]
    assert found > 0
    drawn = session.start_validation(size=5)
    assert (drawn.size, drawn.unreviewed, drawn.found) == (5, 12, found)
    sample = filled_store.sample(drawn.name)
    session.prepare()
    assert all(session.training_snapshot().exclude[session._row[pk]] for pk in sample)
    on_screen = session.current().document.pk
    session.skip()  # a skipped sample document comes back at the end of the sample
    served = []
    while not session.validation().complete:
        item = session.current()
        served.append(item.document.pk)
        assert "elusion" in item.reason
        (session.relevant if item.document.metadata["y"] else session.not_relevant)()
    assert sorted(served) == sorted(sample)
    if on_screen in sample:
        assert served[-1] == on_screen
    snapshot = session.training_snapshot()
    assert all(snapshot.labels[session._row[pk]] == -1 for pk in sample)
    result = session.validation()
    k = sum(filled_store.document(pk).metadata["y"] for pk in sample)
    assert result.complete and result.relevant == k
    assert result.bound == pytest.approx(recall.elusion_recall_bound(found, k, 5, 12, 0.05))
    assert "recall ≥" in result.text()
    assert result.added_since == 0 and "imported after" not in result.text()
    filled_store.add_documents(tiny_docs(23)[20:], filled_store.begin_batch("later"))  # a new production arrives
    stale = session.validation()
    assert stale.bound == result.bound and stale.added_since == 3
    assert stale.text().endswith("3 document(s) were imported after it was drawn and are not covered: "
                                 "`review validate --new` draws a fresh sample.")


def test_no_sample_before_anything_relevant_is_found(filled_store: Store) -> None:
    with pytest.raises(ReviewError, match="Nothing relevant"):
        validation.start(filled_store)


def test_validate_command_draws_then_reports(filled_store: Store) -> None:
    filled_store.attach_labels([("d000", "1"), ("d001", "0")])
    db = str(filled_store.path)
    first = CliRunner().invoke(cli, ["validate", "--db", db, "--size", "3"])
    assert first.exit_code == 0 and "Drew an elusion sample of 3 of 18" in first.output
    again = CliRunner().invoke(cli, ["validate", "--db", db])
    assert "0 of 3 labelled" in again.output
    session = ReviewSession(filled_store, "ann")
    for _ in range(3):
        session.not_relevant()
    done = CliRunner().invoke(cli, ["validate", "--db", db])
    assert "Elusion test: 0 relevant in a random sample of 3 of 18" in done.output


def test_a_default_sample_over_half_the_rest_is_not_drawn_unless_asked_for(filled_store: Store) -> None:
    filled_store.attach_labels([("d000", "1"), ("d001", "0")])  # 1 relevant found, 18 unread
    assert validation.planned_size(filled_store) == 18  # only a count of all of them certifies 95 %
    with pytest.raises(ReviewError, match="certifying 95 % recall now takes 18 of the 18 unreviewed") as err:
        validation.start(filled_store)
    assert err.value.title == "Not drawn" and "`review validate --size 18`" in err.value.message
    assert validation.state(filled_store) is None and filled_store.sample_names() == []
    assert validation.size_warning(filled_store, 9) is None  # half is fine
    assert validation.start(filled_store, size=4).size == 4  # asked for explicitly: drawn


def test_planned_size_is_the_certifying_size_once_it_is_at_most_half_the_rest(filled_store: Store) -> None:
    from dataclasses import replace

    filled_store.save_config(replace(filled_store.config(), target_recall=0.5))
    filled_store.attach_labels([(f"d{i:03d}", "1") for i in range(6)])  # 6 found, 14 unread
    size = validation.planned_size(filled_store)
    assert size == recall.elusion_sample_size(6, 14, 0.5, 0.05) and size <= 7
    assert validation.start(filled_store, random_state=0).size == size


def test_cancel_releases_the_unlabelled_sample_documents(filled_store: Store) -> None:
    filled_store.attach_labels([("d000", "1"), ("d001", "0")])
    db = str(filled_store.path)
    drawn = validation.start(filled_store, size=5, random_state=1)
    sample = filled_store.sample(drawn.name)
    filled_store.record(sample[0], "not relevant", "ann")
    waiting = CliRunner().invoke(cli, ["validate", "--db", db, "--size", "3"])
    assert "1 of 5 labelled" in waiting.output and "--size and --new wait" in waiting.output
    assert "review validate --cancel" in waiting.output
    cancelled = CliRunner().invoke(cli, ["validate", "--db", db, "--cancel"])
    assert cancelled.exit_code == 0 and "4 unlabelled document(s) went back" in cancelled.output
    assert validation.state(filled_store) is None  # nothing before it: no sample is the latest
    assert filled_store.sample(drawn.name) == [sample[0]]  # labelled at random: still kept out of training
    assert validation.sample_pks(filled_store) == {sample[0]}
    again = CliRunner().invoke(cli, ["validate", "--db", db, "--cancel"])
    assert again.exit_code != 0 and "No elusion sample is open" in again.output


def test_cancel_makes_the_previous_finished_sample_the_latest_again(filled_store: Store) -> None:
    filled_store.attach_labels([("d000", "1"), ("d001", "0")])
    first = validation.start(filled_store, size=2, random_state=0)
    for pk in filled_store.sample(first.name):
        filled_store.record(pk, "not relevant", "ann")
    done = validation.state(filled_store)
    assert done is not None and done.complete and done.bound is not None
    validation.start(filled_store, size=3, random_state=1)
    validation.cancel(filled_store)
    assert validation.state(filled_store) == done


def test_cancelling_a_sample_in_the_random_start_records_no_placeholder_scores(filled_store: Store) -> None:
    session = ReviewSession(filled_store, "ann")
    session.prepare()
    filled_store.attach_labels([("d000", "relevant")])  # relevant only: the order stays random
    assert session.retrain().cold_start_reason is not None
    session.start_validation(size=3)
    session.cancel_validation()
    item = session.current()
    assert (item.rank, item.score) == (None, None)
    decision = session.skip()
    assert (decision.rank, decision.score) == (None, None)
