"""Document text reaches the terminal as text: no escape sequence, no control character."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from review.models import NewDocument
from review.session import ReviewSession
from review.store import Store
from review.tui.app import ReviewApp
from review.tui.highlight import highlighted, term_pattern
from review.tui.sanitize import clean, clean_line

NASTY = (
    "Totally normal\x1b[2J\x1b[31m red \x1b[0m text."
    "\x1b]0;owned title\x07 then\x07bell, \x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\ "
    "\x9b6n and \x1bc reset\r overwrite\x00nul \u202eevil [bold]markup[/bold]"
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\x1b[31mred\x1b[0m", "ared"),
        ("x\x1b]0;title\x07y", "xy"),
        ("x\x1b]0;title\x1b\\y", "xy"),
        ("bell\x07", "bell\u2407"),
        ("8-bit\x9b2Jcsi", "8-bitcsi"),
        ("tab\tcr\r\nlf", "tab    cr\nlf"),
        ("lone\rcr", "lone\ncr"),
        ("nul\x00del\x7f", "nul\u2400del\u2421"),
        ("rtl\u202eoverride", "rtl\ufffdoverride"),
        ("unterminated\x1b]0;title\nnext", "unterminated\nnext"),
        ("plain [b]text[/b] ünïcödé", "plain [b]text[/b] ünïcödé"),
    ],
)
def test_clean(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_clean_leaves_nothing_a_terminal_acts_on() -> None:
    out = clean(NASTY)
    assert not any(ord(c) < 32 and c != "\n" for c in out)
    assert not any(0x7F <= ord(c) < 0xA0 for c in out)
    assert "owned title" not in out and "http://evil" not in out
    assert "Totally normal" in out and "link" in out


def test_clean_line_is_one_line() -> None:
    assert clean_line("a\nb\r\nc\x1b[1m") == "a b c"


def test_highlight_terms_are_whole_words_and_markup_stays_text() -> None:
    text = highlighted("Prices rose [red]; priceless", include=["price"], model_up=["price"])
    assert text.plain == "Prices rose [red]; priceless"
    spans = {(s.start, s.end) for s in text.spans}
    assert (0, 6) in spans  # model term "price" matches "Prices" (lemma + suffix)
    pattern = term_pattern(["price"])
    assert pattern is not None and not pattern.search("priceless") and pattern.search("the price.")
    assert term_pattern([" ", ""]) is None


async def test_a_hostile_document_is_shown_as_text(tmp_path: Path, no_user_keys: Path) -> None:
    store = Store.open(tmp_path / "review.db")
    store.add_documents([NewDocument("evil\x1b[5m.txt", "Title\x1b]0;x\x07 here\x07", NASTY, source="/tmp/\x1b[1mx",
                                     tokens="totally normal")])
    app = ReviewApp(ReviewSession(store, "alice"), prepare=False)
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.review_screen
        shown = "".join(str(screen.query_one(f"#{name}", Static).content)
                        for name in ("doc-title", "doc-meta", "doc-text"))
        assert "Totally normal" in shown and "Title here" in shown
        assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown and "\r" not in shown
        assert "[bold]markup[/bold]" in shown  # not interpreted as Rich markup
        lines = [strip.text for strip in screen.query_one("#doc-text", Static).render_lines(screen.region)]
        assert not any("\x1b" in line or "\x07" in line for line in lines)
    store.close()


async def test_brackets_in_titles_and_notes_are_text_in_search_and_history(tmp_path: Path, no_user_keys: Path) -> None:
    """"[/]" in a title crashed the search list (Rich markup); "[corrected]" vanished from it."""
    from textual.widgets import DataTable

    store = Store.open(tmp_path / "review.db")
    store.add_documents([NewDocument("m1.txt", "Title with [bold]markup[/bold] and [/] stray", "stray words",
                                     tokens="stray words"),
                         NewDocument("m2.txt", "Melatonin and sleep [corrected]", "sleep words", tokens="sleep words")])
    store.record(2, "relevant", "alice", note="see [n=42] and [/]")
    app = ReviewApp(ReviewSession(store, "alice"), prepare=False)
    async with app.run_test() as pilot:
        await pilot.press("slash")
        await pilot.pause()
        for char in "stray OR sleep":
            await pilot.press("space" if char == " " else char)
        await pilot.press("enter")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        titles = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert sorted(titles) == ["Melatonin and sleep [corrected]", "Title with [bold]markup[/bold] and [/] stray"]
        await pilot.press("escape", "escape")
        await pilot.pause()
        await pilot.press("h")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert "[n=42] and [/]" in str(table.get_row_at(0)[5])
        app.screen.query_one(DataTable).render_lines(app.screen.region)  # rendering raised MarkupError
    store.close()
