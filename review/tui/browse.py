"""Search and history: lists of documents that can be labelled in place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, Static

from review.errors import ReviewError
from review.models import SKIPPED, Decision
from review.tui.keys import LABEL_ACTIONS, display_key, effective_keys, label_bindings, name_label_keys
from review.tui.messages import DocumentDecided
from review.tui.sanitize import clean, clean_line

if TYPE_CHECKING:
    from review.models import Document
    from review.session import ReviewSession

PREVIEW_CHARS = 600
"""The search preview shows the start of the highlighted hit."""
HISTORY_LIMIT = 500
"""The history screen lists this many latest log entries (its title says when there are more)."""


class _LabelList(Screen[None]):
    """A table of documents whose highlighted row the label keys decide."""

    BINDINGS = [*label_bindings(), Binding("escape", "close", "Back")]

    def __init__(self, session: ReviewSession, keys: dict[str, str] | None = None) -> None:
        super().__init__()
        self.session = session
        self.keys = effective_keys(keys or {})
        labels = session.config.labels
        name_label_keys(self, labels.positive, labels.negative)

    def label_keys(self) -> str:
        """The three label keys in force, for hints: "r / n / s"."""
        return " / ".join(display_key(self.keys[a]) for a in LABEL_ACTIONS)

    def _label_for(self, which: str) -> str:
        labels = self.session.config.labels
        return {"positive": labels.positive, "negative": labels.negative}.get(which, SKIPPED)

    def action_label_row(self, which: str) -> None:
        """Label the document on the highlighted row."""
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        pk = int(str(row_key.value).split(":")[0])
        label = self._label_for(which)
        try:
            self.session.decide_document(pk, label)
        except ReviewError as exc:
            self.notify(exc.message, title=exc.title, severity="error")
            return
        self.post_message(DocumentDecided("edit", pk, label))
        self.relabelled(pk, label)
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)

    def relabelled(self, pk: int, label: str) -> None:
        """Show a new label in the table (subclasses know their columns)."""

    def action_close(self) -> None:
        self.dismiss(None)


class SearchScreen(_LabelList):
    """Full-text search (FTS5); label the hits directly to seed the review."""

    BINDINGS = [*_LabelList.BINDINGS, Binding("slash", "focus_query", "New search")]

    def __init__(self, session: ReviewSession, keys: dict[str, str] | None = None) -> None:
        super().__init__(session, keys)
        self._hits: dict[int, Document] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Label("Search titles and texts: words, \"a phrase\", a OR b, pric*", classes="dialog-hint")
            yield Input(placeholder="search…", id="search-input")
            yield DataTable(id="search-results", cursor_type="row", zebra_stripes=True)
            yield Static(id="search-preview", markup=False)
            yield Label("", id="search-hint", classes="dialog-hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("label", key="label", width=14)
        table.add_column("title", key="title")
        self.query_one("#search-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.run_search(event.value)

    def run_search(self, query: str) -> None:
        """Search and list the hits; while no model ranks, the hits also go first in the queue."""
        if not query.strip():
            return
        cold = self.session.ranking is None or self.session.ranking.cold_start_reason is not None
        try:
            hits = self.session.set_seed_query(query) if cold else self.session.search(query)
            total = self.session.store.search_count(query)
        except ReviewError as exc:
            self.notify(exc.message, title=exc.title, severity="error")
            return
        table = self.query_one(DataTable)
        table.clear()
        self.query_one("#search-preview", Static).update("")  # no hit is highlighted until the table has one
        self._hits = {doc.pk: doc for doc in hits}
        for doc in hits:
            label = self.session.store.current_label(doc.pk)
            table.add_row(_label_text(label), Text(clean_line(doc.title) or clean_line(doc.doc_id)), key=f"{doc.pk}")
        found = f"first {len(hits)} of {total} hits" if total > len(hits) else f"{len(hits)} hit(s)"
        hint = f"{found} · {self.label_keys()} label · / new search · Esc back"
        if cold and hits:
            hint += "\nNo model yet: these hits now come first in your queue."
        self.query_one("#search-hint", Label).update(hint)
        if hits:
            table.focus()

    def relabelled(self, pk: int, label: str) -> None:
        self.query_one(DataTable).update_cell(f"{pk}", "label", _label_text(label))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Show the start of the highlighted hit under the table."""
        doc = self._hits.get(int(str(event.row_key.value)))
        preview = "" if doc is None else clean(doc.text[:PREVIEW_CHARS]).replace("\n", " ")
        self.query_one("#search-preview", Static).update(Text(preview))

    def action_focus_query(self) -> None:
        self.query_one("#search-input", Input).focus()


class HistoryScreen(_LabelList):
    """The decision log, newest first; any document's label can be changed here."""

    def compose(self) -> ComposeResult:
        with Vertical(id="history-box"):
            yield Label(id="history-title", classes="dialog-hint", markup=False)
            yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name, width in (("when", 16), ("reviewer", 10), ("label", 14), ("kind", 7), ("document", 30),
                            ("note", 28)):
            table.add_column(name, key=name, width=width)
        self.reload()
        table.focus()

    def reload(self) -> None:
        """Read the log again and list it."""
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        titles: dict[int, str] = {}
        entries = self.session.history(limit=HISTORY_LIMIT)
        self.query_one("#history-title", Label).update(self._title(len(entries)))
        kinds = _note_only_edits(entries)
        for entry in entries:
            if entry.doc_pk not in titles:
                doc = self.session.store.document(entry.doc_pk)
                titles[entry.doc_pk] = clean_line(doc.title) or clean_line(doc.doc_id)
            table.add_row(
                entry.decided_at[:16].replace("T", " "), Text(clean_line(entry.reviewer)), _label_text(entry.label),
                kinds.get(entry.id, entry.kind), Text(titles[entry.doc_pk]), Text(clean_line(entry.note)),
                key=f"{entry.doc_pk}:{entry.id}",
            )
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        else:
            self.notify("No decisions yet.")

    def _title(self, shown: int) -> str:
        """The title, and a second line when the log has more entries than are listed."""
        title = f"History, newest first · {self.label_keys()} change the label · Esc back"
        total = shown if shown < HISTORY_LIMIT else self.session.store.count_decisions()
        if total > shown:
            title += f"\nThe {shown} newest of {total} entries; `review export --history` writes them all."
        return title

    def relabelled(self, pk: int, label: str) -> None:
        self.reload()


def _note_only_edits(entries: list[Decision]) -> dict[int, str]:
    """Entry id -> "note" for edits that kept the label: a note or tags saved, not a relabel."""
    return {e.id: "note" for e in entries if e.kind == "edit" and e.label == e.previous_label}


def _label_text(label: str | None) -> Text:
    if label is None:
        return Text("undecided", style="dim")
    if label == SKIPPED:
        return Text(label, style="italic")
    return Text(clean_line(label))
