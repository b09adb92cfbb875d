"""Grid over ranker/engine parameters: docs read to 95 % recall on the bench collections.

Usage (from the repo root; run with nice, the machine is shared):

    nice python benchmarks/tune_ranker.py --seeds 1-3 --batch autotar \
        --grid '[{}, {"C": 4.0}, {"balance_ratio": 4.0}]'

Each grid entry is a dict of Engine keyword arguments (ranker_params plus
"strategy"/"batch" overrides). For every entry it prints n95 per collection
(mean over seeds), the ratio to ASReview's n95 from ../shared/bench/PEER-ASREVIEW.md,
the mean ratio, the worst ratio and the mean wall time per run.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from review.engine import Engine  # noqa: E402
from review.simulate import default_priors, learning_curve, load_tokens, read_labelled, simulate  # noqa: E402

BENCH = REPO.parent / "shared" / "bench"
PEER_RUNS = REPO / "benchmarks" / "out" / "asreview"
LOW_PREVALENCE = (
    "sr_cohen2006_adhd", "sr_cohen2006_ppi", "sr_kitchenham2010", "sr_nagtegaal2019",
    "news20_scimed", "legal_cuad_change_of_control",
)


ASREVIEW_N95_SEEDS_1_5 = {
    "sr_cohen2006_adhd": 232.8, "sr_cohen2006_ppi": 679.4, "sr_kitchenham2010": 479.0,
    "sr_nagtegaal2019": 438.0, "news20_scimed": 607.0, "legal_cuad_change_of_control": 772.2,
}
"""ASReview elas_u4 mean n95 over seeds 1-5 (asreview_peer.py runs, as in README-ranking.md).
Used as the denominator for any seeds when the per-seed JSON files are not present:
ASReview's seed-to-seed sd is 2-24, so seeds 6-10 of ours are compared to these too."""


def peer_n95(seeds: list[int], bench: Path = BENCH) -> dict[str, float]:
    """ASReview's mean n95 per collection over `seeds`.

    From benchmarks/out/asreview/<name>.seed<S>.json (written by asreview_peer.py,
    same priors and seeds) when every seed is there, else the 3-seed means in
    ../shared/bench/PEER-ASREVIEW.md.
    """
    out = {}
    text = (bench / "PEER-ASREVIEW.md").read_text(encoding="utf-8")
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) >= 7 and cells[0].endswith(".csv"):
            m = re.match(r"([\d.]+)", cells[6])
            if m:
                out[cells[0][:-4]] = float(m.group(1))
    out.update(ASREVIEW_N95_SEEDS_1_5)
    for name in list(out):
        files = [PEER_RUNS / f"{name}.seed{s}.json" for s in seeds]
        if all(f.exists() for f in files):
            out[name] = float(np.mean([json.loads(f.read_text())["n95"] for f in files]))
    return out


def parse_seeds(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1)) if "," not in text else [int(x) for x in text.split(",")]


def surface_tokens(name: str, titles: list[str], texts: list[str]) -> list[str]:
    """Lower-cased spaCy tokens without lemmas (the variant README-ranking.md compares), cached."""
    from joblib import dump, load

    from review.simulate import cache_dir

    path = cache_dir() / f"surface-{name}.joblib"
    if path.exists():
        return load(path)
    import spacy

    nlp = spacy.blank("en")
    docs = nlp.pipe((f"{t}\n{x}"[:200_000] for t, x in zip(titles, texts)), batch_size=256)
    tokens = [" ".join(tok.lower_ for tok in doc if not (tok.is_space or tok.is_punct)) for doc in docs]
    path.parent.mkdir(parents=True, exist_ok=True)
    dump(tokens, path)
    return tokens


def collection_tokens(name: str, kind: str) -> tuple[list[str], np.ndarray]:
    """Tokens of a bench collection: "lemma" (review.text, what the product stores: "title\nbody"),
    "surface", or "titleblock" (the title's terms once more as their own features, "t_" + term)."""
    labelled = read_labelled(BENCH / f"{name}.csv")
    if kind == "surface":
        return surface_tokens(name, labelled.titles, labelled.texts), labelled.labels
    tokens = load_tokens(labelled)
    if kind == "titleblock":
        from review.ranker import distinct_share, title_part

        titles = [title_part(t) for t in tokens]
        if distinct_share(titles) >= 0.5:
            tokens = [" ".join("t_" + w for w in t.split()) + " " + x.replace("\n", " ") if t else x
                      for t, x in zip(titles, tokens)]
    return tokens, labelled.labels


_MATRICES: dict[tuple, object] = {}
"""In-process cache of fitted vectorisers by (collection tokens id, vectoriser params)."""


def run_one(tokens: list[str], gold: np.ndarray, seed: int, params: dict, batch: str) -> dict:
    from review.ranker import VECTORIZER_PARAMS

    params = dict(params)
    strategy = params.pop("strategy", "relevance")
    batch = str(params.pop("batch", batch))
    start = time.perf_counter()
    engine = Engine(strategy=strategy, random_state=seed, **params)
    key = (id(tokens), json.dumps({k: v for k, v in params.items() if k in VECTORIZER_PARAMS}, sort_keys=True))
    if key not in _MATRICES:
        engine.load_corpus(tokens)
        _MATRICES[key] = engine._vectorizer
    engine._vectorizer = _MATRICES[key]  # type: ignore[assignment]
    run = simulate(engine, gold, default_priors(gold, seed), batch=batch)
    metrics = run.metrics(gold)
    metrics["wall_s"] = time.perf_counter() - start
    return metrics


CURVE_COUNTS = (10, 20, 30, 40, 60, 80, 100, 150, 200, 300, 400, 600, 800, 1000, 1400, 2000)
SENTIMENT = ("sentiment_movie_polarity2000", "sentiment_uci_sentences")


def labels_needed(points: list[dict], goal: float) -> int | None:
    """The smallest label count whose F1 reaches `goal` (None if none does)."""
    return next((p["n_labels"] for p in points if p["f1"] >= goal), None)


def sentiment_curves(seeds: list[int], params: dict, batch: str, kind: str = "lemma") -> None:
    """Labels the train-classifier default needs to reach full-split F1 - 0.02, active vs random."""
    params = dict(params)
    strategy = params.pop("strategy", "uncertainty")
    for name in SENTIMENT:
        tokens, gold = collection_tokens(name, kind)
        for seed in seeds:
            start = time.perf_counter()
            engine = Engine(strategy=strategy, random_state=seed, **params)
            engine.load_corpus(tokens)
            curve = learning_curve(engine, gold, CURVE_COUNTS, seed, batch=batch)
            goal = curve["full"]["f1"] - 0.02
            active, rand = labels_needed(curve["active"], goal), labels_needed(curve["random"], goal)
            ratio = f"{active / rand:.2f}" if active and rand else "n/a"
            print(f"{name} seed {seed} {strategy}: full-split F1 {curve['full']['f1']:.3f} "
                  f"(train {curve['train_size']}), goal {goal:.3f}: active {active} labels, random {rand}, "
                  f"ratio {ratio}  [{time.perf_counter() - start:.0f}s]", flush=True)
            for a, r in zip(curve["active"], curve["random"]):
                print(f"    {a['n_labels']:>5}  F1 active {a['f1']:.3f}  random {r['f1']:.3f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", default=",".join(LOW_PREVALENCE[:4]), help='comma-separated, or "all" (six)')
    parser.add_argument("--seeds", default="1-3")
    parser.add_argument("--batch", default="autotar")
    parser.add_argument("--grid", default="[{}]", help="JSON list of parameter dicts")
    parser.add_argument("--verbose", action="store_true", help="also print n95 per seed")
    parser.add_argument("--tokens", choices=("lemma", "surface", "titleblock"), default="lemma",
                        help="lemma: review.text tokens (the product: lower-cased words, title apart; "
                             "title features: the title_features and title_distinct parameters); surface: tune_ranker's own "
                             "lower-cased spaCy words; titleblock: the title's terms also as separate "
                             "features (t_term) when most titles are distinct")
    parser.add_argument("--sentiment", action="store_true", help="learning curves on the sentiment collections")
    args = parser.parse_args()
    if args.sentiment:
        for params in json.loads(args.grid):
            sentiment_curves(parse_seeds(args.seeds), params, args.batch, args.tokens)
        return
    grid = json.loads(args.grid)
    seeds = parse_seeds(args.seeds)
    peer = peer_n95(seeds)
    data = {}
    names = LOW_PREVALENCE if args.collections == "all" else args.collections.split(",")
    for name in names:
        data[name] = collection_tokens(name, args.tokens)
    for params in grid:
        ratios, walls, cells = [], [], []
        per_seed = []
        for name, (tokens, gold) in data.items():
            runs = [run_one(tokens, gold, s, params, args.batch) for s in seeds]
            n95 = np.mean([r["n95"] for r in runs])
            walls.extend(r["wall_s"] for r in runs)
            if args.verbose:
                per_seed.append(f"{name}: n95 " + ",".join(str(r["n95"]) for r in runs)
                                + f" n80 {np.mean([r['n80'] for r in runs]):.0f} n100 {np.mean([r['n100'] for r in runs]):.0f}"
                                + f" sd {np.std([r['n95'] for r in runs], ddof=1):.0f} wall {np.mean([r['wall_s'] for r in runs]):.1f}s"
                                + f" retrains {np.mean([r['retrains'] for r in runs]):.0f}")
            ratio = n95 / peer[name] if name in peer else float("nan")
            ratios.append(ratio)
            cells.append(f"{name.split('_')[-1]}={n95:.0f}({ratio:.2f})")
        print(f"{json.dumps(params):60s} mean {np.nanmean(ratios):.3f} max {np.nanmax(ratios):.3f} "
              f"wall {np.mean(walls):.2f}s  " + " ".join(cells), flush=True)
        if args.verbose:
            print("\n".join("    " + line for line in per_seed), flush=True)


if __name__ == "__main__":
    main()
