from __future__ import annotations

from review.text import FIELD_SEP, record_input, tokenize, tokenize_many, tokenize_parallel


def test_terms_are_lower_cased_words_without_punctuation() -> None:
    assert tokenize("The Lawyers' e-mails, PDFs & memos!\n\n  Done.") == "the lawyers e mails pdfs memos done"


def test_batch_and_parallel_tokenising_agree_with_one_at_a_time() -> None:
    texts = [f"Document {i}: Prices rose {i}% in Q{i % 4 + 1}." for i in range(30)]
    expected = [tokenize(t) for t in texts]
    assert tokenize_many(texts) == expected
    assert tokenize_parallel(texts, n_jobs=2, chunk=10) == expected


def test_very_long_text_is_cut_not_refused() -> None:
    assert len(tokenize("word " * 100_000).split()) == 40_000


def test_a_titled_record_keeps_its_title_terms_apart() -> None:
    assert tokenize(record_input("Cats: a Review", "Cats purr.\nDogs bark.")) == "cats a review\ncats purr dogs bark"
    assert tokenize_many([record_input("", "Only text."), record_input("  ", "Text.")]) == ["only text", "text"]


def test_a_text_that_starts_with_its_title_loses_that_copy() -> None:
    assert tokenize(record_input("Minutes of the board", "Minutes of the board\nPresent: all")) == (
        "minutes of the board\npresent all")
    assert tokenize(record_input("Minutes", "Minutes")) == "minutes\n"
    assert tokenize(record_input("Min", "Minutes of the board")) == "min\nminutes of the board"  # not a word of it


def test_a_cut_title_the_text_starts_with_stays_in_the_text() -> None:
    assert record_input("A very long title th…", "A very long title that goes on") == "A very long title that goes on"


def test_the_field_separator_inside_a_text_cannot_split_it() -> None:
    assert tokenize(record_input("T", f"a{FIELD_SEP}b words")) == "t\na b words"
    assert "\n" not in tokenize(f"no title{FIELD_SEP}".replace(FIELD_SEP, " "))
