"""Content hashing for exact-duplicate detection."""

from __future__ import annotations

import hashlib
import re

_SPACE = re.compile(r"\s+")


def normalise_for_hash(text: str) -> str:
    """Case-folded text with runs of white space collapsed to one space."""
    return _SPACE.sub(" ", text.casefold()).strip()


def content_hash(text: str) -> str:
    """The SHA-256 of the normalised text: equal for exact duplicates."""
    return hashlib.sha256(normalise_for_hash(text).encode("utf-8")).hexdigest()
