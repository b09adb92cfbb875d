"""Spreadsheet-safe CSV cells (OWASP CSV injection) and their inverse."""

from __future__ import annotations

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")


def _needs_quote(text: str) -> bool:
    # Leading quotes are looked through so that `restore` can always invert.
    return text.lstrip("'").startswith(DANGEROUS_FIRST)


def neutralise(value: object) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with a quote."""
    text = "" if value is None else str(value)
    return "'" + text if _needs_quote(text) else text


def restore(value: str) -> str:
    """Undo `neutralise` when a file we exported is read back."""
    if value.startswith("'") and _needs_quote(value[1:]):
        return value[1:]
    return value
