"""Tokenisation with spaCy: lower-cased lemmas, computed once at import.

spaCy is used as `spacy.blank("en")` with the lookup lemmatizer from
spacy-lookups-data, so nothing is downloaded at run time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing spaCy costs about a second
    from spacy.language import Language

MAX_CHARS = 200_000
"""Text beyond this many characters is not tokenised (it is still stored)."""


@lru_cache(maxsize=1)
def nlp() -> Language:
    """The shared pipeline: the English tokenizer and lookup lemmas."""
    import spacy

    pipeline = spacy.blank("en")
    try:
        pipeline.add_pipe("lemmatizer", config={"mode": "lookup"})
        pipeline.initialize()
    except (ValueError, OSError):  # spacy-lookups-data missing: tokens only
        pipeline = spacy.blank("en")
    pipeline.max_length = MAX_CHARS + 1
    return pipeline


def _terms(doc: Iterable) -> str:
    out = []
    for tok in doc:
        if tok.is_space or tok.is_punct:
            continue
        lemma = (tok.lemma_ or tok.text).lower()
        if lemma.strip():
            out.append(lemma)
    return " ".join(out)


def tokenize(text: str) -> str:
    """Return the document's terms as one space-separated string of lemmas."""
    return _terms(nlp()(text[:MAX_CHARS]))


def tokenize_many(texts: Sequence[str], batch_size: int = 256) -> list[str]:
    """Tokenise a batch of texts in this process."""
    return [_terms(doc) for doc in nlp().pipe((t[:MAX_CHARS] for t in texts), batch_size=batch_size)]


def tokenize_parallel(texts: Sequence[str], n_jobs: int = -1, chunk: int = 2000) -> list[str]:
    """Tokenise across processes with joblib; small inputs stay in-process."""
    if len(texts) < chunk or n_jobs == 1:
        return tokenize_many(texts)
    from joblib import Parallel, delayed

    parts = [texts[i : i + chunk] for i in range(0, len(texts), chunk)]
    results = Parallel(n_jobs=n_jobs)(delayed(tokenize_many)(p) for p in parts)
    return [t for part in results for t in part]
