"""Choosing between code pages that all decode a text: which reading looks like words?

charset-normalizer ranks candidates well on long texts, but on a few words it
can prefer an exotic code page ("Grüße" in Latin-1 read as Urdu cp1006, a line
of KOI8-R Russian as Shift-JIS). A decoded text reads as words when each word
keeps to one script and to one case pattern ("Grüße", "Привет", "ÉTÉ"), and
when it holds no stray symbols ("Gr×e", "£ódŸ").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

COMMON_CODEPAGES = ("cp1252", "cp1250", "cp1251", "koi8_r", "cp1253", "cp1254", "cp1257", "iso8859_15",
                    "cp932", "gb18030", "big5", "euc_kr", "euc_jp")
"""Tried besides charset-normalizer's candidates, in order of preference on a tie."""

_SAMPLE_BYTES = 1 << 16
_WORD = re.compile(r"[^\W\d_]+")
_EAST_ASIAN = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL"})


MARGIN = 0.5
"""How much more readable than a common first candidate another must be to replace it (an
exotic first candidate gives way to any that reads better)."""


def most_readable(data: bytes, candidates: Iterable[str]) -> str | None:
    """The first candidate encoding, unless another's reading of `data` looks more like words
    (see `MARGIN`); None if none decodes `data`."""
    sample = data[:_SAMPLE_BYTES]
    first, first_score = None, 0.0
    best, best_score = None, -2.0
    for encoding in dict.fromkeys(candidates):
        text = _decode(sample, encoding, cut=len(data) > len(sample))
        if text is None:
            continue
        score = readability(text)
        if first is None:
            first, first_score = encoding, score
        if score > best_score + 1e-9:
            best, best_score = encoding, score
    margin = MARGIN if first in COMMON_CODEPAGES else 1e-9
    if first is not None and best_score < first_score + margin:
        return first
    return best


def readability(text: str) -> float:
    """Share of the words with non-ASCII letters that keep to one script and one case pattern,
    less the share of non-ASCII characters that are symbols or unassigned (1.0 for ASCII text)."""
    wide = [ch for ch in text if ord(ch) > 127]
    odd = sum(1 for ch in wide if unicodedata.category(ch)[0] in "SC") / len(wide) if wide else 0.0
    foreign = [word for word in _WORD.findall(text) if not word.isascii()]
    if not foreign:
        return 1.0 - odd
    good = sum(1 for word in foreign if _one_script(word) and _one_case_pattern(word) and not _all_accents(word))
    return good / len(foreign) - odd


def _decode(sample: bytes, encoding: str, cut: bool) -> str | None:
    try:
        return sample.decode(encoding)
    except UnicodeDecodeError as exc:
        if cut and exc.start >= len(sample) - 4:  # a character split by the sample's end
            return sample[: exc.start].decode(encoding, errors="replace")
        return None
    except LookupError:
        return None


def _script(ch: str) -> str | None:
    if ch.isascii():
        return "LATIN"
    name = unicodedata.name(ch, "")
    first = name.split(" ", 1)[0]
    if first in _EAST_ASIAN:
        return "EAST_ASIAN"
    if first in ("HALFWIDTH", "FULLWIDTH") or " FORM" in name:
        return None  # presentation forms: what a wrong code page yields, rarely what people write
    return first or None


def _one_script(word: str) -> bool:
    scripts = {_script(ch) for ch in word}
    return len(scripts) == 1 and None not in scripts


def _all_accents(word: str) -> bool:
    """A Latin word of mostly accented letters ("Ïðèâåò"): Cyrillic or Greek read as Latin-1."""
    return len(word) >= 5 and _script(word[0]) == "LATIN" and sum(not ch.isascii() for ch in word) >= 0.8 * len(word)


def _one_case_pattern(word: str) -> bool:
    if word.lower() == word.upper():  # a script without case
        return True
    return word in (word.lower(), word.upper()) or (word[0].isupper() and word[1:] == word[1:].lower())
