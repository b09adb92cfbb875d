from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from review.demo_project import build_demo_project, scripted_review
from review.estimate import RecallTracker, reviewed_order, summary_from_store
from review.session import ReviewSession
from review.store import Store


def test_reviewed_order_follows_first_decisions_and_undo(filled_store: Store) -> None:
    s = filled_store
    s.record(3, "relevant", "ann", score=0.9, model_version=1)
    s.record(1, "not relevant", "ann", score=0.2, model_version=1)
    d = s.record(2, "relevant", "ann", score=0.7, model_version=1)
    s.record(2, None, "ann", kind="undo", undoes=d.id)
    s.record(1, "relevant", "bob", kind="edit")  # a change keeps the first position and score
    s.record(4, "skipped", "ann")
    s.record(5, "relevant", "ann", score=0.5)  # served in random order: no model score
    s.record(6, "relevant", "ann", score=0.8, model_version=1, kind="edit")  # labelled from search
    order = reviewed_order(s)
    assert (order.pks, order.labels, order.served) == ([3, 1, 5, 6], [1, 1, 1, 1], [0.9, 0.2, None, None])


def test_tracker_estimates_recall_with_an_interval() -> None:
    # Calibrated scores: each document is relevant with the probability its score says.
    rng = np.random.default_rng(0)
    n = 2000
    scores = np.clip(rng.beta(0.3, 5, n), 0.001, 0.999)
    truth = rng.random(n) < scores
    order = np.argsort(-scores)[:300]
    tracker = RecallTracker(0.95, 0.95)
    summary = tracker.update(order.tolist(), truth[order].astype(int).tolist(), scores[order].tolist(), scores)
    true_recall = truth[order].sum() / truth.sum()
    assert summary is not None and summary.low <= summary.point <= summary.high
    assert summary.found == truth[order].sum()
    # Platt scaling fitted on the top of a ranking extrapolates to the rest (slope 1.36 here,
    # not 1): Quant is a rough guide, not a certified bound (benchmarks/README-stopping.md).
    assert abs(tracker.monitor.history[-1]["point"] - true_recall) < 0.25
    # The point shown blends Quant's with the counting process's. This weak ranking (58 %
    # recall after the top 15 %) leaves a long tail that a falling rate does not foresee: the
    # counting process says 89 %, and the blend (79 %) still lies within 25 points.
    assert abs(summary.point - true_recall) < 0.25
    history = tracker.monitor.history[-1]
    assert history["rate_point"] > true_recall + 0.25
    assert summary.low == pytest.approx(history["point"] - 1.959964 * history["sigma"], abs=1e-6)
    assert summary.text == f"≥ {math.floor(summary.low * 100 + 1e-9)} % (estimate {summary.point * 100:.0f} %)"
    # feeding a longer review reuses the monitor; an undo (shorter order) rebuilds it
    more = np.argsort(-scores)[:400]
    assert tracker.update(more.tolist(), truth[more].astype(int).tolist(), scores[more].tolist(), scores).found >= summary.found
    assert tracker.update(order[:200].tolist(), truth[order[:200]].astype(int).tolist(), scores[order[:200]].tolist(), scores) is not None


def test_status_and_session_show_the_same_estimate(tmp_path: Path) -> None:
    db = build_demo_project(tmp_path)
    info = scripted_review(db, tmp_path / "corpus" / "labels.csv", decisions=60)
    assert "recall" in info and "stop" in info
    with (tmp_path / "corpus" / "labels.csv").open() as fh:
        relevant = sum(row["label"] == "1" for row in csv.DictReader(fh))
    assert 0 < info["recall"]["found"] <= relevant
    store = Store.open(db)
    session = ReviewSession(store, "demo")
    session.prepare()
    session.retrain()
    live = session.recall_summary()
    again = summary_from_store(store)
    assert live is not None and again is not None and live.est_remaining is not None
    assert live.found == again.found == info["recall"]["found"]
    assert live.point == again.point

    # documents imported after the last model: no estimate that leaves them out
    from review.models import NewDocument

    store.add_documents([NewDocument(doc_id=f"late{i}", title="Late", text=f"a late memo {i}", source="later")
                         for i in range(3)], store.begin_batch("later"))
    assert session.recall_summary() is None  # the screen is adding them
    session.estimate_loaded_documents_only()  # adding them failed: estimate what is loaded, and say so
    partial = session.recall_summary()
    assert partial is not None and partial.point == live.point
    assert partial.text == f"{live.text} of the documents loaded; 3 imported since are not in it"
    stale = summary_from_store(store)
    assert stale is not None and stale.est_remaining is None and stale.found == live.found
    assert stale.text == "no estimate yet: 3 document(s) imported since the last model (the review screen scores them)"
    from review.status import project_status, render_status

    shown = render_status(project_status(store))
    assert "Recall         no estimate yet: 3 document(s) imported" in shown and "Stop?" not in shown


def test_a_labelled_validation_sample_counts_as_read_in_the_estimate() -> None:
    rng = np.random.default_rng(1)
    n = 2000
    scores = np.clip(rng.beta(0.3, 5, n), 0.001, 0.999)
    truth = (rng.random(n) < scores).astype(int)
    ranked = np.argsort(-scores)
    order, rest = ranked[:300], ranked[300:]
    sample = rng.choice(rest, size=200, replace=False)
    args = (order.tolist(), truth[order].tolist(), scores[order].tolist(), scores)
    without = RecallTracker(0.95, 0.95).update(*args)
    tracker = RecallTracker(0.95, 0.95)
    with_sample = tracker.update(*args, sample.tolist(), truth[sample].tolist())
    assert without is not None and with_sample is not None
    assert with_sample.found == without.found + truth[sample].sum()
    calibrated = tracker.monitor.calibrated(scores)
    unread = np.setdiff1d(rest, sample)
    assert with_sample.est_remaining == math.ceil(float(calibrated[unread].sum()) - 1e-9)
    assert with_sample.est_remaining < without.est_remaining
    # a sampled row that is also in the ranked order is not counted twice
    again = RecallTracker(0.95, 0.95).update(*args, [int(order[0])], [int(truth[order[0]])])
    assert again.found == without.found


def test_status_shows_the_remaining_only_with_an_estimate() -> None:
    from review.status import render_status

    base = {"documents": 10, "duplicates": 0, "decided": 4, "relevant": 2, "not_relevant": 2, "skipped": 0,
            "import_errors": 0, "labels": {"positive": "relevant", "negative": "not relevant"},
            "goal": "find-all", "strategy": "relevance", "target_recall": 0.95, "confidence": 0.95}
    with_estimate = {**base, "recall": {"text": "≥ 80 % (estimate 90 %)", "found": 34, "point": 0.9, "low": 0.8,
                                        "est_remaining": 5}}
    # 34 found: 34 x 0.1 / 0.9 = 3.8 left at the point, 34 x 0.2 / 0.8 = 8.5 at the lower end (9 would be 79 %)
    assert "Recall         ≥ 80 % (estimate 90 %); ≈ 4 relevant left (up to 8)" in render_status(with_estimate)
    waiting = {**base, "recall": {"text": "no estimate yet: 3 of 20 non-relevant documents served by the model",
                                  "est_remaining": None}}
    assert "Recall         no estimate yet: 3 of 20 non-relevant documents served by the model\n" in render_status(waiting) + "\n"
    assert "relevant left" not in render_status(waiting)


def test_left_text_follows_the_figures_shown() -> None:
    from review.estimate import left_text

    assert left_text(1200, 0.6, 0.5) == "≈ 800 relevant left (up to 1,200)"
    assert left_text(5, 1.0, 0.91) == "≈ 0 relevant left"  # 5 x 0.09 / 0.91 = 0.49: not one more
    # 3.6 left at the point rounds to 4, but the lower end allows 3.9: the count stays within the bound
    assert left_text(10, 10 / 13.6, 10 / 13.9) == "≈ 3 relevant left"
    assert left_text(10, 0.5, 0.0) == "≈ 10 relevant left"  # a lower end of 0 bounds nothing
    assert left_text(10, None, None) is None


def test_status_explains_a_missing_estimate_and_model(filled_store: Store) -> None:
    from review.status import project_status, render_status

    filled_store.attach_labels([("d000", "relevant"), ("d001", "not relevant")])  # a screening begun elsewhere
    assert "Model          none yet (the review screen trains one: `review open`)" in render_status(
        project_status(filled_store))
    session = ReviewSession(filled_store, "ann")
    session.prepare()
    ranking = session.compute_ranking(session.training_snapshot())
    session.swap_ranking(ranking, *session.queue_for(ranking))  # as the screen does; scores written later
    shown = render_status(project_status(filled_store))
    assert "Recall         no estimate yet: the open review screen writes its ranking when the reviewer pauses" in shown
    session.save_ranking()
    assert "the open review screen writes" not in render_status(project_status(filled_store))
