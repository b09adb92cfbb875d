"""Plain data passed between the store, the engine and the front ends."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SKIPPED = "skipped"
"""The label recorded when a reviewer skips a document (neither label)."""

Goal = Literal["find-all", "train-classifier"]
Strategy = Literal["relevance", "uncertainty", "mixed", "random", "committee"]
STRATEGIES: tuple[str, ...] = ("relevance", "uncertainty", "mixed", "random", "committee")
GOALS: tuple[str, ...] = ("find-all", "train-classifier")


@dataclass(frozen=True)
class LabelSet:
    """The two label names of a project; `positive` is the one we look for."""

    positive: str = "relevant"
    negative: str = "not relevant"

    def names(self) -> tuple[str, str]:
        return (self.positive, self.negative)


@dataclass(frozen=True)
class Document:
    """One imported document (or record)."""

    pk: int
    doc_id: str
    title: str
    text: str
    source: str = ""
    content_hash: str = ""
    batch_id: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    imported_at: str = ""
    duplicate_of: int | None = None


@dataclass(frozen=True)
class NewDocument:
    """A document read by an importer, not yet in the store."""

    doc_id: str
    title: str
    text: str
    source: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    tokens: str = ""
    """Terms from review.text ("title terms\nbody terms", or the body alone); empty means "tokenise later"."""
    label: str | None = None
    """A label carried by a record file, attached as a decision of reviewer "import"."""


@dataclass(frozen=True)
class AddResult:
    """What the store did with a batch of new documents."""

    added: int = 0
    duplicates: int = 0
    unchanged: int = 0
    updated: int = 0
    labels_attached: int = 0
    kept_decided: tuple[str, ...] = ()
    """doc_ids whose text changed on disk but which were already decided: the decided version is kept."""
    renamed: tuple[tuple[str, str, str], ...] = ()
    """(doc_id, the source already holding it, the id given instead) for a new source whose
    id another source already had, e.g. a.txt in two folders: both are kept."""
    remapped: tuple[tuple[str, str], ...] = ()
    """(doc_id as read, the id it is stored under) for every document kept apart this way, new or not."""


@dataclass(frozen=True)
class Decision:
    """One entry of the append-only decision log.

    `label` is the document's label after this entry (None: undecided again,
    after an undo). `kind` is "decide", "undo", "import" or "edit".
    """

    id: int
    doc_pk: int
    label: str | None
    reviewer: str
    decided_at: str
    previous_label: str | None = None
    model_version: int | None = None
    rank: int | None = None
    score: float | None = None
    note: str = ""
    tags: tuple[str, ...] = ()
    kind: str = "decide"
    undoes: int | None = None


@dataclass(frozen=True)
class ImportReport:
    """What one import did: counts, and every file it skipped with the reason."""

    batch_id: int
    added: int = 0
    duplicates: int = 0
    unchanged: int = 0
    updated: int = 0
    labels_attached: int = 0
    skipped: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0
    notes: tuple[tuple[str, str], ...] = ()
    """Imported, with something to know: e.g. an id another source already had, so it got another."""


@dataclass
class ReviewConfig:
    """Per-project settings, stored in the database."""

    labels: LabelSet = field(default_factory=LabelSet)
    goal: str = "find-all"
    """find-all: every relevant document (relevance-led); train-classifier: uncertainty-led."""
    strategy: str | None = None
    """None picks the goal's default."""
    target_recall: float = 0.95
    """The recall the stopping suggestion aims for."""
    confidence: float = 0.95
    """The confidence the stopping suggestion must have (1 - alpha)."""
    mixed_share: float = 0.1
    """In the mixed strategy, the share of picks that are uncertainty picks."""
    include_terms: list[str] = field(default_factory=list)
    """Terms highlighted as signs of relevance."""
    exclude_terms: list[str] = field(default_factory=list)
    """Terms highlighted as signs of non-relevance."""
    keys: dict[str, str] = field(default_factory=dict)
    """Key remapping: action name -> key."""
    max_file_mb: float = 50.0
    """Files larger than this are skipped at import."""

    def effective_strategy(self) -> str:
        if self.strategy:
            return self.strategy
        return "relevance" if self.goal == "find-all" else "uncertainty"
