"""Record files: .csv .tsv .jsonl .ris streamed as documents, bad records reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from review.errors import IngestError
from review.models import NewDocument
from review.records import label_value, read_records


def load(path: Path) -> tuple[list[NewDocument], list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    docs = list(read_records(path, on_error=lambda where, reason: problems.append((where, reason))))
    return docs, problems


def test_csv_columns_are_recognised_case_insensitively(tmp_path: Path) -> None:
    path = tmp_path / "refs.csv"
    path.write_text(
        "ID,Title,Abstract,Label_Included,Year\n"
        'r1,First study,"An abstract, with a comma\nand a second line",1,2019\n'
        "r2,Second study,Another abstract,0,\n"
        "r3,Third study,Unlabelled abstract,,2021\n",
        encoding="utf-8",
    )
    docs, problems = load(path)
    assert problems == []
    assert [d.doc_id for d in docs] == ["r1", "r2", "r3"]
    assert docs[0].title == "First study"
    assert docs[0].text == "An abstract, with a comma\nand a second line"
    assert [d.label for d in docs] == ["1", "0", None]
    assert docs[0].metadata == {"Year": "2019", "source_record": 1}
    assert docs[1].metadata == {"source_record": 2}
    assert docs[0].source == str(path)


def test_tsv_and_semicolon_csv_and_text_column_priority(tmp_path: Path) -> None:
    tsv = tmp_path / "a.tsv"
    tsv.write_text("id\tbody\tincluded\n7\tTab separated body\tyes\n", encoding="utf-8")
    docs, _ = load(tsv)
    assert (docs[0].doc_id, docs[0].text, docs[0].label) == ("7", "Tab separated body", "yes")
    assert docs[0].title == "Tab separated body"

    semi = tmp_path / "b.csv"
    semi.write_text("id;text;abstract;relevant\n1;the text wins;not this;0\n", encoding="utf-8")
    docs, _ = load(semi)
    assert docs[0].text == "the text wins"
    assert docs[0].metadata["abstract"] == "not this"


def test_rows_without_id_get_file_and_row_number(tmp_path: Path) -> None:
    path = tmp_path / "noid.csv"
    path.write_text("title,content\nA,alpha\nB,beta\n", encoding="utf-8")
    docs, _ = load(path)
    assert [d.doc_id for d in docs] == ["noid.csv:1", "noid.csv:2"]


def test_bad_csv_records_are_reported_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "id,title,abstract,label\n"
        "1,Good,fine text,1\n"
        "2,,,0\n"  # neither title nor text
        "3,Extra,text,1,surplus\n"  # more fields than columns
        "1,Again,other text,0\n"  # duplicate id
        "4,Title only,,-1\n",  # no abstract: the title is the text; -1 means unlabelled
        encoding="utf-8",
    )
    docs, problems = load(path)
    assert [d.doc_id for d in docs] == ["1", "4"]
    assert docs[1].text == "Title only" and docs[1].label is None
    reasons = dict(problems)
    assert reasons["bad.csv record 2"] == "no title or text"
    assert "5 fields but 4 columns" in reasons["bad.csv record 3"]
    assert "duplicate id '1'" in reasons["bad.csv record 4"]


def test_huge_field_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    text = "word " * 100_000  # 500 kB, over csv's default 128 kB field limit
    path.write_text(f"id,text\nx,{text}\n", encoding="utf-8")
    docs, _ = load(path)
    assert docs[0].text == text.strip()


def test_csv_not_in_utf8_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("id,title,text\n1,Résumé,Crème brûlée for the café team meeting on prices\n".encode("cp1252"))
    docs, _ = load(path)
    assert docs[0].title == "Résumé"
    assert docs[0].text.startswith("Crème brûlée")


@pytest.mark.parametrize(
    ("name", "encoding"),
    [("excel.tsv", "utf-16"), ("notepad.csv", "utf-16"), ("wide.csv", "utf-32"), ("nomark.csv", "utf-16-le")],
)
def test_utf16_and_utf32_record_files_are_read(tmp_path: Path, name: str, encoding: str) -> None:
    sep = "\t" if name.endswith(".tsv") else ","
    rows = [["id", "title", "text", "label"], ["1", "Résumé", "Prices — up 5 %", "1"], ["2", "Lunch", "Friday", "0"]]
    path = tmp_path / name
    path.write_bytes("".join(sep.join(row) + "\r\n" for row in rows).encode(encoding))
    docs, problems = load(path)
    assert problems == []
    assert [(d.doc_id, d.title, d.text, d.label) for d in docs] == [
        ("1", "Résumé", "Prices — up 5 %", "1"), ("2", "Lunch", "Friday", "0"),
    ]


def test_binary_with_a_utf16_mark_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xff\xfe" + bytes(range(256)) * 20)
    with pytest.raises(IngestError, match="binary"):
        load(path)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "empty"),
        ("id,label\n1,0\n", "no text or title column"),
        ("id,text\x00\n1,abc\n", "binary"),
    ],
)
def test_unusable_record_files_raise(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IngestError, match=reason):
        load(path)


def test_jsonl_records_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    lines = [
        json.dumps({"id": 5, "title": "T", "abstract": "A", "relevant": True, "authors": ["x", "y"]}),
        "{not json",
        "[1, 2]",
        "",
        json.dumps({"id": 6.0, "content": "C"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs, problems = load(path)
    assert [(d.doc_id, d.text, d.label) for d in docs] == [("5", "A", "True"), ("6", "C", None)]
    assert docs[0].metadata["authors"] == ["x", "y"]
    assert [w for w, _ in problems] == ["r.jsonl record 2", "r.jsonl record 3"]
    assert "invalid JSON" in problems[0][1] and problems[1][1] == "not a JSON object"


RIS = """TY  - JOUR
ID  - 101
TI  - Nudging prescribers
AB  - A randomised trial of nudges.
AU  - Smith, J
AU  - Doe, A
PY  - 2019
N1  - ASReview_relevant
ER  - 

TY  - JOUR
T1  - No abstract here
N1  - ASReview_irrelevant
ER  - 

stray line without a reference
ER  - 
TY  - JOUR
TI  - Cut off
"""


def test_ris_references_labels_and_broken_ones(tmp_path: Path) -> None:
    path = tmp_path / "refs.ris"
    path.write_text(RIS, encoding="utf-8")
    docs, problems = load(path)
    assert [d.doc_id for d in docs] == ["101", "refs.ris:2"]
    first, second = docs
    assert (first.title, first.text, first.label) == ("Nudging prescribers", "A randomised trial of nudges.", "1")
    assert first.metadata["authors"] == ["Smith, J", "Doe, A"]
    assert (second.title, second.text, second.label) == ("No abstract here", "No abstract here", "0")
    assert [w for w, _ in problems] == ["refs.ris record 3", "refs.ris record 4"]
    assert "truncated" in problems[1][1]


def test_bench_csv_reads_every_record() -> None:
    bench = Path(__file__).resolve().parents[2] / ".." / "shared" / "bench" / "sr_cohen2006_adhd.csv"
    if not bench.is_file():
        pytest.skip("../shared/bench is absent")
    docs, problems = load(bench)
    assert len(docs) == 851 and problems == []
    assert sum(d.label == "1" for d in docs) == 20


def test_labels_file_rows_and_missing_columns(tmp_path: Path) -> None:
    from review.records import read_labels

    path = tmp_path / "labels.tsv"
    path.write_text("ID\tFilename\tLabel\na\tdocs/a.txt\t1\nb\t\t\n\t\t0\nc\t\tno\n", encoding="utf-8")
    assert list(read_labels(path)) == [("a", "docs/a.txt", "1"), ("c", "", "no")]
    bad = tmp_path / "bad.csv"
    bad.write_text("id,score\na,0.5\n", encoding="utf-8")
    with pytest.raises(IngestError, match="needs an id and a label column"):
        list(read_labels(bad))


def test_the_label_column_is_named_once_and_can_be_left_out(tmp_path: Path) -> None:
    path = tmp_path / "screened.csv"
    path.write_text("id,title,Final_Included,year\n1,One,1.0,2001\n2,Two,0.0,2002\n3,Three,,2003\n", encoding="utf-8")
    columns: list[str] = []
    docs = list(read_records(path, on_label_column=columns.append))
    assert columns == ["Final_Included"]
    assert [d.label for d in docs] == ["1", "0", None]  # a spreadsheet's 1.0/0.0 read as 1/0
    blind = list(read_records(path, labels=False, on_label_column=columns.append))
    assert [d.label for d in blind] == [None, None, None] and columns == ["Final_Included"]
    assert blind[0].metadata == {"year": "2001", "source_record": 1}  # the label column is not kept as metadata


@pytest.mark.parametrize(("cell", "label"), [("1.0", "1"), (" yes ", "yes"), ("maybe", "maybe"), ("-1", None),
                                             ("N/A", None), (None, None), (1.0, "1"), (0, "0")])
def test_label_value(cell: object, label: str | None) -> None:
    assert label_value(cell) == label


@pytest.mark.parametrize(
    ("header", "row", "doc_id", "title", "text"),
    [
        ("Key,Item Type,Title,Abstract Note", "K1,journalArticle,Zotero title,Zotero abstract", "K1", "Zotero title",
         "Zotero abstract"),
        ("Article Title,Authors,Abstract", "WoS title,Smith J,WoS abstract", "refs.csv:1", "WoS title", "WoS abstract"),
        ("Document Title,Authors,Abstract", "IEEE title,Lee K,IEEE abstract", "refs.csv:1", "IEEE title",
         "IEEE abstract"),
        ("PMID,Title,Authors", "31415926,PubMed title,Doe A", "31415926", "PubMed title", "PubMed title"),
        ("Article Title,Authors", "WoS title only,Smith J", "refs.csv:1", "WoS title only", "WoS title only"),
    ],
    ids=["zotero", "web-of-science", "ieee", "pubmed", "title-only"],
)
def test_the_column_names_of_common_exports(tmp_path: Path, header: str, row: str, doc_id: str, title: str,
                                            text: str) -> None:
    path = tmp_path / "refs.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    docs, problems = load(path)
    assert problems == []
    assert [(d.doc_id, d.title, d.text) for d in docs] == [(doc_id, title, text)]


def test_html_entities_and_formatting_tags_in_records_are_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "refs.csv"
    path.write_text(
        "id,title,abstract\n"
        'r1,Caf&eacute; &amp; cognition,"Entities &lt;b&gt;bold&lt;/b&gt; &#8217;s and <i>H. pylori</i> at 10<sup>5</sup>"\n'
        'r2,Plain,"a < b > c and AT&T; R&D"\n',
        encoding="utf-8",
    )
    docs, _ = load(path)
    assert docs[0].title == "Café & cognition"
    assert docs[0].text == "Entities bold ’s and H. pylori at 105"
    assert docs[1].text == "a < b > c and AT&T; R&D"


def test_ris_with_both_abstract_tags_keeps_both(tmp_path: Path) -> None:
    path = tmp_path / "refs.ris"
    path.write_text("TY  - JOUR\nTI  - First RIS title &amp; more\nAB  - The AB abstract.\nN2  - The N2 abstract.\n"
                    "ER  - \n", encoding="utf-8")
    docs, _ = load(path)
    assert docs[0].title == "First RIS title & more"
    assert docs[0].text == "The AB abstract.\n\nThe N2 abstract."


def test_a_labels_file_can_come_from_a_pipe() -> None:
    """`review import --labels <(grep … labels.csv)` hands over /dev/fd/N, which cannot seek."""
    import os
    import threading

    from review.records import read_labels

    read_end, write_end = os.pipe()

    def feed() -> None:
        with os.fdopen(write_end, "wb") as out:
            out.write(b"id,label\nr1,1\nr2,0\n")

    threading.Thread(target=feed).start()
    try:
        assert list(read_labels(Path(f"/dev/fd/{read_end}"))) == [("r1", "", "1"), ("r2", "", "0")]
    finally:
        os.close(read_end)


def test_a_jsonl_object_in_the_text_field_reads_as_json(tmp_path: Path) -> None:
    path = tmp_path / "refs.jsonl"
    path.write_text(json.dumps({"id": "j1", "title": "T", "text": {"a": "dict text", "n": 1}}) + "\n", encoding="utf-8")
    docs, _ = load(path)
    assert docs[0].text == '{"a": "dict text", "n": 1}'
