from __future__ import annotations

from review.text import tokenize, tokenize_many, tokenize_parallel


def test_terms_are_lower_cased_words_without_punctuation() -> None:
    assert tokenize("The Lawyers' e-mails, PDFs & memos!\n\n  Done.") == "the lawyers e mails pdfs memos done"


def test_batch_and_parallel_tokenising_agree_with_one_at_a_time() -> None:
    texts = [f"Document {i}: Prices rose {i}% in Q{i % 4 + 1}." for i in range(30)]
    expected = [tokenize(t) for t in texts]
    assert tokenize_many(texts) == expected
    assert tokenize_parallel(texts, n_jobs=2, chunk=10) == expected


def test_very_long_text_is_cut_not_refused() -> None:
    assert len(tokenize("word " * 100_000).split()) == 40_000
