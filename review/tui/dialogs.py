"""Small modal screens: help, note, tags, highlight terms."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from review.tui.keys import REVIEW_ACTIONS, display_key

EXTRA_HELP = (
    ("↑ ↓ PgUp PgDn", "scroll the document"),
    ("Enter / Esc", "in a dialog: save / cancel"),
)


RECALL_HELP = Text.assemble(
    ("Recall panel\n", "bold"),
    "\"≥ 80 % (estimate 90 %)\": the share of the relevant documents found so far. The first figure is a "
    "lower bound, from the model's calibrated scores or from how fast relevant documents still turn up, "
    "whichever is lower (true recall fell below it at 0.3 % of checkpoints in simulations); the estimate "
    "beside it blends the two. "
    "\"≈ 4 relevant left (up to 9)\" is the same two figures as counts.\n",
    "Stop suggested: the knee (relevant documents now come far less often than before a bend in the "
    "curve, then 40 % more read) or the ranked-tail test (the last documents read held too few relevant "
    "ones for recall below the target), whichever comes first. Both are heuristics; press v for an "
    "elusion sample, a random check of the unreviewed rest that certifies a bound.",
)
"""What the recall panel's figures and the stop suggestion mean (review/stopping.py)."""


class HelpScreen(ModalScreen[None]):
    """Every key of the review screen, as remapped.

    Args:
        keys: Action id -> key(s) in force.
        names: Action id -> description to show instead (e.g. the project's label names).
    """

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, keys: dict[str, str], names: dict[str, str] | None = None) -> None:
        super().__init__()
        self.keys = keys
        self.names = names or {}

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        table.add_column(style="dim")
        for action in REVIEW_ACTIONS:
            table.add_row(Text(display_key(self.keys.get(action.id, action.key))),
                          Text(self.names.get(action.id, action.description)), action.id)
        for keys, what in EXTRA_HELP:
            table.add_row(keys, what, "")
        with VerticalScroll(id="help-box", classes="dialog"):
            yield Label("Keys · ↑ ↓ scroll · Esc closes", classes="dialog-title")
            yield Static(table, id="help-table")
            yield Static(
                Text("Remap keys with the names on the right, in ~/.config/review/keys.toml:\n"
                     "[keys]\nrelevant = \"y\"", style="dim"),
                id="help-remap",
            )
            yield Static(RECALL_HELP, id="help-recall")

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(None)


class _InputModal(ModalScreen[object]):
    """One labelled input: Enter saves, Escape cancels (returns None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, hint: str, value: str) -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(self.value, id="dialog-input")
            yield Label(self.hint, classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(self.result(event.value))

    def result(self, value: str) -> object:
        return value

    def action_cancel(self) -> None:
        self.dismiss(None)


class NoteModal(_InputModal):
    """Edit the note on the shown document; dismisses with the note or None.

    Args:
        note: The note so far.
    """

    def __init__(self, note: str) -> None:
        super().__init__("Note", "Enter to save · Esc to cancel", note)

    def result(self, value: str) -> object:
        return value.strip()


class TagsModal(_InputModal):
    """Edit the tags on the shown document; dismisses with a tuple of tags or None.

    Args:
        tags: The tags so far.
    """

    def __init__(self, tags: Sequence[str]) -> None:
        super().__init__("Tags", "Comma-separated · Enter to save · Esc to cancel", ", ".join(tags))

    def result(self, value: str) -> object:
        return split_terms(value, tuple_=True)


class TermsModal(ModalScreen[object]):
    """Edit the project's highlight terms; dismisses with (include, exclude) or None.

    Args:
        include: Terms shown as signs of relevance.
        exclude: Terms shown as signs of non-relevance.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, include: Sequence[str], exclude: Sequence[str]) -> None:
        super().__init__()
        self.include = list(include)
        self.exclude = list(exclude)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Highlight terms", classes="dialog-title")
            yield Label("Signs of relevance (comma-separated)", classes="dialog-hint")
            yield Input(", ".join(self.include), id="terms-include")
            yield Label("Signs of non-relevance", classes="dialog-hint")
            yield Input(", ".join(self.exclude), id="terms-exclude")
            yield Label("Enter to save · Tab to move · Esc to cancel", classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        include = split_terms(self.query_one("#terms-include", Input).value)
        exclude = split_terms(self.query_one("#terms-exclude", Input).value)
        self.dismiss((list(include), list(exclude)))

    def action_cancel(self) -> None:
        self.dismiss(None)


def split_terms(value: str, tuple_: bool = False) -> tuple[str, ...] | list[str]:
    """Split a comma-separated field into trimmed, non-empty, de-duplicated items."""
    seen: dict[str, None] = {}
    for part in value.split(","):
        part = " ".join(part.split())
        if part:
            seen.setdefault(part, None)
    return tuple(seen) if tuple_ else list(seen)


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question; dismisses with True on y or Enter, False on n or Escape.

    Args:
        title: The question.
        body: What happens on yes.
    """

    BINDINGS = [Binding("y,enter", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(Text(self.body), id="confirm-body")
            yield Label("y / Enter: yes · n / Esc: no", classes="dialog-hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
