"""App-level messages: small facts, posted up to the app or from its workers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from review.engine import Ranking


@dataclass
class SessionPrepared(Message):
    """The engine has loaded the corpus; the session can retrain."""

    seconds: float


@dataclass
class RankerRetrained(Message):
    """A retrain finished in the background; its ranking waits to be applied."""

    ranking: Ranking
    labels_seen: int
    """Decisions made (by this app) when the snapshot was taken."""
    seconds: float
    """Wall time of the retrain, as seen by the worker."""


@dataclass
class DocumentDecided(Message):
    """A decision (or undo, or edit) was recorded; the model may retrain."""

    kind: str
    """"decide", "undo" or "edit"."""
    doc_pk: int
    label: str | None
