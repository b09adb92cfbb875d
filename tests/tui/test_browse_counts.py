"""Search and history say when they list only part of what there is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import DataTable, Label

from review.session import ReviewSession
from review.store import Store
from review.tui.app import ReviewApp
from review.tui.browse import HistoryScreen, SearchScreen

from tests.conftest import tiny_docs
from tests.tui.conftest import tokenised


def label_text(app: ReviewApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Label).content)


async def test_search_says_the_list_is_the_first_of_more_hits(tmp_path: Path, no_user_keys: Path) -> None:
    """All 230 documents contain "note"; the cold-start search lists 200 and says they are the first 200."""
    store = Store.open(tmp_path / "big.db")
    store.add_documents(tokenised(tiny_docs(230)))
    app = ReviewApp(ReviewSession(store, "alice", random_state=0), prepare=False)
    async with app.run_test() as pilot:
        await pilot.press("slash", *"note", "enter")
        assert isinstance(app.screen, SearchScreen)
        assert app.screen.query_one(DataTable).row_count == 200
        assert label_text(app, "#search-hint").startswith("first 200 of 230 hits · ")
    store.close()


async def test_search_without_a_cap_counts_its_hits(make: Callable[..., ReviewApp]) -> None:
    """Five pricing documents mention "discount": all are listed, and the hint says five."""
    app = make()
    async with app.run_test() as pilot:
        await pilot.press("slash", *"discount", "enter")
        assert label_text(app, "#search-hint").startswith("5 hit(s) · ")


async def test_history_title_says_how_many_entries_it_leaves_out(make: Callable[..., ReviewApp],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """With the history capped at 2 entries of 3, the title says so, and counts again after a relabel."""
    monkeypatch.setattr("review.tui.browse.HISTORY_LIMIT", 2)
    app = make()
    async with app.run_test() as pilot:
        await pilot.press("r", "n", "s", "h")
        assert isinstance(app.screen, HistoryScreen)
        assert app.screen.query_one(DataTable).row_count == 2
        assert label_text(app, "#history-title").endswith(
            "\nThe 2 newest of 3 entries; `review export --history` writes them all.")
        await pilot.press("r")  # relabel the newest: a fourth entry, the title follows
        assert label_text(app, "#history-title").endswith(
            "\nThe 2 newest of 4 entries; `review export --history` writes them all.")


async def test_history_title_when_everything_is_listed(make: Callable[..., ReviewApp]) -> None:
    app = make()
    async with app.run_test() as pilot:
        await pilot.press("r", "n", "h")
        assert label_text(app, "#history-title") == "History, newest first · r / n / s change the label · Esc back"
