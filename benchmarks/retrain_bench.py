"""Retrain + rescore time on a synthetic corpus (default 100,000 documents).

Usage (from the repo root; nice, the machine is shared):

    nice python benchmarks/retrain_bench.py --docs 100000 --repeats 15

Documents are a title of 10 words and a text of ~`--length` words, drawn from
a Zipf vocabulary of 50,000 words, with a planted topic in 3 % of them; stored as
the import stores them ("title terms\nbody terms"), so title features are on. It prints the time to fit the vocabulary
(`load_corpus`), then for several label counts the median and p95 of one
`Engine.rank` call (fit on the labelled rows + score every row + order), per
strategy, and the cost of `extend_corpus` with 1,000 new documents against a
full refit of the vocabulary.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from review.engine import Engine  # noqa: E402


TITLE_WORDS = 10


def synthetic_corpus(n_docs: int, length: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Zipf-distributed words, a title line first; 3 % of documents carry extra topic words (label 1)."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(50_000)])
    topic = vocab[rng.choice(50_000, 40, replace=False)]
    gold = (rng.random(n_docs) < 0.03).astype(int)
    lengths = rng.integers(length // 2, length * 3 // 2, n_docs)
    ranks = np.minimum(rng.zipf(1.3, lengths.sum()) - 1, 49_999)
    words = vocab[ranks]
    docs, start = [], 0
    for i, n in enumerate(lengths):
        doc = words[start : start + n].tolist()
        start += n
        if gold[i]:
            doc += rng.choice(topic, 8).tolist()
        docs.append(" ".join(doc[:TITLE_WORDS]) + "\n" + " ".join(doc[TITLE_WORDS:]))
    return docs, gold


def percentile_ms(times: list[float]) -> str:
    arr = np.asarray(times) * 1000
    return f"median {np.median(arr):8.1f} ms   p95 {np.percentile(arr, 95):8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--length", type=int, default=120)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--labels", default="100,1000,5000")
    parser.add_argument("--strategies", default="relevance,uncertainty,mixed,committee")
    args = parser.parse_args()

    t = time.perf_counter()
    docs, gold = synthetic_corpus(args.docs, args.length)
    print(f"corpus: {args.docs} docs, {sum(map(len, docs)) / 1e6:.0f} MB text, generated in {time.perf_counter() - t:.1f}s")
    engine = Engine(random_state=0)
    t = time.perf_counter()
    engine.load_corpus(docs)
    vec = engine._vectorizer
    assert vec is not None
    print(f"load_corpus (vocabulary + tf-idf): {time.perf_counter() - t:.1f}s; "
          f"{vec.matrix_.shape[1]} columns ({vec.n_features_} kept), {vec.matrix_.nnz / 1e6:.1f}M non-zeros")

    rng = np.random.default_rng(1)
    for n_labels in (int(x) for x in args.labels.split(",")):
        labels = np.full(args.docs, -1)
        rows = rng.choice(args.docs, n_labels, replace=False)
        labels[rows] = gold[rows]
        labels[rows[:2]] = [1, 0]  # both labels present
        for strategy in args.strategies.split(","):
            repeats = max(3, args.repeats // 3) if strategy == "committee" else args.repeats
            times = []
            for version in range(repeats):
                start = time.perf_counter()
                engine.rank(labels, version=version, strategy=strategy)
                times.append(time.perf_counter() - start)
            print(f"rank {n_labels:>6} labels  {strategy:<11} {percentile_ms(times)}  (n={repeats})", flush=True)

    new_docs, _ = synthetic_corpus(1000, args.length, seed=7)
    t = time.perf_counter()
    engine.extend_corpus(new_docs)
    extend_s = time.perf_counter() - t
    t = time.perf_counter()
    Engine(random_state=0).load_corpus(docs + new_docs)
    refit_s = time.perf_counter() - t
    print(f"extend_corpus +1000 docs: {extend_s:.2f}s   full refit of {args.docs + 1000} docs: {refit_s:.2f}s")


if __name__ == "__main__":
    main()
