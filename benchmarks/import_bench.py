"""Import throughput and peak memory on a synthetic folder of short documents.

    python benchmarks/import_bench.py                 # 100,000 documents
    python benchmarks/import_bench.py --docs 10000    # quicker

Writes the folder and the project database in a temporary directory (removed
afterwards unless --keep), imports it with review.ingest.import_sources and
prints documents per second and the peak resident memory of this process and
of the largest tokenising worker (ru_maxrss; the workers are shut down first
so that they count).
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from review.ingest import import_sources
from review.store import Store

WORDS = (
    "price contract supplier customer invoice delivery pallet carton board meeting agreement review "
    "quarter forecast margin volume order shipment warehouse schedule report budget cost energy paper "
    "fibre liner plant shift team manager director account tender discount rebate market competitor "
    "quality sample artwork design print machine maintenance safety incident training policy holiday"
).split()


def make_folder(root: Path, n_docs: int, words: int, seed: int) -> None:
    """Write `n_docs` short text files (1% exact duplicates) in folders of 1,000."""
    rng = random.Random(seed)
    texts: list[str] = []
    for i in range(n_docs):
        folder = root / f"part{i // 1000:03d}"
        if i % 1000 == 0:
            folder.mkdir(parents=True)
        if texts and rng.random() < 0.01:
            text = rng.choice(texts)
        else:
            length = rng.randint(words // 2, words * 3 // 2)
            body = " ".join(rng.choice(WORDS) + ("." if rng.random() < 0.08 else "") for _ in range(length))
            text = f"Memo {i}: {rng.choice(WORDS)} {rng.choice(WORDS)}\n{body}\n"
            if len(texts) < 1000:
                texts.append(text)
        (folder / f"doc{i:06d}.txt").write_text(text, encoding="utf-8")


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports kilobytes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000, help="documents to generate (default 100,000)")
    parser.add_argument("--words", type=int, default=60, help="average words per document (default 60)")
    parser.add_argument("--n-jobs", type=int, default=-1, help="tokenising processes (default: all cores)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and database")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="review-import-bench-"))
    try:
        started = time.perf_counter()
        make_folder(work / "docs", args.docs, args.words, args.seed)
        print(f"wrote {args.docs:,} files in {time.perf_counter() - started:.1f} s ({work / 'docs'})")
        base = peak_mb(resource.RUSAGE_SELF)
        store = Store.open(work / "review.db")
        started = time.perf_counter()
        report = import_sources(store, [work / "docs"], n_jobs=args.n_jobs)
        seconds = time.perf_counter() - started
        store.close()
        if args.n_jobs != 1:  # reap the tokenising workers so that ru_maxrss counts them
            from joblib.externals.loky import get_reusable_executor

            get_reusable_executor().shutdown(wait=True)
        total = report.added + report.duplicates
        print(f"imported {total:,} documents ({report.added:,} unique, {report.duplicates:,} duplicates, "
              f"{len(report.skipped)} skipped) in {seconds:.1f} s")
        print(f"throughput: {total / seconds:,.0f} documents/s")
        print(f"peak memory: main process {peak_mb(resource.RUSAGE_SELF):,.0f} MB "
              f"(before the import {base:,.0f} MB); largest tokenising worker "
              f"{peak_mb(resource.RUSAGE_CHILDREN):,.0f} MB")
        print(f"database: {(work / 'review.db').stat().st_size / 1048576:,.0f} MB")
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
