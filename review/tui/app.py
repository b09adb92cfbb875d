"""The review app: the review screen plus the background model work.

The app owns two thread workers. ``prepare`` loads the corpus into the
engine once at start (the saved queue is used meanwhile). ``retrain`` fits a
new model from a snapshot of the labels taken on the UI thread, and posts
`RankerRetrained`; the handler swaps the ranking in on the UI thread. Only one
retrain runs at a time: decisions made meanwhile mark the model stale, and the
next retrain starts, with the newest labels, as soon as the running one ends.
When fits get slow (a large corpus), the model retrains every k decisions,
k chosen from the last fit time, and after a short pause in the reviewing.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App
from textual.timer import Timer
from textual.worker import Worker, WorkerState, get_current_worker

from review.errors import ReviewError
from review.tui.keys import build_keymap, read_user_keys
from review.tui.messages import DocumentDecided, RankerRetrained, SessionPrepared
from review.tui.screens import ReviewScreen
from review.tui.widgets import ModelStatus

if TYPE_CHECKING:
    from review.session import ReviewSession, TrainingSnapshot

FAST_FIT_SECONDS = 0.1
"""Fits faster than this retrain after every decision. A thread worker's fit competes with the UI
for the GIL (benchmarks/latency.py: at 100k documents, p95 keypress latency 624 ms retraining after
every decision at 0.3 s a decision), so slower fits retrain less often."""
SLOW_FIT_STEP_SECONDS = 0.05
"""A slower fit waits one more decision per this much fit time: a 0.2 s fit (100k documents)
retrains every 4 decisions. With one more decision per 0.1 s the p95 keypress latency at 100k
documents was 51-64 ms (benchmarks/README.md)."""
MAX_RETRAIN_EVERY = 10
SAVE_IDLE_SECONDS = 20.0
"""Rewrite the saved scores once the reviewer has paused this long (about 1 s per 100k documents)."""
IDLE_RETRAIN_SECONDS = 2.0
"""With decisions waiting for a retrain, retrain after this long without a keypress."""
NEW_DOCUMENTS_CHECK_SECONDS = 15.0
"""How often the app looks for documents imported while it runs (a range query on the documents' keys)."""
GROW_RETRY_SECONDS = 300.0
"""After adding new documents failed, wait this long before trying again (it re-reads the whole corpus)."""


def retrain_every(fit_seconds: float) -> int:
    """How many decisions to wait between retrains, given the last fit time.

    A fit under `FAST_FIT_SECONDS` retrains after every decision; slower fits
    wait one more decision per `SLOW_FIT_STEP_SECONDS`, up to `MAX_RETRAIN_EVERY`.
    A pause of `IDLE_RETRAIN_SECONDS` retrains with whatever is waiting.
    """
    if fit_seconds < FAST_FIT_SECONDS:
        return 1
    return min(MAX_RETRAIN_EVERY, math.ceil(fit_seconds / SLOW_FIT_STEP_SECONDS))


LEASE_RENEW_SECONDS = 120
"""How often the document on screen is claimed again for this reviewer (leases last 10 minutes)."""


class ReviewApp(App[None]):
    """Review documents one keystroke at a time while the model retrains behind.

    Args:
        session: The session to drive (the app never opens the store itself).
        keymap: Remapped keys (action id -> key), e.g. from `make_app`.
        key_problems: Problems found while reading key configs, shown at start.
        prepare: Load the corpus into the engine in a worker at start (tests
            and snapshots may turn this off for a model-free, deterministic screen).
    """

    CSS_PATH = "review.tcss"
    TITLE = "review"
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        session: ReviewSession,
        keymap: dict[str, str] | None = None,
        key_problems: list[str] | None = None,
        prepare: bool = True,
    ) -> None:
        super().__init__()
        self.session = session
        self.keymap = dict(keymap or {})
        self.key_problems = list(key_problems or [])
        self.auto_prepare = prepare
        self.status = ModelStatus(strategy=session.strategy)
        self.review_screen = ReviewScreen(session, self.keymap)
        self._retrain_worker: Worker[None] | None = None
        self._retrain_wanted = False
        self._growing = False
        """True while `prepare` adds documents imported since the app started; retrains wait for it."""
        self._grow_retry_at = 0.0
        """After a failed attempt to add new documents, when to try again (time.monotonic)."""
        self._since_snapshot = 0
        self._idle_timer: Timer | None = None
        self._save_timer: Timer | None = None
        self.retrains = 0
        """Rankings applied since the app started."""

    async def on_mount(self) -> None:
        if self.keymap:
            self.set_keymap(self.keymap)
        await self.push_screen(self.review_screen)
        for problem in self.key_problems:
            self.notify(problem, title="Key config", severity="warning", timeout=8)
        if self.session.ranking is not None:
            self._ranking_status()
        if self.session.ready:
            if self.session.ranking is None:
                self.request_retrain()
        elif self.auto_prepare:
            self.status.loading = True
            self.prepare_session()
        self._show_status()
        self.set_interval(30, self._show_status)
        self.set_interval(NEW_DOCUMENTS_CHECK_SECONDS, self.check_new_documents)
        self.set_interval(LEASE_RENEW_SECONDS, self.session.keep_lease)

    # -- preparing ---------------------------------------------------------

    @work(thread=True, exclusive=True, group="prepare", exit_on_error=False)
    def prepare_session(self) -> None:
        """Load the corpus into the engine (slow; the saved queue serves meanwhile)."""
        start = time.perf_counter()
        self.session.prepare()
        if not get_current_worker().is_cancelled:
            self.post_message(SessionPrepared(time.perf_counter() - start))

    def check_new_documents(self) -> None:
        """Add documents imported (by `review import` elsewhere) since the corpus was loaded.

        `prepare` runs again in its worker, never beside a retrain: a retrain's
        labels and the engine must cover the same documents.
        """
        if self._growing or not self.session.ready or self._retrain_running() or time.monotonic() < self._grow_retry_at:
            return
        added = self.session.new_documents()
        if not added:
            return
        self._growing = True
        self.status.loading = True
        self._show_status()
        self.notify(f"{added:,} new document(s) imported: adding them to the model.", title="Import")
        self.prepare_session()

    def on_session_prepared(self, message: SessionPrepared) -> None:
        self._growing = False
        self.status.loading = False
        self._show_status()
        self.request_retrain()

    # -- retraining --------------------------------------------------------

    @on(DocumentDecided)
    def decision_made(self, message: DocumentDecided) -> None:
        """Retrain after a decision (every k decisions when fits are slow)."""
        self._since_snapshot += 1
        if self._save_timer is not None:
            self._restart_save_timer()
        if self.session.strategy != self.status.strategy:
            self.status.strategy = self.session.strategy
            self._show_status()
        every = retrain_every(self.status.fit_seconds)
        cold = self.session.ranking is None or self.session.ranking.cold_start_reason is not None
        if self._since_snapshot >= every or cold or message.kind in ("strategy", "validation"):
            self.call_after_refresh(self.request_retrain)
        else:
            if self._idle_timer is not None:
                self._idle_timer.stop()
            self._idle_timer = self.set_timer(IDLE_RETRAIN_SECONDS, self.request_retrain)

    def request_retrain(self) -> None:
        """Start a retrain now, or as soon as the running one ends."""
        if not self.session.ready:
            return
        if self._growing or self._retrain_running():
            self._retrain_wanted = True
            return
        self._retrain_wanted = False
        self._since_snapshot = 0
        snapshot = self.session.training_snapshot()
        self.status.retraining = True
        self._show_status()
        self._retrain_worker = self.retrain(snapshot)

    def _retrain_running(self) -> bool:
        return self._retrain_worker is not None and not self._retrain_worker.is_finished

    @work(thread=True, exclusive=True, group="retrain", exit_on_error=False)
    def retrain(self, snapshot: TrainingSnapshot) -> None:
        """Fit and rank off the UI thread; the result comes back as a message."""
        start = time.perf_counter()
        ranking = self.session.compute_ranking(snapshot)
        if get_current_worker().is_cancelled:
            return
        order, meta = self.session.queue_for(ranking)
        if not get_current_worker().is_cancelled:
            self.post_message(RankerRetrained(ranking, order, meta, time.perf_counter() - start))

    def on_ranker_retrained(self, message: RankerRetrained) -> None:
        """Swap the new ranking in (UI thread, cheap); the shown document stays.

        The scores table is rewritten later (`save_ranking`): at exit, or once
        the reviewer has paused for `SAVE_IDLE_SECONDS`.
        """
        self.session.swap_ranking(message.ranking, message.order, message.meta)
        self.retrains += 1
        self.status.error = None
        self._ranking_status()
        self.review_screen.model_swapped()
        self._restart_save_timer()

    def _restart_save_timer(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(SAVE_IDLE_SECONDS, self.save_ranking)

    def save_ranking(self) -> None:
        """Write the latest ranking's scores, so the next start has this queue at once."""
        try:
            self.session.save_ranking()
        except ReviewError as exc:
            self.notify(exc.message, title="Saving the ranking", severity="warning")

    def on_unmount(self) -> None:
        self.save_ranking()

    def _ranking_status(self) -> None:
        ranking = self.session.ranking
        if ranking is None:
            return
        self.status.cold_start = ranking.cold_start_reason
        self.status.version = None if ranking.cold_start_reason else ranking.version
        self.status.n_labels = ranking.n_labels
        self.status.fit_seconds = ranking.fit_seconds
        self.status.updated_at = time.monotonic()
        self.status.strategy = self.session.strategy

    @on(Worker.StateChanged)
    def worker_changed(self, message: Worker.StateChanged) -> None:
        """Worker failures become notifications; the old ranking goes on."""
        worker, state = message.worker, message.state
        if state == WorkerState.ERROR:
            error = worker.error
            text = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
            if worker.group == "prepare" and self._growing:
                self._growing = False
                self.status.loading = False
                self._grow_retry_at = time.monotonic() + GROW_RETRY_SECONDS
                self.session.estimate_loaded_documents_only()
                self._show_status()
                self.review_screen.schedule_panel(recall=True)
                self.notify(f"New documents could not be added to the model: {text}. The current model stays in "
                            f"use; another try in {GROW_RETRY_SECONDS / 60:.0f} minutes.",
                            title="Model", severity="error", timeout=10)
                if self._retrain_wanted:
                    self.request_retrain()
            elif worker.group == "prepare":
                self.status.loading = False
                self._show_status()
                self.notify(f"The model could not load the corpus: {text}. Reviewing goes on in the saved order.",
                            title="Model", severity="error", timeout=10)
            else:
                self.status.error = text
                self.notify(f"Retraining failed: {text}. The previous ranking stays in use.",
                            title="Model", severity="error", timeout=10)
        if worker.group == "retrain" and state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            if worker is self._retrain_worker:
                self.status.retraining = False
                self._show_status()
                if self._retrain_wanted and state != WorkerState.ERROR:
                    self.request_retrain()

    def _show_status(self) -> None:
        if self.review_screen.is_mounted:
            self.review_screen.show_model(self.status)


def make_app(
    session: ReviewSession,
    user_keys: Path | None = None,
    prepare: bool = True,
) -> ReviewApp:
    """Build the app with the project's and the reviewer's key remapping.

    Args:
        session: An open session.
        user_keys: The reviewer's keys.toml (default: ~/.config/review/keys.toml).
        prepare: Load the model engine at start.
    """
    user, problems = read_user_keys(user_keys)
    keymap, more = build_keymap(session.config.keys, user)
    return ReviewApp(session, keymap, problems + more, prepare=prepare)
