"""Widgets of the review screen: the document, the side panel, the state messages.

They are views: the screen sets what they show (attributes down); they hold no
session and post no decisions.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Sparkline, Static

from review.tui.highlight import highlighted
from review.tui.sanitize import clean_line

if TYPE_CHECKING:
    from review.session import Progress, QueueItem, RecallSummary


@dataclass
class Highlights:
    """The terms to light up in the document text."""

    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    model_up: Sequence[tuple[str, float]] = ()
    model_down: Sequence[tuple[str, float]] = ()
    show_model: bool = False


class DocumentView(Vertical):
    """The current document: title, source line, "why here", notices and the scrollable text."""

    COMPONENT_CLASSES = {"doc--include", "doc--exclude", "doc--up", "doc--down"}

    shown_pk: int | None = None
    """The document on display."""

    def compose(self) -> ComposeResult:
        yield Static(id="doc-title", markup=False)
        yield Static(id="doc-meta", markup=False)
        yield Static(id="doc-why", markup=False)
        yield Static(id="doc-notice", markup=False)
        with VerticalScroll(id="doc-scroll"):
            yield Static(id="doc-text", markup=False)

    def show(self, item: QueueItem, terms: Highlights, notice: Text | None = None, label: str | None = None,
             keep_scroll: bool = False) -> None:
        """Show one document.

        Args:
            item: The document and why it is in front of the reviewer.
            terms: What to highlight.
            notice: A line above the text (cold start hint, stop suggestion, looking back), or None.
            label: The document's current label, when looking back at a decided one.
            keep_scroll: Redraw the same document where the reviewer is reading (after a model swap).
        """
        doc = item.document
        self.query_one("#doc-title", Static).update(Text(clean_line(doc.title) or clean_line(doc.doc_id), style="bold"))
        source = clean_line(doc.source)
        meta = [clean_line(doc.doc_id) if source.endswith(doc.doc_id) else source, clean_line(doc.doc_id)]
        meta = list(dict.fromkeys(meta))
        meta += [f"{clean_line(str(k))}: {clean_line(str(v))}" for k, v in list(doc.metadata.items())[:4]]
        if doc.duplicate_of is not None:
            meta.append("duplicate")
        self.query_one("#doc-meta", Static).update(Text(" · ".join(m for m in meta if m)))
        self.query_one("#doc-why", Static).update(self._why(item, terms, label))
        notice_widget = self.query_one("#doc-notice", Static)
        notice_widget.update(notice or "")
        notice_widget.display = notice is not None
        styles = {kind: self.get_component_rich_style(f"doc--{kind}", partial=True)
                  for kind in ("include", "exclude", "up", "down")}
        body = highlighted(
            doc.text, terms.include, terms.exclude,
            [t for t, _ in terms.model_up] if terms.show_model else (),
            [t for t, _ in terms.model_down] if terms.show_model else (),
            styles,
        )
        self.query_one("#doc-text", Static).update(body)
        if not keep_scroll or doc.pk != self.shown_pk:
            self.query_one("#doc-scroll", VerticalScroll).scroll_home(animate=False)
        self.shown_pk = doc.pk

    @staticmethod
    def _why(item: QueueItem, terms: Highlights, label: str | None) -> Text:
        parts = []
        if label is not None:
            parts.append(f"labelled {label}")
        if item.rank is not None and item.model_version is not None:  # no rank to speak of in a random order
            parts.append(f"rank {item.rank:,}")
        if item.score is not None and item.model_version is not None:
            parts.append(f"score {item.score:.2f}")
        parts.append(item.reason)
        why = Text("Why here: " + " · ".join(parts), style="dim")
        if terms.show_model:
            up = ", ".join(t for t, _ in terms.model_up[:6]) or "—"
            down = ", ".join(t for t, _ in terms.model_down[:6]) or "—"
            why.append(f"\nModel terms ↑ {up}  ↓ {down}")
        return why


class StateView(VerticalScroll):
    """A calm full-width message instead of a document (empty project, all reviewed…)."""

    def compose(self) -> ComposeResult:
        yield Static(id="state-title", markup=False)
        yield Static(id="state-body", markup=False)

    def show(self, title: str, body: str) -> None:
        self.query_one("#state-title", Static).update(Text(title, style="bold"))
        self.query_one("#state-body", Static).update(Text(body))


@dataclass
class ModelStatus:
    """What the side panel says about the model."""

    version: int | None = None
    n_labels: int = 0
    fit_seconds: float = 0.0
    updated_at: float | None = None
    """time.monotonic() when the ranking was applied."""
    strategy: str = ""
    loading: bool = False
    retraining: bool = False
    cold_start: str | None = None
    error: str | None = None


def _age(since: float | None) -> str:
    if since is None:
        return ""
    seconds = time.monotonic() - since
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    return f"{int(seconds // 3600)} h ago"


class SidePanel(VerticalScroll):
    """Progress, recall estimate and stop suggestion, gain curve, model and strategy.

    It scrolls (mouse only, it never takes focus) when a short terminal cannot hold it all.
    """

    can_focus = False

    def compose(self) -> ComposeResult:
        yield Static(id="panel-progress", markup=False)
        yield Static(id="panel-recall", markup=False)
        yield Static("Found vs reviewed", id="panel-gain-label", markup=False)
        yield Sparkline([], id="panel-gain")
        yield Static(id="panel-model", markup=False)

    def show_progress(self, progress: Progress, recall: RecallSummary | None, labels: tuple[str, str],
                      validation: str | None = None, nothing_left: bool = False) -> None:
        """Update the counts, the recall estimate (and elusion sample) and the gain curve."""
        text = Text()
        text.append("Progress\n", style="bold")
        text.append(f"reviewed {progress.reviewed:,} / {progress.total:,}\n")
        text.append(f"{labels[0]} {progress.relevant:,}\n")
        text.append(f"{labels[1]} {progress.not_relevant:,}")
        if progress.skipped:
            text.append(f"\nskipped {progress.skipped:,}")
        self.query_one("#panel-progress", Static).update(text)
        rec = Text()
        rec.append("Recall\n", style="bold")
        if recall is None:
            rec.append("no estimate yet", style="dim")
        else:
            rec.append(recall.text)
            left = recall.left()
            if left is not None:  # two lines: the panel is about 26 columns wide
                about, most = left
                rec.append(f"\n≈ {about:,} relevant left" + ("" if most in (None, about) else f"\n  (up to {most:,})"))
            if recall.stop_text and not recall.stop_fired and nothing_left:
                rec.append("\nNothing left to review", style="bold")  # "keep reviewing" would make no sense
            elif recall.stop_text:
                rec.append("\nStop suggested" if recall.stop_fired else "\n", style="bold")
                rec.append(("\n" if recall.stop_fired else "") + clean_line(recall.stop_text))
        if validation:
            rec.append("\n" + clean_line(validation), style="italic")
        self.query_one("#panel-recall", Static).update(rec)
        curve = list(progress.gain_curve)
        has_curve = len(curve) > 1 and curve[-1] > 0
        self.query_one("#panel-gain", Sparkline).data = curve if has_curve else []
        self.query_one("#panel-gain", Sparkline).display = has_curve
        self.query_one("#panel-gain-label", Static).display = has_curve

    def show_model(self, status: ModelStatus) -> None:
        """Update the model block: version, strategy, age, retraining (two lines, to fit 80x24)."""
        text = Text()
        text.append("Model", style="bold")
        ready = status.version is not None and not status.loading
        if ready:
            text.append(f" v{status.version} · {status.n_labels:,} labels")
        text.append("\n")
        if status.loading:
            text.append("loading the corpus…\n", style="italic")
        elif status.version is None:
            text.append((status.cold_start or "no model yet") + "\n", style="dim")
        if status.error:
            text.append("last retrain failed\n", style="bold")
        text.append(status.strategy)
        if status.retraining:
            text.append(" · retraining…", style="italic")
        elif ready:
            slow = f" · fit {status.fit_seconds:.1f} s" if status.fit_seconds >= 1 else ""
            text.append(f"{slow} · {_age(status.updated_at)}", style="dim")
        self.query_one("#panel-model", Static).update(text)
