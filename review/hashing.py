"""Content hashing for exact-duplicate detection."""

from __future__ import annotations

import hashlib
import re

_SPACE = re.compile(r"\s+")


def normalise_for_hash(text: str) -> str:
    """Case-folded text with runs of white space collapsed to one space."""
    return _SPACE.sub(" ", text.casefold()).strip()


def content_hash(text: str, title: str = "") -> str:
    """The SHA-256 of the normalised title and text: equal for exact duplicates.

    The title counts: two e-mails that both say "See attached." under different
    subjects, or two records whose abstract is "No abstract available", are
    different documents. A title that the text begins with (a text file's
    first line) adds nothing, and is left out so that where the lines break
    does not matter.
    """
    key = normalise_for_hash(text)
    head = normalise_for_hash(title.removesuffix("…"))
    if head and not key.startswith(head):
        key = normalise_for_hash(title) + "\x1f" + key
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
