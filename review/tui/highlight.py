"""Document text as Rich `Text`, cleaned and with key terms highlighted (no Textual here)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rich.style import Style
from rich.text import Text

from review.tui.sanitize import clean

MAX_SHOWN_CHARS = 120_000
"""Longer texts are cut on screen (the whole text stays in the project)."""


def term_pattern(terms: Iterable[str], stem: bool = False) -> re.Pattern[str] | None:
    """One case-insensitive regex matching any of `terms` as whole words.

    Args:
        terms: Words or phrases (spaces match any run of whitespace).
        stem: Also match longer words starting with the term (model terms are
            lemmas: "price" should light up "prices").

    Returns:
        The compiled pattern, or None when `terms` is empty.
    """
    parts = []
    for term in sorted({t.strip() for t in terms if t and t.strip()}, key=len, reverse=True):
        words = [re.escape(w) for w in term.split()]
        parts.append(r"\s+".join(words))
    if not parts:
        return None
    tail = r"\w*" if stem else ""
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")" + tail + r"(?!\w)", re.IGNORECASE)


def highlighted(
    text: str,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    model_up: Sequence[str] = (),
    model_down: Sequence[str] = (),
    styles: dict[str, Style] | None = None,
) -> Text:
    """Clean `text` and highlight the reviewer's and the model's terms.

    Args:
        text: Raw document text (control characters are neutralised here).
        include: The project's signs of relevance.
        exclude: The project's signs of non-relevance.
        model_up: Terms pushing the model's score up (shown on a toggle).
        model_down: Terms pushing it down.
        styles: Style per kind ("include", "exclude", "up", "down"), from the stylesheet.

    Returns:
        A Rich Text with no markup interpretation (brackets stay brackets).
    """
    styles = styles or {}
    shown = clean(text)
    cut = len(shown) > MAX_SHOWN_CHARS
    if cut:
        shown = shown[:MAX_SHOWN_CHARS]
    out = Text(shown, end="")
    for kind, terms, stem in (("up", model_up, True), ("down", model_down, True),
                              ("include", include, False), ("exclude", exclude, False)):
        pattern = term_pattern(terms, stem)
        if pattern is not None:
            out.highlight_regex(pattern, styles.get(kind, Style(bold=True)))
    if cut:
        out.append(f"\n\n[… cut here on screen: the document has {len(text):,} characters]", Style(italic=True))
    return out
