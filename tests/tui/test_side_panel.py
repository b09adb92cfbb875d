"""The side panel on a small terminal: what must stay on screen, and the scroll for the rest."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from review.session import RecallSummary, ReviewSession
from review.tui.app import ReviewApp
from review.tui.widgets import SidePanel

LONG_STOP = ("Keep reviewing: Knee: relevant documents came 7.7× as often before the bend as since, needs 151×; "
             "Ranked-tail test: p = 0.70 for recall below 95 %, needs < 0.30")


async def three_decisions_and_the_panel(app: ReviewApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("r", "n", "n")
    await pilot.pause(0.3)
    app.review_screen.refresh_panel(recall=True)
    await pilot.pause(0.1)


async def test_model_block_is_on_screen_at_80x24(make: Callable[..., ReviewApp], session: ReviewSession,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a demo review at 65 read: no estimate yet, the tail test's wait, the gain curve."""
    summary = RecallSummary("no estimate yet: 0 of 20 non-relevant documents served by the model", 1, None,
                            "Keep reviewing: Knee: checked from 150 documents read; Ranked-tail test: p = 1.00 "
                            "for recall below 95 %, needs < 0.30")
    monkeypatch.setattr(session, "recall_summary", lambda: summary)
    app = make()
    async with app.run_test(size=(80, 24)) as pilot:
        await three_decisions_and_the_panel(app, pilot)
        model = app.review_screen.query_one("#panel-model")
        assert model.region.height >= 2, "the model block was cut"
        assert model.region.bottom <= 23, "the model block runs under the footer"


async def test_a_long_recall_text_scrolls_instead_of_hiding_the_rest(make: Callable[..., ReviewApp],
                                                                     session: ReviewSession,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    summary = RecallSummary("≥ 52 % (estimate 90 %)", 5, 1, LONG_STOP, stop_fired=False, point=0.9, low=0.52)
    monkeypatch.setattr(session, "recall_summary", lambda: summary)
    app = make()
    async with app.run_test(size=(80, 24)) as pilot:
        await three_decisions_and_the_panel(app, pilot)
        panel = app.review_screen.query_one(SidePanel)
        model = app.review_screen.query_one("#panel-model")
        assert model.region.height >= 1, "the model block's first line should still show"
        assert not panel.can_focus, "the panel must not take the review keys"
        panel.scroll_end(animate=False)
        await pilot.pause(0.1)
        assert model.region.bottom <= 23 and model.region.height >= 2
