"""Key remapping (project config and the reviewer's keys.toml) and several reviewers on one DB."""

from __future__ import annotations

from pathlib import Path

from review.session import RecallSummary, ReviewSession
from review.store import Store
from review.tui.app import ReviewApp, make_app
from review.tui.keys import build_keymap, display_key, normalise_keys, read_user_keys
from review.tui.screens import ReviewScreen
from textual.widgets import Static


def test_build_keymap_user_wins_over_project() -> None:
    keymap, problems = build_keymap({"relevant": "y"}, {"relevant": "j", "not_relevant": "k"})
    assert keymap == {"relevant": "j", "not_relevant": "k"}
    assert problems == []


def test_build_keymap_reports_unknown_actions_and_clashes() -> None:
    keymap, problems = build_keymap({"fly": "f", "relevant": "n"}, {})
    assert keymap == {}
    assert any("Unknown action 'fly'" in p for p in problems)
    assert any("'n'" in p and "relevant" in p for p in problems)


def test_keys_are_normalised_and_displayed() -> None:
    assert normalise_keys("/, ?") == "slash,question_mark"
    assert normalise_keys("Space") == "space"
    assert display_key("p,left") == "p / ←"


def test_read_user_keys(tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    assert read_user_keys(path) == ({}, [])
    path.write_text('[keys]\nrelevant = "y"\nskip = 3\n', encoding="utf-8")
    keys, problems = read_user_keys(path)
    assert keys == {"relevant": "y"} and problems and "skip" in problems[0]
    path.write_text("not toml = = =", encoding="utf-8")
    assert read_user_keys(path)[1]


async def test_project_and_user_remapping_drive_the_screen(session: ReviewSession, no_user_keys: Path) -> None:
    session.config.keys = {"relevant": "y", "not_relevant": "x"}
    no_user_keys.write_text('[keys]\nnot_relevant = "k"\n', encoding="utf-8")
    app = make_app(session, prepare=False)
    async with app.run_test() as pilot:
        first = session.current().document.pk
        await pilot.press("r")  # no longer bound
        assert session.store.current_label(first) is None
        await pilot.press("y")
        assert session.store.current_label(first) == "relevant"
        second = session.current().document.pk
        await pilot.press("x")  # the project's key, overridden by the reviewer's
        assert session.store.current_label(second) is None
        await pilot.press("k")
        assert session.store.current_label(second) == "not relevant"
        hint = str(app.review_screen.query_one("#doc-notice", Static).content)
        assert "(y)" in hint  # hints name the keys in force


async def test_bad_key_config_is_a_warning_not_a_crash(session: ReviewSession, no_user_keys: Path) -> None:
    session.config.keys = {"relevant": "n"}
    app = make_app(session, prepare=False)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert any(n.severity == "warning" for n in app._notifications)
        first = session.current().document.pk
        await pilot.press("r")
        assert session.store.current_label(first) == "relevant"


async def test_two_reviewers_never_get_the_same_document(project: Store, no_user_keys: Path) -> None:
    """Alice's app holds a document; Bob, on another connection, is served a different one."""
    assert project.path is not None
    other = Store.open(project.path)
    try:
        alice = ReviewSession(project, "alice", random_state=0)
        bob = ReviewSession(other, "bob", random_state=0)  # same seed: same queue order
        app = ReviewApp(alice, prepare=False)
        async with app.run_test() as pilot:
            shown = alice.current().document.pk
            assert bob.current().document.pk != shown
            for _ in range(5):
                await pilot.press("n")
                bob.not_relevant()
                assert alice.current().document.pk != bob.current().document.pk
        labels = project.current_labels()
        assert len(labels) == 10
        reviewers = {e.reviewer for e in project.history()}
        assert reviewers == {"alice", "bob"}
    finally:
        other.close()


async def test_stop_suggestion_is_explained(make, session: ReviewSession, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    summary = RecallSummary("≥ 91 % (estimate 96 %)", 5, 0, "QBCB: 28 of 30 sample positives reached", stop_fired=True,
                            point=0.96, low=0.91)
    monkeypatch.setattr(session, "recall_summary", lambda: summary)
    app = make()
    async with app.run_test() as pilot:
        await pilot.pause()
        notice = str(app.review_screen.query_one("#doc-notice", Static).content)
        assert "Stop suggested" in notice and "QBCB" in notice and "elusion sample (press v" in notice
        panel = str(app.review_screen.query_one("#panel-recall", Static).content)
        assert "≥ 91 % (estimate 96 %)" in panel and "≈ 0 relevant left" in panel and "up to" not in panel
        assert any(n.title == "Stop suggested" for n in app._notifications)


async def test_the_footer_names_the_projects_own_labels(project: Store, no_user_keys: Path) -> None:
    from dataclasses import replace

    from review.models import LabelSet

    project.save_config(replace(project.config(), labels=LabelSet("responsive", "not responsive")))
    app = ReviewApp(ReviewSession(project, "alice", random_state=0), prepare=False)
    async with app.run_test() as pilot:
        await pilot.pause()
        shown = {ab.binding.id: ab.binding.description for ab in app.review_screen.active_bindings.values()}
        assert (shown["relevant"], shown["not_relevant"]) == ("Responsive", "Not responsive")
        await pilot.press("r")  # the key still decides, under its new name
        assert project.counts()["relevant"] == 1
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.names == {"relevant": "Responsive", "not_relevant": "Not responsive"}


async def test_the_end_of_the_review_quotes_the_current_estimate(make, session: ReviewSession,  # type: ignore[no-untyped-def]
                                                                  monkeypatch) -> None:
    shown = {"summary": RecallSummary("≥ 50 % (estimate 60 %)", 5, 3, "Keep reviewing: Knee: …", point=0.6, low=0.5)}
    monkeypatch.setattr(session, "recall_summary", lambda: shown["summary"])
    app = make()
    async with app.run_test() as pilot:
        await pilot.press("s")  # a skipped document is not served again: it does not keep the review going
        while (item := session.current()) is not None:
            await pilot.press("r" if item.document.metadata["y"] else "n")
        app.review_screen.refresh_panel(recall=True)
        await pilot.pause()
        panel = str(app.review_screen.query_one("#panel-recall", Static).content)
        assert "Nothing left to review" in panel and "Keep reviewing" not in panel
        body = str(app.review_screen.query_one("#state-body", Static).content)
        assert "Estimated recall: ≥ 50 % (estimate 60 %)." in body
        shown["summary"] = RecallSummary("≥ 97 % (estimate 99 %)", 5, 0, "Keep reviewing: Knee: …", point=0.99, low=0.97)
        app.review_screen.refresh_panel(recall=True)  # a retrain after the last decision
        await pilot.pause()
        assert "Estimated recall: ≥ 97 % (estimate 99 %)." in str(app.review_screen.query_one("#state-body", Static).content)
        title = str(app.review_screen.query_one("#state-title", Static).content)
        assert title == "Nothing left to review but 1 skipped document(s)."  # not "Everything has been reviewed."
        assert "or in the history (h)" in str(app.review_screen.query_one("#state-body", Static).content)


async def test_reopening_serves_the_saved_ranking_without_a_no_model_notice(session: ReviewSession,
                                                                            no_user_keys) -> None:  # type: ignore[no-untyped-def]
    from review.tui.app import ReviewApp

    session.prepare()
    while session.ranking is None or session.ranking.cold_start_reason is not None:
        item = session.current()
        (session.relevant if item.document.metadata["y"] else session.not_relevant)()
        session.retrain()  # writes the ranking's scores, as the screen does at a pause or on quitting
    again = ReviewSession(session.store, "alice")  # the next day: the saved ranking serves while the model loads
    assert again.ranking is None and again.current().model_version is not None
    app = ReviewApp(again, prepare=False)
    async with app.run_test() as pilot:
        await pilot.pause()
        notice = app.review_screen.query_one("#doc-notice", Static)
        assert not notice.display or "No model yet" not in str(notice.content)
