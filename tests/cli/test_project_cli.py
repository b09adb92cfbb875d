"""init, import, export, status and demo through click's CliRunner."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

from click.testing import CliRunner

from review.cli import cli
from review.store import Store


def _run(*args: str) -> object:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    for i in range(12):
        topic = "pricing agreement with the distributor" if i % 3 == 0 else "parking and lunch plans"
        (folder / ("sub" if i % 2 else "") / f"m{i:02d}.txt").write_text(f"Memo {i}\n{topic} number {i}\n", encoding="utf-8")
    (folder / "zcopy.txt").write_text("Memo 0\npricing agreement with the distributor number 0\n", encoding="utf-8")
    (folder / "blob.txt").write_bytes(bytes(range(256)) * 20)
    return folder


def test_import_status_export_round_trip(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    folder = _folder(tmp_path)
    result = _run("import", str(folder), "--db", db, "-q")
    assert result.exit_code == 0, result.output
    assert "Imported 12 new document(s), 1 exact duplicate(s)" in result.output
    assert "blob.txt" in result.output  # skipped, with its reason

    status = json.loads(_run("status", "--db", db, "--json").output)
    assert (status["documents"], status["duplicates"], status["import_errors"], status["decided"]) == (13, 1, 1, 0)

    store = Store.open(db)
    for doc_id, label in (("m00.txt", "relevant"), ("sub/m01.txt", "not relevant"), ("m02.txt", "skipped")):
        store.record(store.document_by_id(doc_id).pk, label, "ann")
    out = tmp_path / "decisions.csv"
    assert _run("export", "--db", db, "-o", str(out)).exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert {(r["id"], r["label"]) for r in rows} == {
        ("m00.txt", "relevant"), ("zcopy.txt", "relevant"), ("sub/m01.txt", "not relevant"), ("m02.txt", "skipped"),
    }

    # The exported file seeds a fresh project with the same decisions.
    db2 = str(tmp_path / "q.db")
    result = _run("import", str(folder), "--db", db2, "--labels", str(out), "-q")
    assert result.exit_code == 0, result.output
    again = json.loads(_run("status", "--db", db2, "--json").output)
    assert (again["relevant"], again["not_relevant"], again["skipped"]) == (1, 1, 1)


def test_reimport_adds_only_new_and_keeps_decisions(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    folder = _folder(tmp_path)
    _run("import", str(folder), "--db", db, "-q")
    store = Store.open(db)
    store.record(store.document_by_id("m00.txt").pk, "relevant", "ann")
    (folder / "m00.txt").write_text("Memo 0 rewritten after review\n", encoding="utf-8")
    (folder / "new.txt").write_text("A new production document\n", encoding="utf-8")
    result = _run("import", str(folder), "--db", db, "-q")
    assert "Imported 1 new document(s)" in result.output
    assert store.document_by_id("m00.txt").text.startswith("Memo 0\npricing")
    assert store.current_label(store.document_by_id("m00.txt").pk) == "relevant"


def test_bad_input_is_one_clear_line_not_a_traceback(tmp_path: Path) -> None:
    missing = _run("status", "--db", str(tmp_path / "none.db"))
    assert missing.exit_code == 1 and "No project database" in missing.output and "Traceback" not in missing.output
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"nope" * 1000)
    bad = _run("status", "--db", str(garbage))
    assert bad.exit_code == 1 and "not a review project database" in bad.output
    nothing = _run("import", str(tmp_path / "no-such-folder"), "--db", str(tmp_path / "p.db"), "-q")
    assert nothing.exit_code == 1 and "Nothing was imported" in nothing.output
    labels = _run("init", "--db", str(tmp_path / "p.db"), "--labels", "only-one")
    assert labels.exit_code == 1 and "exactly two names" in labels.output


def test_init_sets_labels_and_goal(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    result = _run("init", "--db", db, "--labels", "positive,negative", "--goal", "train-classifier")
    assert result.exit_code == 0 and "uncertainty" in result.output
    config = Store.open(db).config()
    assert config.labels.positive == "positive" and config.goal == "train-classifier"


def test_status_text_names_the_labels(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    _run("init", "--db", db, "--labels", "positive,negative")
    text = _run("status", "--db", db).output
    assert "positive: 0" in text and "Model" in text


def test_demo_without_a_terminal_plays_a_scripted_review(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path / "demo")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Decided" in result.output and "Model          v" in result.output
    store = Store.open(tmp_path / "demo" / "review.db")
    assert store.counts()["decided"] == 80
    # enough decisions for an estimate: its lower end, the point and the remaining
    shown = re.search(r"Recall         ≥ (\d+) % \(estimate (\d+) %\); ≈ (\d+) relevant left \(up to (\d+)\)", result.output)
    assert shown, result.output
    low, _, left, most = (int(g) for g in shown.groups())
    found = int(re.search(r"relevant: (\d+)", result.output).group(1))
    assert left <= most <= math.ceil(found * (100 - low) / low)  # the count agrees with the bound beside it
    assert io.StringIO(result.output).getvalue().count("Traceback") == 0


def test_labels_alone_go_to_documents_already_imported(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    records = tmp_path / "refs.csv"
    records.write_text("id,title,abstract\np1,One,First\np2,Two,Second\n", encoding="utf-8")
    assert _run("import", str(records), "--db", db).exit_code == 0
    labels = tmp_path / "labels.csv"
    labels.write_text("id,label\np1,1\np2,0\n", encoding="utf-8")
    result = _run("import", "--db", db, "--labels", str(labels))
    assert result.exit_code == 0 and "2 label(s) attached" in result.output
    nothing = _run("import", "--db", db)
    assert nothing.exit_code == 2 and "Give the folders or record files to import" in nothing.output


def test_labels_alone_again_is_not_an_error(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    records = tmp_path / "refs.csv"
    records.write_text("id,title,abstract\np1,One,First\n", encoding="utf-8")
    _run("import", str(records), "--db", db)
    labels = tmp_path / "labels.csv"
    labels.write_text("id,label\np1,1\n", encoding="utf-8")
    assert _run("import", "--db", db, "--labels", str(labels)).exit_code == 0
    again = _run("import", "--db", db, "--labels", str(labels))
    assert again.exit_code == 0 and "0 label(s) attached" in again.output
    status = json.loads(_run("status", "--db", db, "--json").output)
    assert status["last_import"]["source"] == f"labels {labels}"


def test_utf16_files_from_notepad_and_excel_are_imported(tmp_path: Path) -> None:
    folder = tmp_path / "u16"
    folder.mkdir()
    (folder / "memo.txt").write_text("Memo about pricing\n" * 5, encoding="utf-16")
    sheet = tmp_path / "sheet.tsv"
    sheet.write_text("id\ttitle\ttext\n1\tPrices\tUp by 5 %\n2\tLunch\tOn Friday\n", encoding="utf-16")
    result = _run("import", str(folder), str(sheet), "--db", str(tmp_path / "p.db"), "-q")
    assert result.exit_code == 0, result.output
    assert "Imported 3 new document(s)" in result.output and "binary" not in result.output


def test_a_missing_source_creates_no_project(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    result = _run("import", "--db", str(db), str(tmp_path / "nonexistent" / "dir"))
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {tmp_path / 'nonexistent' / 'dir'}: not found. Nothing was imported."
    assert not db.exists()


def test_an_import_that_adds_nothing_leaves_no_new_project_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("id,title,text\n", encoding="utf-8")
    db = tmp_path / "x.db"
    result = _run("import", "--db", str(db), str(empty), "-q")
    assert result.exit_code == 1 and f"Nothing was imported and {db} was not created." in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.csv"]  # no -wal or -shm left either
    _run("init", "--db", str(db))
    again = _run("import", "--db", str(db), str(empty), "-q")
    assert again.exit_code == 1 and again.output.rstrip().endswith("Error: Nothing was imported.")
    assert db.exists()  # an existing project is kept


def test_a_new_file_another_import_wrote_to_meanwhile_is_kept(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import review.ingest
    from review.ingest import ImportOutcome
    from review.models import NewDocument

    db = tmp_path / "p.db"
    empty = tmp_path / "empty.csv"
    empty.write_text("id,title,text\n", encoding="utf-8")

    def racing_import(store: Store, *args: object, **kwargs: object) -> ImportOutcome:
        other = Store.open(db)  # a second `review import` into the same new file, at the same moment
        other.add_documents([NewDocument(doc_id="x1", title="X", text="kept", source="other")], other.begin_batch("x"))
        other.close()
        return ImportOutcome(batch_id=0)

    monkeypatch.setattr(review.ingest, "import_sources", racing_import)
    result = _run("import", "--db", str(db), str(empty), "-q")
    assert result.exit_code == 1 and result.output.rstrip().endswith("Error: Nothing was imported.")
    assert Store.open(db).document_by_id("x1") is not None


def test_a_new_file_another_import_still_has_open_is_kept(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import review.ingest
    from review.ingest import ImportOutcome
    from review.models import NewDocument

    db = tmp_path / "p.db"
    empty = tmp_path / "empty.csv"
    empty.write_text("id,title,text\n", encoding="utf-8")
    others: list[Store] = []

    def racing_import(store: Store, *args: object, **kwargs: object) -> ImportOutcome:
        others.append(Store.open(db))  # a second import has the new file open, nothing committed yet
        return ImportOutcome(batch_id=0)

    monkeypatch.setattr(review.ingest, "import_sources", racing_import)
    result = _run("import", "--db", str(db), str(empty), "-q")
    assert result.exit_code == 1 and result.output.rstrip().endswith("Error: Nothing was imported.")
    other = others[0]
    other.add_documents([NewDocument(doc_id="x1", title="X", text="kept", source="other")], other.begin_batch("x"))
    other.close()
    assert Store.open(db).document_by_id("x1") is not None  # its commit went into the file, not a deleted one


def test_a_broken_pipe_that_is_not_standard_output_is_reported(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import review.ingest

    def worker_died(*args: object, **kwargs: object) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    (tmp_path / "a.txt").write_text("a memo", encoding="utf-8")
    monkeypatch.setattr(review.ingest, "import_sources", worker_died)
    result = _run("import", "--db", str(tmp_path / "p.db"), str(tmp_path / "a.txt"), "-q")
    assert result.exit_code == 1 and "Error: Broken pipe" in result.output


def test_labels_from_a_record_column_are_announced_and_can_be_refused(tmp_path: Path) -> None:
    assert "--no-labels" in _run("import", "--help").output
    assert "label, label_included, included, relevant, final_included" in " ".join(_run("import", "--help").output.split())
    records = tmp_path / "screened.csv"
    records.write_text("id,title,abstract,label_included\np1,One,First,yes\np2,Two,Second,no\np3,Three,Third,\n",
                       encoding="utf-8")
    db = str(tmp_path / "p.db")
    result = _run("import", str(records), "--db", db, "-q")
    assert result.exit_code == 0, result.output
    assert ("2 label(s) attached from column 'label_included' of screened.csv "
            "(use --no-labels to import the documents only).") in result.output
    blind = str(tmp_path / "q.db")
    result = _run("import", str(records), "--db", blind, "-q", "--no-labels")
    assert result.exit_code == 0 and "0 label(s) attached" in result.output and "from column" not in result.output
    assert json.loads(_run("status", "--db", blind, "--json").output)["decided"] == 0


def test_a_labels_file_that_attaches_nothing_is_an_error(tmp_path: Path) -> None:
    db = str(tmp_path / "p.db")
    records = tmp_path / "refs.csv"
    records.write_text("id,title,abstract\np1,One,First\n", encoding="utf-8")
    _run("import", str(records), "--db", db, "-q")
    labels = tmp_path / "lab.csv"
    labels.write_text("id,label\nzz1,1\nzz2,0\n", encoding="utf-8")
    result = _run("import", "--db", db, "--labels", str(labels))
    assert result.exit_code == 1
    assert "0 label(s) attached, 1 skipped" in result.output
    assert f"Error: No row of {labels} named a document of the project with a known label" in result.output
    fresh = tmp_path / "new.db"
    assert _run("import", "--db", str(fresh), "--labels", str(labels)).exit_code == 1
    assert not fresh.exists()
    more = tmp_path / "more.csv"
    more.write_text("id,title,abstract\np2,Two,Second\n", encoding="utf-8")
    both = _run("import", str(more), "--db", db, "--labels", str(labels))
    assert both.exit_code == 1  # the documents came in; the labels file did not match: say both
    assert f"Error: The documents were imported, but no row of {labels} named a document" in both.output
    assert json.loads(_run("status", "--db", db, "--json").output)["documents"] == 2


def test_init_with_bad_labels_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    result = _run("init", "--db", str(db), "--labels", "relevant")
    assert result.exit_code == 1 and "--labels takes exactly two names" in result.output
    assert not db.exists()


def test_validate_says_a_size_without_new_shows_the_finished_result(filled_store: Store) -> None:
    from review import validation
    from review.session import ReviewSession

    db = str(filled_store.path)
    filled_store.attach_labels([("d000", "1"), ("d001", "0")])
    drawn = validation.start(filled_store, size=3, random_state=1)
    session = ReviewSession(filled_store, "ann")
    for _ in range(drawn.size):
        session.not_relevant()
    shown = _run("validate", "--db", db, "--size", "100000")
    assert shown.exit_code == 0 and "Elusion test: 0 relevant in a random sample of 3 of 18" in shown.output
    assert ("This is the finished sample's result; --size 100000 draws nothing without --new "
            "(`review validate --new --size 100000` draws a fresh sample of that size") in shown.output
    fresh = _run("validate", "--db", db, "--size", "100000", "--new")
    assert fresh.exit_code == 0
    assert "--size 100000 is more than the 15 unreviewed documents: the sample is all of them." in fresh.output
    assert "Drew an elusion sample of 15 of 15" in fresh.output


def test_export_into_a_pipe_closed_early_stops_quietly(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.conftest import tiny_docs

    db = tmp_path / "big.db"
    store = Store.open(db)
    store.add_documents(tiny_docs(3000), store.begin_batch("test"))  # far more than a pipe's buffer
    store.close()
    process = subprocess.Popen([sys.executable, "-m", "review", "export", "--all", "--db", str(db)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stdout.readline().startswith(b"id,")
    process.stdout.close()  # `| head -1`
    _, err = process.communicate(timeout=60)
    assert err.decode() == ""


def test_export_dash_is_standard_output_and_bom_is_for_excel(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "p.db")
    _run("import", str(_folder(tmp_path)), "--db", db, "-q")
    monkeypatch.chdir(tmp_path)
    result = _run("export", "--db", db, "-o", "-", "--all")
    assert result.output.startswith("id,title,") and not (tmp_path / "-").exists()
    out = tmp_path / "excel.csv"
    assert _run("export", "--db", db, "-o", str(out), "--bom").exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfid,title,")
    assert next(csv.reader(out.open(encoding="utf-8-sig")))[0] == "id"
    assert _run("export", "--db", db, "--bom").output.startswith("\ufeffid,")
