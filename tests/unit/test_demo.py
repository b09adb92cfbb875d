"""The demo corpus: deterministic, in sync with corpora/demo, readable, with a sane answer key."""

from __future__ import annotations

import csv
from pathlib import Path

from review.demo import N_DUPLICATES, generate, write_demo
from review.hashing import content_hash
from review.readers import read_file

CORPUS = Path(__file__).resolve().parents[2] / "corpora" / "demo"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generator_is_deterministic_and_seeded() -> None:
    first, second = generate(), generate()
    assert first == second
    assert generate(seed=1) != first


def test_corpora_demo_is_what_the_generator_writes(tmp_path: Path) -> None:
    write_demo(tmp_path)
    expected = tree(tmp_path)
    assert tree(CORPUS) == expected, "corpora/demo is stale: run `python corpora/make_demo.py`"


def test_answer_key_matches_the_files_and_prevalence_is_low(tmp_path: Path) -> None:
    write_demo(tmp_path)
    with (tmp_path / "labels.csv").open(encoding="utf-8", newline="") as handle:
        key = {row["id"]: row["label"] for row in csv.DictReader(handle)}
    files = {p.relative_to(tmp_path / "docs").as_posix() for p in (tmp_path / "docs").rglob("*") if p.is_file()}
    assert set(key) == files
    assert 300 <= len(key) <= 500
    relevant = sum(v == "1" for v in key.values())
    assert set(key.values()) == {"0", "1"}
    assert 0.03 <= relevant / len(key) <= 0.10
    assert {Path(f).suffix for f in files} == {".eml", ".txt", ".md", ".html"}


def test_every_demo_file_reads_and_only_the_copies_are_duplicates(tmp_path: Path) -> None:
    write_demo(tmp_path)
    docs = sorted((tmp_path / "docs").rglob("*.*"))
    hashes = {p.relative_to(tmp_path / "docs").as_posix(): content_hash(read_file(p).text) for p in docs}
    assert len(set(hashes.values())) == len(hashes) - N_DUPLICATES
    copies = [name for name in hashes if name.startswith("shared/copy of ")]
    assert len(copies) == N_DUPLICATES
    originals = {name: hashes[name] for name in hashes if not name.startswith("shared/")}
    assert len(set(originals.values())) == len(originals)


def test_near_misses_share_the_relevant_vocabulary() -> None:
    """Ranking is not trivial: words of the matter appear in non-relevant documents too."""
    docs = generate()
    for word in ("Ardmore", "Harbour", "price", "understanding", "Colin"):
        assert any(word in d.content for d in docs if d.relevant), word
        assert any(word in d.content for d in docs if not d.relevant), word
