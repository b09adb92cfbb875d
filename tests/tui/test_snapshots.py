"""Pictures of the review app (pytest-textual-snapshot). Fixed data, seed and clock; no model
loading, so nothing depends on timing. Update with `--snapshot-update` only after looking at the report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from review.session import RecallSummary, ReviewSession
from review.store import Store
from review.tui.app import ReviewApp


class TestReviewScreen:
    def test_review_screen(self, snap_compare, make: Callable[..., ReviewApp], session: ReviewSession) -> None:
        """The review screen at 100×30 after one relevant and one not-relevant decision: a document
        titled "Doc …" with its source line and "Why here", the cold-start hint (no model yet), the
        include term "price" on a green background and "coffee" on red; the side panel reads
        reviewed 2 / 20, relevant 1, "no estimate yet", a gain curve, "no model yet"; the footer
        lists r n s u / h ? q."""
        session.set_terms(["price", "contract"], ["coffee"])

        async def run_before(pilot: Pilot) -> None:
            await pilot.press("r", "n")
            await pilot.pause(0.3)

        assert snap_compare(make(), terminal_size=(100, 30), run_before=run_before)

    def test_small_terminal(self, snap_compare, make: Callable[..., ReviewApp]) -> None:
        """The same screen at 80×24 before any decision: nothing is cut off that matters: the title,
        the hint, the text, the side panel (narrower) and the footer all fit."""
        assert snap_compare(make(), terminal_size=(80, 24))

    def test_stop_suggestion(self, snap_compare, make: Callable[..., ReviewApp], session: ReviewSession,
                             monkeypatch) -> None:  # type: ignore[no-untyped-def]
        """The stop suggestion has fired: a notice above the text says "Stop suggested." with the rule's
        evidence (QBCB…), what it means and the way forward (press v for an elusion sample, or keep going); the side
        panel shows "≥ 91 % (estimate 96 %)", "≈ 0 relevant left" and the rule; a toast repeats the
        suggestion."""
        summary = RecallSummary("≥ 91 % (estimate 96 %)", 5, 0, "QBCB: 28 of 30 sample positives reached: "
                                "recall ≥ 95 % with 95 % confidence", stop_fired=True, point=0.96, low=0.91)
        monkeypatch.setattr(session, "recall_summary", lambda: summary)
        assert snap_compare(make(), terminal_size=(100, 30), run_before=lambda pilot: pilot.pause(0.2))


class TestStates:
    def test_empty_project(self, snap_compare, tmp_path: Path, no_user_keys: Path) -> None:
        """A project with no documents: "This project has no documents yet." and the
        `review import FOLDER --db PATH` command, instead of a document; counts are 0 / 0."""
        store = Store.open(tmp_path / "empty.db")
        app = ReviewApp(ReviewSession(store, "alice"), prepare=False)
        assert snap_compare(app, terminal_size=(100, 30))

    def test_everything_reviewed(self, snap_compare, tmp_path: Path, no_user_keys: Path) -> None:
        """Every document decided: "Everything has been reviewed." with the counts (3 of 3), the
        recall line, and how to go on (history, undo, export, quit)."""
        from tests.tui.conftest import tokenised
        from tests.conftest import tiny_docs

        store = Store.open(tmp_path / "done.db")
        store.add_documents(tokenised(tiny_docs(3)))
        app = ReviewApp(ReviewSession(store, "alice", random_state=0), prepare=False)
        assert snap_compare(app, press=["r", "n", "n"], terminal_size=(100, 30))


class TestOtherScreens:
    def test_help(self, snap_compare, make: Callable[..., ReviewApp]) -> None:
        """The help dialog over the review screen: every action with its key (r, n, s, u, a, t, /, h, m,
        p / ←, →, e, i, v, ?, q), scrolling keys, and how to remap keys in ~/.config/review/keys.toml (what the
        recall panel means follows below the fold)."""
        assert snap_compare(make(), press=["question_mark"], terminal_size=(100, 34))

    def test_history(self, snap_compare, make: Callable[..., ReviewApp]) -> None:
        """The history after three decisions, newest first: time 2026-01-02 03:04, reviewer alice,
        labels skipped / not relevant / relevant, kind "decide", the document titles; the cursor on
        the newest row; the footer shows the label keys and Esc."""
        assert snap_compare(make(), press=["r", "n", "s", "h"], terminal_size=(100, 30))

    def test_search(self, snap_compare, make: Callable[..., ReviewApp]) -> None:
        """Search for "discount": five hits (the pricing documents), the first labelled relevant
        from the list, the cursor on the second with a preview of its text below the table, and the
        cold-start hint that these hits now come first in the queue."""
        press = ["slash", *"discount", "enter", "r"]
        assert snap_compare(make(), press=press, terminal_size=(100, 30))
