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
    order: list[int]
    """The new queue (document pks), computed in the worker."""
    meta: dict[int, tuple[int, float]]
    """pk -> (rank, score) for the queue."""
    seconds: float
    """Wall time of the fit and the queue, as seen by the worker."""


@dataclass
class DocumentDecided(Message):
    """A decision (or undo, or edit) was recorded; the model may retrain."""

    kind: str
    """"decide", "undo" or "edit"."""
    doc_pk: int
    label: str | None
