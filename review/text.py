"""Tokenisation with spaCy: the lower-cased words of a document, computed once at import.

spaCy is used as `spacy.blank("en")` (its English tokenizer; nothing is
downloaded at run time). Terms are the words as written, lower-cased, without
punctuation. Lemmas (spacy-lookups-data) were measured and left out: on the
bench they cost more documents read than they saved (benchmarks/README-ranking.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing spaCy costs about a second
    from spacy.language import Language

MAX_CHARS = 200_000
"""Text beyond this many characters is not tokenised (it is still stored)."""

FIELD_SEP = "\x1e"
"""Separates a title from its text in a tokeniser input (`record_input`)."""

TITLE_BREAK = "\n"
"""Separates the title's terms from the text's in a token string (no token holds a newline)."""


def record_input(title: str, text: str) -> str:
    """The tokeniser input for a titled document: its terms come out as "title terms\nbody terms".

    The ranker can then give the title features of its own (review.ranker.TermVectorizer).
    A text that starts with its title (a web page, a file's first line) loses
    that copy, so the title's words count once; a title cut short ("…") that
    the text starts with is left in the text, not kept apart.
    """
    title = title.replace(FIELD_SEP, " ").strip()
    text = text.replace(FIELD_SEP, " ")
    if not title:
        return text
    head = text.lstrip()
    if head.startswith(title) and head[len(title) : len(title) + 1] in ("", " ", "\n", "\r", "\t"):
        return f"{title}{FIELD_SEP}{head[len(title):]}"
    if title.endswith("…") and head.startswith(title[:-1].rstrip()):
        return text
    return f"{title}{FIELD_SEP}{text}"


@lru_cache(maxsize=1)
def nlp() -> Language:
    """The shared English tokenizer."""
    import spacy

    pipeline = spacy.blank("en")
    pipeline.max_length = MAX_CHARS + 1
    return pipeline


def _terms(doc: Iterable) -> str:
    return " ".join(tok.lower_ for tok in doc if not (tok.is_space or tok.is_punct))


def tokenize(text: str) -> str:
    """Return the document's terms as one space-separated string (see `tokenize_many`)."""
    return tokenize_many([text])[0]


def tokenize_many(texts: Sequence[str], batch_size: int = 256) -> list[str]:
    """Tokenise a batch of texts in this process.

    A text from `record_input` gives "title terms\nbody terms"; any other text
    its terms, space-separated.
    """
    parts: list[str] = []
    titled: list[bool] = []
    for text in texts:
        title, sep, body = text.partition(FIELD_SEP)
        titled.append(bool(sep))
        parts.extend((title, body) if sep else (text,))
    terms = iter([_terms(doc) for doc in nlp().pipe((t[:MAX_CHARS] for t in parts), batch_size=batch_size)])
    out = []
    for has_title in titled:
        if has_title:
            title, body = next(terms), next(terms)
            out.append(f"{title}{TITLE_BREAK}{body}" if title else body)
        else:
            out.append(next(terms))
    return out


def tokenize_async(texts: Sequence[str], n_jobs: int = -1) -> Callable[[], list[str]]:
    """Start tokenising in worker processes; the returned function waits for the result.

    Uses joblib's reusable loky executor (one pool for the whole program, so
    an import can tokenise its next chunk while it stores the last one).
    Small inputs, or n_jobs=1, are tokenised here and now.
    """
    workers = (os.cpu_count() or 1) if n_jobs < 0 else n_jobs
    if workers <= 1 or len(texts) < 2 * workers:
        tokens = tokenize_many(texts)
        return lambda: tokens
    from joblib.externals.loky import get_reusable_executor

    executor = get_reusable_executor(max_workers=workers)
    size = -(-len(texts) // workers)
    futures = [executor.submit(tokenize_many, texts[i : i + size]) for i in range(0, len(texts), size)]
    return lambda: [t for future in futures for t in future.result()]


def tokenize_parallel(texts: Sequence[str], n_jobs: int = -1, chunk: int = 2000) -> list[str]:
    """Tokenise across processes; inputs under `chunk` texts stay in this process."""
    if len(texts) < chunk or n_jobs == 1:
        return tokenize_many(texts)
    return tokenize_async(texts, n_jobs)()
