"""The elusion test: a one-time random sample of the unreviewed rest, labelled by a person.

`review validate` draws the sample (stored in the DB as a named sample, never
used for training), the reviewer labels it in the normal flow, and the
report gives a lower confidence bound on recall: found / (found + K), K the
exact (hypergeometric: the pool is finite) upper bound on the relevant left
among the unreviewed (`recall.relevant_left_upper`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from review import recall
from review.errors import ReviewError
from review.models import SKIPPED, ReviewConfig
from review.store import Store, now

SETTING = "validation"
PREFIX = "elusion-"
MAX_SHARE = recall.ELUSION_MAX_SHARE
"""A default sample larger than this share of the unreviewed rest is not drawn (see there)."""


@dataclass(frozen=True)
class Validation:
    """An elusion sample and, once labelled, its verdict."""

    name: str
    size: int
    labelled: int
    relevant: int
    """Relevant documents found in the sample so far."""
    found: int
    """Relevant documents the review had found when the sample was drawn."""
    unreviewed: int
    """Unreviewed documents the sample was drawn from."""
    target: float
    confidence: float
    bound: float | None
    """Recall lower bound, once every sample document is labelled."""
    added_since: int = 0
    """Documents imported after the sample was drawn: the bound says nothing about them."""

    @property
    def complete(self) -> bool:
        return self.labelled >= self.size

    def text(self) -> str:
        stale = "" if not self.added_since else (
            f" {self.added_since:,} document(s) were imported after it was drawn and are not covered: "
            "`review validate --new` draws a fresh sample.")
        if self.bound is None:
            return f"Elusion sample: {self.labelled} of {self.size} labelled ({self.relevant} relevant so far).{stale}"
        verdict = "meets" if self.bound >= self.target else "does not meet"
        return (
            f"Elusion test: {self.relevant} relevant in a random sample of {self.size} of {self.unreviewed} "
            f"unreviewed documents: recall ≥ {self.bound:.1%} with {self.confidence:.0%} confidence "
            f"({verdict} the {self.target:.0%} target)."
        ).replace("%", " %") + stale


def _undecided_unique(store: Store) -> list[int]:
    # Skipped documents are unreviewed: they may hide exactly what the test looks for.
    decided = {pk for pk, label in store.current_labels(by_original=True).items() if label != SKIPPED}
    pks, _, dupes = store.corpus()
    return [pk for pk, dup in zip(pks, dupes) if not dup and pk not in decided]


def _ready(store: Store) -> tuple[ReviewConfig, int, list[int]]:
    """(config, relevant found, unreviewed documents) when a sample can be drawn.

    Raises:
        ReviewError: a sample is still being labelled, nothing relevant has
            been found yet, or nothing is left unreviewed.
    """
    current = state(store)
    if current is not None and not current.complete:
        raise ReviewError(f"An elusion sample is still open: {current.text()}", "Validation under way")
    config = store.config()
    found = sum(1 for label in store.current_labels(by_original=True).values() if label == config.labels.positive)
    rest = _undecided_unique(store)
    if found == 0:
        raise ReviewError("Nothing relevant has been found yet: an elusion test cannot bound recall.", "Too early")
    if not rest:
        raise ReviewError("Every document has been reviewed: recall is 100 % of what the reviewers marked.",
                          "Nothing to sample")
    return config, found, rest


def plan(store: Store) -> tuple[int, str | None]:
    """The default sample size and, when it is a poor deal now, why (see `planned_size`, `size_warning`).

    Raises:
        ReviewError: as `_ready`.
    """
    return _plan(*_ready(store))


def planned_size(store: Store) -> int:
    """The default sample size: the smallest that certifies the target if it holds no relevant
    document (at most every unreviewed document: a count of them always does).

    Raises:
        ReviewError: as `_ready`.
    """
    return plan(store)[0]


def size_warning(store: Store, size: int) -> str | None:
    """Why a sample of `size` is a poor deal now (over MAX_SHARE of the unreviewed rest), or None."""
    config, found, rest = _ready(store)
    return _warning(config, found, rest, size, _certifying_size(config, found, rest))


def _certifying_size(config: ReviewConfig, found: int, rest: list[int]) -> int:
    """The smallest sample that certifies the target if it holds no relevant document.

    With a relevant document found (`_ready`) a count of everything left always
    certifies (the bound is exact for the finite pool), so there is one.
    """
    size = recall.elusion_sample_size(found, len(rest), config.target_recall, 1.0 - config.confidence)
    return len(rest) if size is None else size


def _plan(config: ReviewConfig, found: int, rest: list[int]) -> tuple[int, str | None]:
    size = _certifying_size(config, found, rest)
    return size, _warning(config, found, rest, size, size)


def _warning(config: ReviewConfig, found: int, rest: list[int], size: int, certifiable: int) -> str | None:
    if size <= MAX_SHARE * len(rest):
        return None
    why = (f"certifying {config.target_recall:.0%} recall now takes {certifiable:,} of the {len(rest):,} "
           f"unreviewed documents ({found:,} relevant found so far)")
    return (f"A sample of {size:,} is more than half of what is left: {why}. A smaller sample gives a bound "
            "below the target.").replace("%", " %")


def start(store: Store, size: int | None = None, random_state: int | None = None) -> Validation:
    """Draw an elusion sample from the unreviewed documents.

    Args:
        store: The project.
        size: Sample size; default: `planned_size`, refused when `size_warning`
            objects (a size given explicitly is always drawn).
        random_state: Seed of the draw (None: fresh randomness).

    Raises:
        ReviewError: as `_ready`, or the default size is over MAX_SHARE of the
            unreviewed documents.
    """
    config, found, rest = _ready(store)
    if size is None:
        size, warning = _plan(config, found, rest)
        if warning:
            raise ReviewError(f"{warning} Draw it anyway with `review validate --size {size}`, or a smaller "
                              "one with --size N.", "Not drawn")
    size = max(1, min(size, len(rest)))
    n = sum(1 for name in store.sample_names() if name.startswith(PREFIX)) + 1
    name = f"{PREFIX}{n}"
    pks = random.Random(random_state).sample(rest, size)
    store.add_sample(name, pks)
    last_pk = max([*rest, *store.current_labels(by_original=True)])  # every non-duplicate document is in one or the other
    store.set_setting(SETTING, {"name": name, "found": found, "unreviewed": len(rest), "drawn_at": now(),
                                "last_pk": last_pk, "previous": store.setting(SETTING)})
    return Validation(name, size, 0, 0, found, len(rest), config.target_recall, config.confidence, None)


def cancel(store: Store) -> int:
    """Abandon the open elusion sample; return how many of its documents were still unlabelled.

    Those go back to the ranked queue as ordinary documents. Sample documents
    already labelled keep their labels and stay out of training, as drawn at
    random. The previous, finished sample (if any) is the latest again.

    Raises:
        ReviewError: no sample is open.
    """
    current = state(store)
    if current is None or current.complete:
        raise ReviewError("No elusion sample is open.", "Nothing to cancel")
    unlabelled = pending(store)
    store.remove_from_sample(current.name, unlabelled)
    store.set_setting(SETTING, (store.setting(SETTING) or {}).get("previous"))
    return len(unlabelled)


def state(store: Store) -> Validation | None:
    """The latest elusion sample and how far its labelling has got (None if never drawn)."""
    info = store.setting(SETTING)
    if not info:
        return None
    config = store.config()
    pks = store.sample(info["name"])
    labels = [store.current_label(pk) for pk in pks]
    labelled = sum(1 for label in labels if label is not None and label != SKIPPED)
    relevant = sum(1 for label in labels if label == config.labels.positive)
    bound = None
    if labelled >= len(pks):
        bound = recall.elusion_recall_bound(info["found"], relevant, len(pks), info["unreviewed"], 1 - config.confidence)
    added = store.count_documents(include_duplicates=False, after_pk=info["last_pk"]) if "last_pk" in info else 0
    return Validation(info["name"], len(pks), labelled, relevant, info["found"], info["unreviewed"],
                      config.target_recall, config.confidence, bound, added)


def pending(store: Store) -> list[int]:
    """Sample documents of the open elusion sample still to label, in draw order."""
    info = store.setting(SETTING)
    if not info:
        return []
    return [pk for pk in store.sample(info["name"]) if store.current_label(pk) in (None, SKIPPED)]


def sample_pks(store: Store) -> set[int]:
    """Every document drawn into any elusion sample (kept out of training)."""
    return {pk for name in store.sample_names() if name.startswith(PREFIX) for pk in store.sample(name)}
