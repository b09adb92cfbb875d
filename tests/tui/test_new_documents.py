"""Documents imported while the review screen is open join the model without a restart."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from textual.message import Message
from textual.widgets import Static
from textual.worker import WorkerFailed

from review.models import NewDocument
from review.session import ReviewSession
from review.store import Store
from review.tui.app import ReviewApp
from review.tui.messages import RankerRetrained, SessionPrepared
from review.tui.screens import PANEL_DELAY
from tests.conftest import tiny_docs
from tests.tui.conftest import tokenised
from tests.tui.test_model_worker import label_one_of_each, settle, unique


async def test_an_import_while_open_is_scored_and_counted(make: Callable[..., ReviewApp], session: ReviewSession,
                                                          project: Store, messages: list[Message]) -> None:
    app = make(prepare=True)
    async with app.run_test(message_hook=messages.append) as pilot:
        await settle(app, pilot)
        await label_one_of_each(app, pilot)
        await settle(app, pilot)
        app.check_new_documents()  # nothing new: no reload
        await settle(app, pilot)
        assert len(unique(messages, SessionPrepared)) == 1
        other = Store.open(project.path)  # `review import` in another shell
        other.add_documents(tokenised([NewDocument(doc_id=f"late{i}", title=f"Late {i}", text=f"price discount late {i}",
                                                   source="later", metadata={"y": 1}) for i in range(4)]),
                            other.begin_batch("later"))
        other.close()
        before = len(unique(messages, RankerRetrained))
        app.check_new_documents()
        await settle(app, pilot)
        assert len(unique(messages, SessionPrepared)) == 2
        assert session.engine is not None and session.engine.n_docs == 24
        retrained = unique(messages, RankerRetrained)
        assert len(retrained) > before and len(retrained[-1].ranking.scores) == 24
        assert session.new_documents() == 0
        await pilot.pause(PANEL_DELAY + 0.2)
        progress = str(app.review_screen.query_one("#panel-progress", Static).content)
        assert "/ 24" in progress
        assert any("4 new document(s) imported" in str(n.message) for n in app._notifications)


async def test_adding_new_documents_that_fails_is_said_once_and_tried_again_later(
        make: Callable[..., ReviewApp], session: ReviewSession, project: Store, messages: list[Message],
        monkeypatch) -> None:  # type: ignore[no-untyped-def]
    app = make(prepare=True)
    async with app.run_test(message_hook=messages.append) as pilot:
        await settle(app, pilot)
        await label_one_of_each(app, pilot)
        await settle(app, pilot)

        def full_disk(*args: object, **kwargs: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(session, "prepare", full_disk)
        project.add_documents(tokenised(tiny_docs(22)[20:]), project.begin_batch("later"))
        retrains = len(unique(messages, RankerRetrained))
        for _ in range(3):  # three ticks of the check
            app.check_new_documents()
            with contextlib.suppress(WorkerFailed):  # waiting on the failed worker re-raises its error
                await app.workers.wait_for_complete()
            await settle(app, pilot)
        failures = [n for n in app._notifications if "could not be added" in str(n.message)]
        assert len(failures) == 1 and "current model stays in use" in str(failures[0].message)
        assert not any("could not load the corpus" in str(n.message) for n in app._notifications)
        model = str(app.review_screen.query_one("#panel-model", Static).content)
        assert "loading" not in model
        await label_one_of_each(app, pilot)  # reviewing and retraining go on with the old corpus
        await settle(app, pilot)
        assert len(unique(messages, RankerRetrained)) > retrains
        assert session.engine.n_docs == 20
        await pilot.pause(PANEL_DELAY + 0.2)
        recall = str(app.review_screen.query_one("#panel-recall", Static).content)
        assert "no estimate yet" in recall or "2 imported since are not in it" in recall
        tries: list[int] = []
        monkeypatch.setattr(session, "prepare", lambda *a, **k: tries.append(1))
        app.check_new_documents()  # still within the wait: no new try
        assert tries == []
        app._grow_retry_at = 0.0  # the wait is over
        app.check_new_documents()
        await settle(app, pilot)
        assert tries == [1]
