"""Import: folders, record files and labels into the store; bad input reported, never fatal."""

from __future__ import annotations

import io
import os
import random
from pathlib import Path

import pytest

from review.errors import IngestError
from review.ingest import check_sources, import_sources, walk_folder
from review.models import SKIPPED, ImportReport
from review.store import Store

BENCH = Path(__file__).resolve().parents[2] / ".." / "shared" / "bench"


def run_import(store: Store, *sources: Path, **kwargs: object) -> ImportReport:
    kwargs.setdefault("n_jobs", 1)
    return import_sources(store, list(sources), **kwargs)  # type: ignore[arg-type]


def blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A folder of good documents mixed with every kind of bad file."""
    root = tmp_path / "hostile"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "good.txt").write_text("A perfectly ordinary memo about prices.\nSecond line.", encoding="utf-8")
    (root / "sub" / "deeper" / "note.md").write_text("# Nested note\nkept from a subfolder", encoding="utf-8")
    (root / "latin1.txt").write_bytes("Réunion au café: les prix du carton augmentent à la rentrée.".encode("cp1252"))
    (root / "binary.txt").write_bytes(bytes(range(256)) * 8)
    rng = random.Random(3)
    (root / "noise.txt").write_bytes(bytes(rng.randrange(1, 256) for _ in range(3000)))
    pdf = blank_pdf()
    (root / "truncated.pdf").write_bytes(pdf[: len(pdf) // 2])
    (root / "empty.txt").write_bytes(b"")
    (root / "big.txt").write_text("x " * 5000, encoding="utf-8")  # 10 kB, over the tiny limit below
    (root / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    (root / ".DS_Store").write_bytes(b"\x00\x00hidden")
    (root / "sub" / "loop").symlink_to(root, target_is_directory=True)
    (root / "self.txt").symlink_to(root / "self.txt")
    (root / "dangling.txt").symlink_to(root / "nowhere.txt")
    return root


def test_hostile_folder_is_reported_not_fatal(store: Store, hostile: Path) -> None:
    report = run_import(store, hostile, max_file_mb=0.005)
    reasons = {Path(path).relative_to(hostile).as_posix(): reason for path, reason in report.skipped}
    assert reasons == {
        "binary.txt": "binary file, not text",
        "noise.txt": reasons["noise.txt"],
        "truncated.pdf": "truncated PDF (no end-of-file marker)",
        "empty.txt": "empty file",
        "big.txt": "larger than the 0.005 MB limit (9.8 kB)",
        "photo.jpg": "unsupported file type .jpg",
        "sub/loop": "symbolic link loop (folder already read)",
        "self.txt": "symbolic link loop",
        "dangling.txt": "broken symbolic link",
    }
    assert report.notes == (("hidden files", f"1 file(s) or folder(s) not read (the name starts with a dot), "
                                             f"e.g. {hostile / '.DS_Store'}"),)
    assert reasons["noise.txt"] in ("binary file, not text", "undecodable text (not UTF-8 and no other encoding fits)")
    assert report.added == 3
    assert store.document_by_id("sub/deeper/note.md").title == "Nested note"
    latin = store.document_by_id("latin1.txt")
    assert latin.text.startswith("Réunion au café")
    assert sorted(store.import_errors(report.batch_id)) == sorted(report.skipped)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_and_folder_are_reported(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "locked"
    (root / "closed").mkdir(parents=True)
    (root / "ok.txt").write_text("readable", encoding="utf-8")
    (root / "secret.txt").write_text("unreadable", encoding="utf-8")
    (root / "secret.txt").chmod(0)
    (root / "closed").chmod(0)
    try:
        report = run_import(store, root)
    finally:
        (root / "secret.txt").chmod(0o644)
        (root / "closed").chmod(0o755)
    reasons = {Path(p).name: r for p, r in report.skipped}
    assert reasons == {"secret.txt": "no read permission", "closed": "no permission to list the folder"}
    assert report.added == 1


def test_permission_errors_are_reported_simulated(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same cases as above with the errors simulated, so they also run as root."""
    from review import ingest, readers

    root = tmp_path / "locked"
    (root / "closed").mkdir(parents=True)
    (root / "closed" / "inside.txt").write_text("never listed", encoding="utf-8")
    (root / "ok.txt").write_text("readable", encoding="utf-8")
    (root / "secret.txt").write_text("unreadable", encoding="utf-8")
    real_scandir, real_open = os.scandir, open

    def scandir(path):  # type: ignore[no-untyped-def]
        if Path(path).name == "closed":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    def guarded_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(path).name == "secret.txt":
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(ingest.os, "scandir", scandir)
    monkeypatch.setattr(readers, "open", guarded_open, raising=False)
    report = run_import(store, root)
    reasons = {Path(p).name: r for p, r in report.skipped}
    assert reasons == {"secret.txt": "no read permission", "closed": "no permission to list the folder"}
    assert report.added == 1


def test_doc_ids_are_posix_paths_relative_to_the_folder(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "one.txt").write_text("one", encoding="utf-8")
    (root / "two.html").write_text("<title>Two</title><p>two</p>", encoding="utf-8")
    single = tmp_path / "three.eml"
    single.write_text("Subject: Three\n\nthree", encoding="utf-8")
    run_import(store, root, single)
    docs = {d.doc_id: d for d in store.iter_documents()}
    assert sorted(docs) == ["a/b/one.txt", "three.eml", "two.html"]
    assert docs["two.html"].title == "Two"
    assert docs["two.html"].metadata["format"] == "html"
    assert docs["three.eml"].source == str(single)


def test_tokens_are_stored_at_import(store: Store, tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.html").write_text("<title>Pricing Agreements</title><p>The boxes were priced.</p>", encoding="utf-8")
    run_import(store, tmp_path / "d")
    _, tokens, _ = store.corpus()
    assert tokens[0] == "pricing agreements\nthe boxes were priced"  # the title's terms on a line of their own


def test_a_title_cut_short_is_not_kept_apart(store: Store, tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "memo.txt").write_text("word " * 100, encoding="utf-8")
    run_import(store, tmp_path / "d")
    _, tokens, _ = store.corpus()
    assert store.document(1).title.endswith("…") and tokens == [" ".join(["word"] * 100)]


def test_worker_processes_tokenise_like_this_process(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from review import ingest
    from review.text import record_input, tokenize

    root = tmp_path / "many"
    root.mkdir()
    for i in range(24):
        (root / f"{i:02d}.txt").write_text(f"Doc {i}: the prices were agreed in meetings number {i}", encoding="utf-8")
    monkeypatch.setattr(ingest, "PARALLEL_AFTER_CHARS", 0)
    report = import_sources(store, [root], n_jobs=2, chunk_size=8)
    assert report.added == 24
    pks, tokens, _ = store.corpus()
    docs = [store.document(pk) for pk in pks]
    assert tokens == [tokenize(record_input(d.title, d.text)) for d in docs]


def test_reimport_adds_only_what_is_new_and_keeps_decisions(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "prod"
    root.mkdir()
    for name in ("a", "b", "c"):
        (root / f"{name}.txt").write_text(f"document {name} original text", encoding="utf-8")
    first = run_import(store, root)
    assert (first.added, first.unchanged) == (3, 0)
    decided = store.document_by_id("b.txt")
    store.record(decided.pk, "relevant", "alice")

    (root / "a.txt").write_text("document a edited before anyone read it", encoding="utf-8")
    (root / "b.txt").write_text("document b edited after it was decided", encoding="utf-8")
    (root / "d.txt").write_text("document d arrives in the second production", encoding="utf-8")
    second = run_import(store, root)
    assert second.unchanged == 1  # c.txt
    assert (second.added, second.updated) == (1, 1)  # d.txt new, a.txt updated
    assert "already decided: the decided version is kept" in dict(second.notes)["b.txt"]
    assert "b.txt" not in dict(second.skipped) and store.import_errors(second.batch_id) == []
    assert store.document_by_id("a.txt").text == "document a edited before anyone read it"
    assert store.document_by_id("b.txt").text == "document b original text"
    assert store.current_label(decided.pk) == "relevant"
    assert store.count_documents() == 4

    third = run_import(store, root)
    assert (third.added, third.unchanged) == (0, 3)  # b.txt is again "kept decided"


def test_exact_duplicates_are_grouped(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "dups"
    root.mkdir()
    (root / "original.txt").write_text("Price list for Q3.\nBoxes up 4%.", encoding="utf-8")
    (root / "copy.md").write_text("PRICE LIST   for q3.   Boxes up 4%.\n\n", encoding="utf-8")
    (root / "other.txt").write_text("Price list for Q4.", encoding="utf-8")
    report = run_import(store, root)
    assert (report.added, report.duplicates) == (2, 1)
    copy, original = store.document_by_id("copy.md"), store.document_by_id("original.txt")
    # files are read in name order, so copy.md is the first of its group
    assert original.duplicate_of == copy.pk and copy.duplicate_of is None
    assert store.duplicates_of(copy.pk) == ["original.txt"]


def test_labels_file_attaches_by_id_file_name_or_stem(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "set"
    (root / "docs").mkdir(parents=True)
    for i in range(4):
        (root / "docs" / f"r{i}.txt").write_text(f"review number {i}", encoding="utf-8")
    labels = root / "labels.csv"
    labels.write_text(
        "id,filename,label\n"
        "r0,docs/r0.txt,1\n"  # by file name, relative to the labels file
        "r1.txt,,0\n"  # by doc_id
        "r2,,relevant\n"  # by stem
        "r3,,maybe-ish\n"  # a label we do not know
        "zz,,1\n",  # no such document
        encoding="utf-8",
    )
    report = run_import(store, root / "docs", labels_file=labels)
    assert report.labels_attached == 3
    labels_now = {store.document(pk).doc_id: lab for pk, lab in store.current_labels().items()}
    assert labels_now == {"r0.txt": "relevant", "r1.txt": "not relevant", "r2.txt": "relevant"}
    problems = [reason for where, reason in report.skipped if where == str(labels)]
    assert problems == ["1 row(s) left out, their label is not one this project knows ('maybe-ish'), e.g. id 'r3'"]
    # rows for documents this project does not hold are a note, not an import error: the file matched others
    assert (str(labels), "1 id(s) match no document, e.g. 'zz'") in report.notes
    again = run_import(store, root / "docs", labels_file=labels)
    assert again.labels_attached == 0  # same labels again: no new decisions
    assert len(store.history()) == 3


def test_the_same_name_in_another_folder_is_a_document_of_its_own(store: Store, tmp_path: Path) -> None:
    """Ids are paths relative to the folder given, so two folders can both hold a.txt: the second
    must not overwrite the first; it gets its own path as its id, and a re-import finds it again."""
    for folder, text in (("d1", "a trial of methylphenidate"), ("d2", "a tax audit of the subsidiary")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.txt").write_text(text, encoding="utf-8")
    run_import(store, tmp_path / "d1")
    second = run_import(store, tmp_path / "d2")
    own_id = (tmp_path / "d2" / "a.txt").as_posix()
    assert (second.added, second.updated) == (1, 0)
    assert second.notes == ((own_id, f"the id a.txt already belongs to {tmp_path / 'd1' / 'a.txt'}: imported as {own_id}"),)
    assert store.document_by_id("a.txt").text == "a trial of methylphenidate"
    assert store.document_by_id(own_id).text == "a tax audit of the subsidiary"
    again = run_import(store, tmp_path / "d2")
    assert (again.added, again.unchanged, again.notes) == (0, 1, ())
    (tmp_path / "d2" / "a.txt").write_text("a tax audit, second draft", encoding="utf-8")
    edited = run_import(store, tmp_path / "d2")
    assert (edited.added, edited.updated) == (0, 1)
    assert store.document_by_id(own_id).text == "a tax audit, second draft"
    assert store.document_by_id("a.txt").text == "a trial of methylphenidate"


def test_the_same_record_id_in_another_file_is_a_document_of_its_own(store: Store, tmp_path: Path) -> None:
    first, other = tmp_path / "first.csv", tmp_path / "other.tsv"
    first.write_text("id,title,abstract\n1,Paper one,Abstract one\n", encoding="utf-8")
    other.write_text("id\ttitle\tabstract\n1\tAnother paper\tAnother abstract\n", encoding="utf-8")
    run_import(store, first)
    report = run_import(store, other)
    assert (report.added, report.updated) == (1, 0)
    assert store.document_by_id("1").title == "Paper one"
    assert store.document_by_id(f"{other}#1").title == "Another paper"


def test_record_file_import_with_labels_and_reimport(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "refs.csv"
    path.write_text(
        "id,title,abstract,label_included\n"
        "p1,Paper one,Abstract one,1\n"
        "p2,Paper two,Abstract two,0\n"
        "p3,Paper three,Abstract three,\n"
        "p4,,,1\n"
        "p5,Paper five,Abstract five,perhaps\n",
        encoding="utf-8",
    )
    report = run_import(store, path)
    assert (report.added, report.labels_attached) == (4, 2)
    reasons = dict(report.skipped)
    assert reasons == {"refs.csv record 4": "no title or text"}  # record 5 is imported, with a note
    assert dict(report.notes)["refs.csv record 5"] == "unknown label 'perhaps': imported without it"
    assert store.document_by_id("p1").title == "Paper one"

    path.write_text(path.read_text(encoding="utf-8").replace("Abstract three,", "Abstract three,1"), encoding="utf-8")
    again = run_import(store, path)
    assert (again.added, again.unchanged, again.labels_attached) == (0, 4, 1)
    assert store.current_label(store.document_by_id("p3").pk) == "relevant"


def test_missing_and_unsupported_sources_are_reported(store: Store, tmp_path: Path) -> None:
    odd = tmp_path / "data.xlsx"
    odd.write_bytes(b"PK")
    report = run_import(store, tmp_path / "nowhere", odd)
    assert dict(report.skipped) == {
        str(tmp_path / "nowhere"): "not found",
        str(odd): "unsupported file type .xlsx",
    }
    assert report.added == 0


def test_progress_reports_done_and_total(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    for i in range(7):
        (root / f"{i}.txt").write_text(f"text {i}", encoding="utf-8")
    (root / "bad.txt").write_bytes(b"")
    calls: list[tuple[int, int | None]] = []
    run_import(store, root, progress=lambda done, total: calls.append((done, total)), chunk_size=3)
    assert calls[0] == (0, 8) and calls[-1] == (8, 8)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_interrupted_import_is_consistent_and_a_rerun_finishes(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "big"
    root.mkdir()
    for i in range(10):
        (root / f"{i:02d}.txt").write_text(f"document {i}", encoding="utf-8")
    real_add = store.add_documents
    calls = {"n": 0}

    def failing_add(docs, batch_id=None):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_add(docs, batch_id)

    monkeypatch.setattr(store, "add_documents", failing_add)
    with pytest.raises(KeyboardInterrupt):
        run_import(store, root, chunk_size=3)
    assert store.count_documents() == 6  # two whole chunks committed, the third not at all
    monkeypatch.setattr(store, "add_documents", real_add)
    report = run_import(store, root, chunk_size=3)
    assert (report.added, report.unchanged) == (4, 6)
    assert store.count_documents() == 10


def test_walk_is_ordered_and_lists_what_is_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for name in ("b/2.txt", "b/1.txt", "a.txt", ".git/x.txt", ".hidden.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    errors: list[tuple[str, str]] = []
    found = [p.relative_to(tmp_path).as_posix() for p in walk_folder(tmp_path, lambda w, r: errors.append((w, r)))]
    assert found == ["a.txt", "b/1.txt", "b/2.txt"]
    hidden = "hidden (the name starts with a dot): not read"
    assert errors == [(str(tmp_path / ".git"), hidden), (str(tmp_path / ".hidden.txt"), hidden)]  # .git once


def test_bench_folder_of_2000_files_with_labels(store: Store) -> None:
    """The integration test of issue 2: 2,000 files, 2,000 labels (tokenised on all cores)."""
    folder = BENCH / "sentiment_movie_polarity2000_txt"
    if not folder.is_dir():
        pytest.skip("../shared/bench is absent")
    report = import_sources(store, [folder / "docs"], labels_file=folder / "labels.csv")
    assert report.skipped == ()
    assert report.added + report.duplicates == 2000
    assert store.count_documents() == 2000
    assert report.labels_attached == 2000
    counts = store.counts()
    assert (counts["relevant"], counts["not_relevant"]) == (1000, 1000)
    _, tokens, _ = store.corpus()
    assert all(tokens)


def test_ids_our_export_neutralised_read_back_as_themselves(store: Store, tmp_path: Path) -> None:
    """Export puts a quote before a cell a spreadsheet would run (=, +, -, @): a labels file or a
    record file written from that export must still name the same documents."""
    from review.csvsafe import neutralise

    records = tmp_path / "refs.csv"
    records.write_text("id,title,abstract\n=1+1,Formula id,First abstract\n+cmd,Plus id,Second abstract\n",
                       encoding="utf-8")
    run_import(store, records)
    assert store.document_by_id("=1+1") is not None
    labels = tmp_path / "labels.csv"
    labels.write_text(f"id,label\n{neutralise('=1+1')},1\n{neutralise('+cmd')},0\n", encoding="utf-8")
    report = run_import(store, records, labels_file=labels)
    assert (report.labels_attached, report.skipped) == (2, ())
    exported = tmp_path / "exported.csv"
    exported.write_text(f"id,title,abstract\n{neutralise('=1+1')},Formula id,First abstract\n", encoding="utf-8")
    again = run_import(store, exported)
    assert (again.added, again.unchanged) == (0, 1)  # the same document, not a new one with a quoted id


def test_import_errors_do_not_pile_up_and_clear_once_a_file_reads(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    root.mkdir()
    (root / "good.txt").write_text("a readable document", encoding="utf-8")
    (root / "empty.txt").write_text("", encoding="utf-8")
    for _ in range(3):
        run_import(store, root)
    assert store.counts()["import_errors"] == 1
    assert [path for path, _ in store.import_errors()] == [str(root / "empty.txt")]
    (root / "empty.txt").write_text("now it has text", encoding="utf-8")
    run_import(store, root)
    assert store.counts()["import_errors"] == 0


def test_a_record_file_without_rows_says_so(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "header_only.csv"
    path.write_text("id,title,abstract\n", encoding="utf-8")
    report = run_import(store, path)
    assert report.added == 0
    assert dict(report.skipped) == {str(path): "no records: the file has a header (or nothing) but no rows"}


def test_the_same_folder_from_another_working_directory_is_still_the_same_source(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "proj" / "docs").mkdir(parents=True)
    (tmp_path / "proj" / "docs" / "a.txt").write_text("first version", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "proj")
    run_import(store, Path("docs"))  # stored as typed: docs/a.txt
    (tmp_path / "proj" / "docs" / "a.txt").write_text("second version", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    again = run_import(store, Path("proj/docs"))
    assert (again.added, again.updated, again.notes) == (0, 1, ())
    assert store.count_documents() == 1 and store.document_by_id("a.txt").text == "second version"


def test_labels_follow_the_document_kept_apart(store: Store, tmp_path: Path) -> None:
    for folder, text in (("A", "about pricing"), ("B", "about the weather")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.txt").write_text(text, encoding="utf-8")
    run_import(store, tmp_path / "A")
    labels = tmp_path / "labels.csv"
    labels.write_text("id,label\na.txt,relevant\n", encoding="utf-8")
    report = run_import(store, tmp_path / "B", labels_file=labels)
    assert report.labels_attached == 1
    assert store.current_label(store.document_by_id("a.txt").pk) is None
    assert store.current_label(store.document_by_id((tmp_path / "B" / "a.txt").as_posix()).pk) == "relevant"


def test_record_ids_that_end_a_file_name_do_not_collide(store: Store, tmp_path: Path) -> None:
    for name, texts in (("ra.csv", ("first A", "second A")), ("rb.csv", ("first B", "second B"))):
        (tmp_path / name).write_text(f"id,title\nv,{texts[0]}\nsv,{texts[1]}\n", encoding="utf-8")
    run_import(store, tmp_path / "ra.csv")
    report = run_import(store, tmp_path / "rb.csv")
    assert (report.added, report.updated) == (2, 0)
    assert store.document_by_id(f"{tmp_path / 'rb.csv'}#v").title == "first B"
    assert store.document_by_id(f"{tmp_path / 'rb.csv'}#sv").title == "second B"
    assert store.count_documents() == 4


def test_a_record_error_clears_once_the_record_imports(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "refs.csv"
    path.write_text("id,title,abstract\np1,One,First\np2,,\n", encoding="utf-8")
    run_import(store, path)
    assert store.import_errors() == [("refs.csv record 2", "no title or text")]
    path.write_text("id,title,abstract\np1,One,First\np2,Two,Second\n", encoding="utf-8")
    run_import(store, path)
    assert store.import_errors() == []


def test_a_missing_source_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    (tmp_path / "here").mkdir()
    with pytest.raises(IngestError, match=r"nowhere: not found \(and 1 more source\(s\) not found\)\. Nothing"):
        check_sources([tmp_path / "here", tmp_path / "nowhere", tmp_path / "gone.csv"])
    (tmp_path / "dangling").symlink_to(tmp_path / "absent")
    with pytest.raises(IngestError, match="dangling: broken symbolic link"):
        check_sources([tmp_path / "dangling"])
    check_sources([tmp_path / "here"])  # present: no error


def test_the_import_record_names_the_sources_resolved(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("a memo about prices", encoding="utf-8")
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    run_import(store, Path("../docs"))
    assert store.counts()["last_import"]["source"] == str(tmp_path.resolve() / "docs")


LABELLED = "id,title,abstract,Relevant\np1,Paper one,Abstract one,yes\np2,Paper two,Abstract two,no\np3,Three,Three,maybe\n"


def test_labels_from_a_record_column_are_attributed_to_it(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "screened.csv"
    path.write_text(LABELLED, encoding="utf-8")
    report = run_import(store, path)
    assert (report.added, report.labels_attached) == (3, 3)
    assert report.label_sources == ("column 'Relevant' of screened.csv",)
    assert report.labels_file_matched is None
    assert [store.current_label(store.document_by_id(i).pk) for i in ("p1", "p2", "p3")] == [
        "relevant", "not relevant", "skipped"]


def test_without_record_labels_only_the_documents_are_imported(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "screened.csv"
    path.write_text(LABELLED, encoding="utf-8")
    report = run_import(store, path, record_labels=False)
    assert (report.added, report.labels_attached, report.label_sources) == (3, 0, ())
    assert not store.has_decisions()
    assert "Relevant" not in store.document_by_id("p1").metadata  # a blind review: the label is not shown either


def test_a_labels_file_reports_how_many_rows_matched(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "refs.csv"
    path.write_text("id,title\np1,One\np2,Two\n", encoding="utf-8")
    labels = tmp_path / "lab.csv"
    labels.write_text("id,label\nzz,1\np1,perhaps\n", encoding="utf-8")
    none = run_import(store, path, labels_file=labels)
    assert (none.labels_attached, none.labels_file_matched, none.label_sources) == (0, 0, ())
    labels.write_text("id,label\nzz,1\np1,1\n", encoding="utf-8")
    one = run_import(store, labels_file=labels)
    assert (one.labels_attached, one.labels_file_matched, one.label_sources) == (1, 1, ("lab.csv",))
    again = run_import(store, labels_file=labels)  # already attached: matched, though nothing new
    assert (again.labels_attached, again.labels_file_matched) == (0, 1)


def test_labels_file_rows_a_reviewer_decided_otherwise_are_named_and_skips_take_a_label(store: Store,
                                                                                       tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("a", "b", "c"):
        (docs / f"{name}.txt").write_text(f"Memo {name}\nabout prices {name}", encoding="utf-8")
    run_import(store, docs)
    store.record(store.document_by_id("a.txt").pk, "relevant", "ann")
    store.record(store.document_by_id("b.txt").pk, SKIPPED, "ann")
    labels = tmp_path / "labels.csv"
    labels.write_text("id,label\na.txt,0\nb.txt,1\nc.txt,1\n", encoding="utf-8")
    report = run_import(store, labels_file=labels)
    assert report.labels_attached == 2
    assert store.current_label(store.document_by_id("a.txt").pk) == "relevant"  # the reviewer's stays
    assert store.current_label(store.document_by_id("b.txt").pk) == "relevant"
    assert report.notes == ((str(labels), "1 row(s) differ from a reviewer's decision, which is kept, e.g. 'a.txt'"),)
