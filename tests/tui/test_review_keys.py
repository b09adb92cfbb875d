"""Pilot tests: every key of the review screen, asserted on the DB and on messages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.message import Message
from textual.widgets import Static

from review import validation
from review.models import SKIPPED
from review.session import ReviewSession
from review.tui.app import ReviewApp
from review.tui.browse import HistoryScreen, SearchScreen
from review.tui.dialogs import ConfirmModal, HelpScreen
from review.tui.messages import DocumentDecided
from review.tui.screens import ReviewScreen
from review.tui.widgets import DocumentView, StateView


def shown_pk(app: ReviewApp) -> int:
    item = app.session.current()
    assert item is not None
    return item.document.pk


def shown_title(app: ReviewApp) -> str:
    return str(app.review_screen.query_one("#doc-title", Static).content)


def decided(messages: list[Message]) -> list[DocumentDecided]:
    """DocumentDecided messages, each once (the hook sees a message at every node it bubbles through)."""
    out: dict[int, DocumentDecided] = {}
    for m in messages:
        if isinstance(m, DocumentDecided):
            out.setdefault(id(m), m)
    return list(out.values())


@pytest.mark.parametrize(("key", "label"), [("r", "relevant"), ("n", "not relevant"), ("s", SKIPPED)])
async def test_label_keys_record_and_advance(
    make: Callable[..., ReviewApp], session: ReviewSession, messages: list[Message], key: str, label: str
) -> None:
    app = make()
    async with app.run_test(message_hook=messages.append) as pilot:
        first = shown_pk(app)
        first_title = shown_title(app)
        await pilot.press(key)
        assert session.store.current_label(first) == label
        assert shown_pk(app) != first
        assert shown_title(app) != first_title
        assert [(m.kind, m.doc_pk, m.label) for m in decided(messages)] == [("decide", first, label)]


async def test_decision_is_in_the_db_before_the_next_document_is_drawn(
    make: Callable[..., ReviewApp], session: ReviewSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[int, str | None]] = []
    original = DocumentView.show

    def spy(self: DocumentView, item, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append((item.document.pk, session.store.current_label(previous[0]) if previous else None))
        previous[:] = [item.document.pk]
        return original(self, item, *args, **kwargs)

    previous: list[int] = []
    monkeypatch.setattr(DocumentView, "show", spy)
    app = make()
    async with app.run_test() as pilot:
        await pilot.press("r", "n")
    assert [label for _, label in seen] == [None, "relevant", "not relevant"]


async def test_undo_brings_the_document_back(make: Callable[..., ReviewApp], session: ReviewSession,
                                             messages: list[Message]) -> None:
    app = make()
    async with app.run_test(message_hook=messages.append) as pilot:
        first = shown_pk(app)
        await pilot.press("r", "u")
        assert session.store.current_label(first) is None
        assert shown_pk(app) == first
        assert "undo" in str(app.review_screen.query_one("#doc-why", Static).content)
        await pilot.press("u")
        assert [m.kind for m in decided(messages)] == ["decide", "undo"]
        assert any("Nothing to undo" in n.message for n in app._notifications)


async def test_note_and_tags_are_saved_and_travel_with_the_decision(
    make: Callable[..., ReviewApp], session: ReviewSession
) -> None:
    app = make()
    async with app.run_test() as pilot:
        pk = shown_pk(app)
        await pilot.press("a")
        await pilot.press(*"see clause 4", "enter")
        await pilot.press("t")
        await pilot.press(*"pricing, urgent", "enter")
        assert isinstance(app.screen, ReviewScreen)
        assert session.latest_note(pk) == "see clause 4"
        await pilot.press("r")
        entry = session.history(limit=1)[0]
        assert (entry.doc_pk, entry.label, entry.note, entry.tags) == (pk, "relevant", "see clause 4",
                                                                       ("pricing", "urgent"))


async def test_escape_cancels_a_note(make: Callable[..., ReviewApp], session: ReviewSession) -> None:
    app = make()
    async with app.run_test() as pilot:
        pk = shown_pk(app)
        await pilot.press("a", *"draft", "escape")
        assert session.latest_note(pk) == ""
        assert isinstance(app.screen, ReviewScreen)


async def test_search_labels_hits_directly(make: Callable[..., ReviewApp], session: ReviewSession,
                                           messages: list[Message]) -> None:
    app = make()
    async with app.run_test(message_hook=messages.append) as pilot:
        await pilot.press("slash")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"discount", "enter")
        hits = session.search("discount")
        assert hits
        await pilot.press("r", "n")
        assert session.store.current_label(hits[0].pk) == "relevant"
        assert session.store.current_label(hits[1].pk) == "not relevant"
        assert [m.kind for m in decided(messages)] == ["edit", "edit"]
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)
        assert shown_pk(app) not in {hits[0].pk, hits[1].pk}


async def test_search_during_cold_start_puts_hits_first(make: Callable[..., ReviewApp],
                                                        session: ReviewSession) -> None:
    app = make()
    async with app.run_test() as pilot:
        await pilot.press("slash", *"discount", "enter", "escape")
        await pilot.press("n")  # the document on screen stays until decided; then the hits come
        assert session.current().document.pk in {d.pk for d in session.search("discount")}
        assert "search results" in str(app.review_screen.query_one("#doc-why", Static).content)


async def test_a_bad_query_is_a_notification(make: Callable[..., ReviewApp]) -> None:
    app = make()
    async with app.run_test() as pilot:
        await pilot.press("slash", *'"unbalanced', "enter")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*' AND (', "enter")
        assert isinstance(app.screen, SearchScreen)


async def test_history_changes_any_decision(make: Callable[..., ReviewApp], session: ReviewSession) -> None:
    app = make()
    async with app.run_test() as pilot:
        first = shown_pk(app)
        await pilot.press("r", "n", "h")
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("down", "s")  # second row: the first decision
        assert session.store.current_label(first) == SKIPPED
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)


async def test_strategy_key_cycles(make: Callable[..., ReviewApp], session: ReviewSession) -> None:
    app = make()
    async with app.run_test() as pilot:
        await pilot.press("m")
        assert session.strategy == "uncertainty"
        await pilot.press("m")
        assert session.strategy == "mixed"


async def test_previous_and_next_look_back_and_relabel(make: Callable[..., ReviewApp],
                                                       session: ReviewSession) -> None:
    app = make()
    async with app.run_test() as pilot:
        first = shown_pk(app)
        await pilot.press("r")
        second = shown_pk(app)
        await pilot.press("n")
        third = shown_pk(app)
        await pilot.press("p", "p")
        assert "Looking back (2 of 2)" in str(app.review_screen.query_one("#doc-notice", Static).content)
        assert "labelled relevant" in str(app.review_screen.query_one("#doc-why", Static).content)
        await pilot.press("n")  # relabel the first, step forward to the second
        assert session.store.current_label(first) == "not relevant"
        assert "Looking back (1 of 2)" in str(app.review_screen.query_one("#doc-notice", Static).content)
        await pilot.press("right")
        assert not app.review_screen.query_one("#doc-notice", Static).display or shown_pk(app) == third
        assert session.store.current_label(second) == "not relevant"
        assert session.current().document.pk == third


async def test_edit_terms_saves_and_highlights(make: Callable[..., ReviewApp], session: ReviewSession) -> None:
    app = make()
    async with app.run_test() as pilot:
        await pilot.press("i", *"price, contract", "tab", *"coffee", "enter")
        assert session.config.include_terms == ["price", "contract"]
        assert session.config.exclude_terms == ["coffee"]
        assert session.store.config().include_terms == ["price", "contract"]


async def test_help_lists_keys_and_closes(make: Callable[..., ReviewApp]) -> None:
    app = make()
    async with app.run_test() as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        recall = str(app.screen.query_one("#help-recall", Static).content)  # below the keys: scroll to read
        assert "lower bound" in recall and "ranked-tail test" in recall and "press v" in recall
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)


async def test_quit(make: Callable[..., ReviewApp]) -> None:
    app = make()
    async with app.run_test() as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_empty_project_says_how_to_import(session: ReviewSession, no_user_keys: object) -> None:
    from review.store import Store

    empty = ReviewSession(Store.memory(), "alice")
    app = ReviewApp(empty, prepare=False)
    async with app.run_test() as pilot:
        await pilot.press("r")
        state = app.review_screen.query_one(StateView)
        assert state.display
        assert "no documents" in str(state.query_one("#state-title", Static).content)
        assert "review import" in str(state.query_one("#state-body", Static).content)
        assert any("Nothing left" in n.message for n in app._notifications)


async def test_everything_reviewed_shows_a_summary(make: Callable[..., ReviewApp], session: ReviewSession) -> None:
    app = make()
    async with app.run_test() as pilot:
        for _ in range(20):
            await pilot.press("n")
        assert session.current() is None
        body = str(app.review_screen.query_one("#state-body", Static).content)
        assert "20 of 20 documents decided" in body
        await pilot.press("u")
        assert app.review_screen.query_one(DocumentView).display


async def test_validate_warns_when_the_sample_is_most_of_what_is_left(make: Callable[..., ReviewApp],
                                                                      session: ReviewSession) -> None:
    app = make()
    async with app.run_test() as pilot:
        await pilot.press("r", "n")  # 1 relevant found, 18 unread: no sample can certify 95 %
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal) and "of 18 now" in app.screen.title_text
        assert "more than half of what is left" in app.screen.body
        await pilot.press("n")
        assert session.validation() is None


async def test_validate_draws_an_elusion_sample_after_confirmation_and_v_abandons_it(
        make: Callable[..., ReviewApp], session: ReviewSession, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(validation, "plan", lambda store: (5, None))  # a size this tiny project could certify
    app = make()
    async with app.run_test() as pilot:
        await pilot.press("r", "n")
        await pilot.press("v", "n")  # asked, declined
        assert session.validation() is None
        shown = shown_pk(app)
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal) and "of 5 now" in app.screen.title_text
        await pilot.press("y")
        drawn = session.validation()
        assert drawn is not None and drawn.size == 5
        assert shown_pk(app) == shown  # the document on screen stays
        await pilot.press("n")
        assert shown_pk(app) in set(session.store.sample(drawn.name))
        await pilot.pause(0.3)
        assert "Elusion sample" in str(app.review_screen.query_one("#panel-recall", Static).content)
        await pilot.press("n")  # a sample document labelled (the draw may also have held the one on screen)
        labelled = [pk for pk in session.store.sample(drawn.name) if session.store.current_label(pk)]
        assert 1 <= len(labelled) <= 2
        await pilot.press("v", "y")  # abandon: the unlabelled rest rejoins the ranked queue
        await pilot.pause()
        assert session.validation() is None
        assert session.store.sample(drawn.name) == labelled  # the labelled stay in the sample
        assert any(n.title == "Elusion sample abandoned" and n.message.startswith(f"{5 - len(labelled)} ")
                   for n in app._notifications)
        assert "elusion" not in (session.current().reason or "")
        assert shown_pk(app) == session.current().document.pk  # the screen follows


async def test_a_second_elusion_sample_is_offered_with_a_caution(
        make: Callable[..., ReviewApp], session: ReviewSession, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(validation, "plan", lambda store: (3, None))
    session.relevant()
    session.not_relevant()
    session.start_validation(size=3)
    while not session.validation().complete:
        session.not_relevant()
    app = make()
    async with app.run_test() as pilot:
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal) and "of 3 now" in app.screen.title_text
        assert app.screen.body.startswith("Elusion test:")  # the finished result first
        assert "second test of the same review: treat its bound with care" in app.screen.body


def test_history_calls_a_saved_note_a_note_and_a_relabel_an_edit(session: ReviewSession) -> None:
    from review.tui.browse import _note_only_edits

    first = session.current().document.pk
    session.relevant()
    session.annotate(note="check the appendix", pk=first)  # label kept: a note
    session.decide_document(first, "not relevant")  # label changed: an edit
    second = session.current().document.pk
    session.annotate(note="waits for its decision")  # an undecided document's note
    kinds = _note_only_edits(session.history())
    by_doc = [(e.doc_pk, e.kind, kinds.get(e.id, e.kind)) for e in reversed(session.history())]
    assert by_doc[0][0] == first and by_doc[0][2] == "decide"
    assert (by_doc[1][0], by_doc[1][2]) == (first, "note")
    assert (by_doc[2][0], by_doc[2][2]) == (first, "edit")
    assert (by_doc[3][0], by_doc[3][2]) == (second, "note")
