"""The review screen: one keystroke per decision, the next document at once."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static

from review.errors import ReviewError
from review.models import SKIPPED
from review.session import QueueItem
from review.tui.browse import HistoryScreen, SearchScreen
from review.tui.dialogs import ConfirmModal, HelpScreen, NoteModal, TagsModal, TermsModal
from review.tui.keys import display_key, effective_keys, label_key_names, name_label_keys, review_bindings
from review.tui.messages import DocumentDecided
from review.tui.sanitize import clean_line
from review.tui.widgets import DocumentView, Highlights, ModelStatus, SidePanel, StateView

if TYPE_CHECKING:
    from review.session import RecallSummary, ReviewSession

PANEL_DELAY = 0.12
"""Seconds the side panel waits after a keypress, so fast typing never waits for the counts."""
RECALL_DELAY = 0.6
"""The recall estimate (a pass over the whole log) waits for a pause this long after a retrain."""


class ReviewScreen(Screen[None]):
    """The document in front of the reviewer, the side panel and the footer.

    Args:
        session: The session to drive (decisions go straight to its store).
        keymap: The remapped keys in force (for hints written in messages).
    """

    BINDINGS = review_bindings()
    AUTO_FOCUS = "#doc-scroll"

    def __init__(self, session: ReviewSession, keymap: dict[str, str] | None = None) -> None:
        super().__init__()
        self.session = session
        self.keys = effective_keys(keymap or {})
        self.show_model_terms = False
        self.recall: RecallSummary | None = None
        self._trail: list[int] = []
        """Documents decided on this screen, oldest first (for previous/next)."""
        self._back: int | None = None
        """Index into the trail while looking back, else None."""
        self._panel_timer: Timer | None = None
        self._recall_due = True
        self._last_event = 0.0
        self._stop_told = False
        labels = session.config.labels
        name_label_keys(self, labels.positive, labels.negative)

    def compose(self) -> ComposeResult:
        yield Static(id="topbar", markup=False)
        with Horizontal(id="main"):
            yield DocumentView(id="document")
            yield StateView(id="state")
            yield SidePanel(id="side")
        yield Footer()

    def on_mount(self) -> None:
        store_path = getattr(self.session.store, "path", None)
        where = store_path.name if store_path is not None else "in-memory project"
        self.query_one("#topbar", Static).update(Text(f" review · {clean_line(where)} · {clean_line(self.session.reviewer)}"))

    def on_screen_resume(self) -> None:
        """Shown first, or back from search, history or a dialog: what they changed shows at once."""
        self.show_current(keep_scroll=True)
        self.refresh_panel()

    # -- showing -----------------------------------------------------------

    def _key(self, action: str) -> str:
        return display_key(self.keys.get(action, "?"))

    def show_current(self, keep_scroll: bool = False) -> None:
        """Show the current document (or the one looked back at, or a state message).

        Args:
            keep_scroll: The same document is redrawn (new model terms or notice): stay where the reviewer reads.
        """
        if self._back is not None:
            self._show_looking_back(keep_scroll)
            return
        item = self.session.current()
        if item is None:
            self._show_state()
            return
        self._show_item(item, self._notice(item), None, keep_scroll)

    def _show_item(self, item: QueueItem, notice: Text | None, label: str | None, keep_scroll: bool = False) -> None:
        terms = Highlights(self.session.config.include_terms, self.session.config.exclude_terms,
                           show_model=self.show_model_terms)
        if self.show_model_terms:
            terms.model_up, terms.model_down = self.session.explain(item.document.pk)
        self.query_one(StateView).display = False
        view = self.query_one(DocumentView)
        view.display = True
        view.show(item, terms, notice, label, keep_scroll)

    def _notice(self, item: QueueItem) -> Text | None:
        if self.recall is not None and self.recall.stop_fired:
            return Text.assemble(
                ("Stop suggested. ", "bold"), clean_line(self.recall.stop_text or ""),
                "\nReviewing on is unlikely to find many more relevant documents. Check it with an elusion "
                f"sample (press {self._key('validate')}: a random sample of the unreviewed rest, labelled here), "
                "or keep going: every decision still counts.",
            )
        ranking = self.session.ranking
        waiting = ranking is None and item.model_version is None  # no saved ranking to serve from either
        if waiting or (ranking is not None and ranking.cold_start_reason is not None):
            reason = item.reason
            if "non-relevant" in reason:
                return Text(f"Label one document {self._key('not_relevant')} (not relevant) "
                            "and the model starts ranking.")
            if "search results" in reason:
                return None
            return Text(f"No model yet: documents come in random order. Press {self._key('search')} to search "
                        f"for likely relevant ones and label them ({self._key('relevant')}), or keep going.")
        return None

    def _show_state(self) -> None:
        progress = self.session.progress()
        state = self.query_one(StateView)
        if progress.total == 0:
            state.show(
                "This project has no documents yet.",
                "Import a folder of files or a record file (CSV, RIS), then open the project again:\n\n"
                "    review import FOLDER --db PATH\n\n"
                f"Press {self._key('quit')} to quit.",
            )
        else:
            labels = self.session.config.labels
            recall = self.recall.text if self.recall is not None else "no estimate yet"
            skipped = progress.skipped
            state.show(
                f"Nothing left to review but {skipped:,} skipped document(s)." if skipped
                else "Everything has been reviewed.",
                f"{progress.reviewed:,} of {progress.total:,} documents decided: {progress.relevant:,} "
                f"{labels.positive}, {progress.not_relevant:,} {labels.negative}, {skipped:,} skipped.\n"
                f"Estimated recall: {recall}.\n\n"
                + (f"Skipped documents are not served again: find them with search ({self._key('search')}) or in "
                   f"the history ({self._key('history')}), where {self._key('relevant')} / "
                   f"{self._key('not_relevant')} label the highlighted one.\n" if skipped else "")
                + f"Change any decision from the history ({self._key('history')}) or undo ({self._key('undo')}); "
                "export them with `review export -o decisions.csv`.\n"
                f"Press {self._key('quit')} to quit.",
            )
        self.query_one(DocumentView).display = False
        state.display = True

    def _show_looking_back(self, keep_scroll: bool = False) -> None:
        pk = self._trail[self._back or 0]
        store = self.session.store
        label = store.current_label(pk)
        item = QueueItem(store.document(pk), None, None, self.session.strategy, None, "decided earlier")
        steps = len(self._trail) - self._back
        notice = Text(
            f"Looking back ({steps} of {len(self._trail)}): press {self._key('relevant')}, "
            f"{self._key('not_relevant')} or {self._key('skip')} to change the label, "
            f"{self._key('next')} to go forward, {self._key('previous')} to go further back."
        )
        self._show_item(item, notice, label or "undecided", keep_scroll)

    def schedule_panel(self, recall: bool = False) -> None:
        """Refresh the side panel shortly (coalesces bursts of keypresses).

        Args:
            recall: Also recompute the recall estimate (after a retrain: it reads the
                whole log), once the reviewer pauses for `RECALL_DELAY`.
        """
        self._recall_due = self._recall_due or recall
        self._last_event = time.monotonic()
        if self._panel_timer is not None:
            self._panel_timer.stop()
        self._panel_timer = self.set_timer(PANEL_DELAY, self.refresh_panel)

    def refresh_panel(self, recall: bool = False) -> None:
        """Recompute the counts now, and the recall estimate when it is due."""
        self._panel_timer = None
        recomputed = recall or (self._recall_due and time.monotonic() - self._last_event >= RECALL_DELAY)
        if recomputed:
            self._recall_due = False
            try:
                self.recall = self.session.recall_summary()
            except ReviewError as exc:
                self.recall = None
                self.notify(exc.message, title="Recall estimate", severity="warning")
        elif self._recall_due:
            self._panel_timer = self.set_timer(RECALL_DELAY, self.refresh_panel)
        labels = self.session.config.labels
        try:
            validation = self.session.validation()
        except ReviewError:
            validation = None
        nothing_left = self.session.current() is None  # skipped documents are not served again either
        self.query_one(SidePanel).show_progress(self.session.progress(), self.recall, (labels.positive, labels.negative),
                                                None if validation is None else validation.text(), nothing_left)
        if recomputed and self._back is None and nothing_left:
            self._show_state()  # the end-of-review message quotes the estimate: keep it current
        if self.recall is not None and self.recall.stop_fired and not self._stop_told:
            self._stop_told = True
            self.notify(clean_line(self.recall.stop_text or ""), title="Stop suggested", timeout=8)
            self.show_current(keep_scroll=True)

    def show_model(self, status: ModelStatus) -> None:
        """Called by the app when the model's state changes."""
        self.query_one(SidePanel).show_model(status)

    def model_swapped(self) -> None:
        """A new ranking is in: the queue changed, the current document did not."""
        self.show_current(keep_scroll=True)
        self.schedule_panel(recall=True)

    # -- actions -----------------------------------------------------------

    def action_decide(self, which: str) -> None:
        """Record relevant / not relevant / skipped on the shown document and move on."""
        labels = self.session.config.labels
        label = {"positive": labels.positive, "negative": labels.negative}.get(which, SKIPPED)
        try:
            if self._back is not None:
                pk = self._trail[self._back]
                self.session.decide_document(pk, label)
                kind = "edit"
                self._back = self._back + 1 if self._back + 1 < len(self._trail) else None
            else:
                item = self.session.current()
                if item is None:
                    self.notify("Nothing left to review.", severity="warning")
                    return
                pk = item.document.pk
                self.session.decide(label)  # a note or tags typed before stay with the decision
                self._trail.append(pk)
                kind = "decide"
        except ReviewError as exc:
            self.notify(exc.message, title=exc.title, severity="error")
            return
        self.show_current()
        self.post_message(DocumentDecided(kind, pk, label))
        self.schedule_panel()

    def action_undo(self) -> None:
        """Undo this reviewer's latest decision; its document comes back."""
        self._back = None
        try:
            entry = self.session.undo()
        except ReviewError as exc:
            self.notify(exc.message, title=exc.title, severity="error")
            return
        if entry is None:
            self.notify("Nothing to undo.")
            return
        if self._trail and self._trail[-1] == entry.doc_pk:
            self._trail.pop()
        self.show_current()
        self.post_message(DocumentDecided("undo", entry.doc_pk, entry.label))
        self.schedule_panel()

    def _shown_pk(self) -> int | None:
        if self._back is not None:
            return self._trail[self._back]
        item = self.session.current()
        return None if item is None else item.document.pk

    def action_note(self) -> None:
        pk = self._shown_pk()
        if pk is None:
            return
        self.app.push_screen(NoteModal(self.session.latest_note(pk)), lambda note: self._annotate(pk, note=note))

    def action_tags(self) -> None:
        pk = self._shown_pk()
        if pk is None:
            return
        self.app.push_screen(TagsModal(self.session.latest_tags(pk)), lambda tags: self._annotate(pk, tags=tags))

    def _annotate(self, pk: int, note: str | None = None, tags: tuple[str, ...] | None = None) -> None:
        if note is None and tags is None:
            return
        try:
            self.session.annotate(note=note, tags=tags, pk=pk)
        except ReviewError as exc:
            self.notify(exc.message, title=exc.title, severity="error")
            return
        self.notify("Note saved." if note is not None else "Tags saved.")

    def action_search(self) -> None:
        self.app.push_screen(SearchScreen(self.session, self.keys))

    def action_history(self) -> None:
        self.app.push_screen(HistoryScreen(self.session, self.keys))

    def action_strategy(self) -> None:
        strategy = self.session.cycle_strategy()
        self.notify(f"Strategy: {strategy} (from the next retrain).")
        self.post_message(DocumentDecided("strategy", -1, None))

    def action_previous(self) -> None:
        """Look back at the document decided before the one shown."""
        if not self._trail:
            self.notify("No earlier decision in this session.")
            return
        if self._back is None:
            self._back = len(self._trail) - 1
        elif self._back > 0:
            self._back -= 1
        else:
            self.notify("This is the first decision of this session.")
            return
        self.show_current()

    def action_next(self) -> None:
        """Step forward again, towards the queue."""
        if self._back is None:
            self.notify(f"This is the newest document; decide it, or press {self._key('skip')} to skip it.")
            return
        self._back = self._back + 1 if self._back + 1 < len(self._trail) else None
        self.show_current()

    def action_toggle_terms(self) -> None:
        """Show or hide the terms that push the model's score up and down."""
        self.show_model_terms = not self.show_model_terms
        if self.show_model_terms and (self.session.ranking is None or self.session.ranking.model is None):
            self.notify("No model yet: its terms appear once it has ranked.")
        self.show_current(keep_scroll=True)

    def action_edit_terms(self) -> None:
        config = self.session.config
        self.app.push_screen(TermsModal(config.include_terms, config.exclude_terms), self._save_terms)

    def _save_terms(self, terms: tuple[list[str], list[str]] | None) -> None:
        if terms is None:
            return
        try:
            self.session.set_terms(*terms)
        except ReviewError as exc:
            self.notify(exc.message, title=exc.title, severity="error")
            return
        self.show_current()

    def action_validate(self) -> None:
        """Offer to draw an elusion sample (the check behind a stop decision)."""
        current = self.session.validation()
        if current is not None and not current.complete:
            body = (f"{current.text()} Its unlabelled documents go back to the ranked queue; the labels "
                    "already given stay.")
            if current.relevant:
                body += (" It has already turned up a relevant document: a sample drawn after abandoning this "
                         "one is a weaker test.")
            self.app.push_screen(ConfirmModal("Abandon the elusion sample?", body), self._cancel_validation)
            return
        try:
            size, warning = self.session.planned_validation()
        except ReviewError as exc:
            self.notify(exc.message, title=exc.title, severity="warning")
            return
        body = (f"A random sample of {size:,} of the documents nobody has reviewed yet comes next in your queue. "
                "Label it as usual; when it is done, the recall bound it proves is shown in the side panel and "
                "by `review status`. The sample never trains the model. Press v again to abandon it.")
        if warning:
            body = f"{warning} (`review validate --size N` draws another size.)\n\n{body}"
        if current is not None:  # a finished test exists
            body = (f"{current.text()} A new sample is a second test of the same review: treat its bound with "
                    f"care.\n\n{body}")
        self.app.push_screen(ConfirmModal(f"Draw an elusion sample of {size:,} now?", body),
                             lambda yes: self._start_validation(yes, size))

    def _cancel_validation(self, yes: bool | None) -> None:
        if not yes:
            return
        try:
            released = self.session.cancel_validation()
        except ReviewError as exc:
            self.notify(exc.message, title=exc.title, severity="error")
            return
        self.notify(f"{released:,} unlabelled sample documents went back to the ranked queue.",
                    title="Elusion sample abandoned")
        self.post_message(DocumentDecided("validation", -1, None))
        self.schedule_panel()

    def _start_validation(self, yes: bool | None, size: int | None = None) -> None:
        if not yes:
            return
        try:
            drawn = self.session.start_validation(size)
        except ReviewError as exc:
            self.notify(exc.message, title=exc.title, severity="error")
            return
        self.notify(f"{drawn.size} documents drawn; they come after this one.", title="Elusion sample")
        self.post_message(DocumentDecided("validation", -1, None))
        self.schedule_panel()

    def action_help(self) -> None:
        labels = self.session.config.labels
        self.app.push_screen(HelpScreen(self.keys, label_key_names(labels.positive, labels.negative)))

    def action_quit(self) -> None:
        self.app.exit()
