"""Simulation: data loading, priors, batch schedules, the run ledger and its figures."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from review.engine import Engine
from review.errors import SimulationError
from review.simulate import (
    SimulationRun,
    batch_sizes,
    classification_scores,
    default_priors,
    learning_curve,
    load_tokens,
    read_labelled,
    simulate,
    stratified_split,
    summarise,
)

BENCH = Path(__file__).resolve().parents[2] / ".." / "shared" / "bench"


def synthetic(n: int = 60, every: int = 6, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Relevant docs (every `every`-th) share topic words; the rest are noise."""
    rng = random.Random(seed)
    noise = [f"w{i}" for i in range(40)]
    tokens, gold = [], []
    for i in range(n):
        y = int(i % every == 0)
        words = rng.sample(noise, 6) + (["merger", "control", "acquisition"] if y else rng.sample(noise, 3))
        tokens.append(" ".join(words))
        gold.append(y)
    return tokens, np.asarray(gold)


def loaded_engine(tokens: list[str], strategy: str = "relevance", seed: int = 1) -> Engine:
    engine = Engine(strategy=strategy, random_state=seed, min_df=1)
    engine.load_corpus(tokens)
    return engine


def test_default_priors_follow_the_shared_recipe() -> None:
    gold = np.array([0, 1, 0, 0, 1, 0, 1])
    rng = random.Random(42)
    expected = [rng.choice([1, 4, 6]), rng.choice([0, 2, 3, 5])]
    assert default_priors(gold, 42) == expected
    with pytest.raises(SimulationError):
        default_priors(np.zeros(4, dtype=int), 1)


def test_batch_schedules() -> None:
    grow = batch_sizes("autotar")
    sizes, prev = [], 0
    for step in range(1, 15):
        prev = grow(step, prev)
        sizes.append(prev)
    assert sizes[:11] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] and sizes[11] == 13
    assert batch_sizes(7)(5, 7) == 7
    for bad in ("0", "x", -2):
        with pytest.raises(SimulationError):
            batch_sizes(bad)


@pytest.mark.parametrize("batch", [1, 4, "autotar"])
def test_simulation_finds_every_relevant_document(batch: int | str) -> None:
    tokens, gold = synthetic()
    priors = default_priors(gold, 3)
    run = simulate(loaded_engine(tokens), gold, priors, batch=batch)
    metrics = run.metrics(gold)
    assert run.stopped == "all-found"
    assert run.order[:2] == priors and len(set(run.order)) == len(run.order)
    assert gold[run.order].sum() == gold.sum()
    assert metrics["n80"] <= metrics["n95"] <= metrics["n100"] <= len(run.order)
    assert metrics["n100"] < len(gold) * 0.6  # far better than random on separable data


def test_metrics_follow_their_definitions() -> None:
    gold = np.array([1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    run = SimulationRun(n_docs=20, n_rel=5, order=list(range(20)), retrain_seconds=[0.1, 0.3])
    m = run.metrics(gold)
    assert (m["n80"], m["n95"], m["n100"]) == (11, 20, 20)
    assert m["wss95"] == pytest.approx((20 - 20) / 20 - 0.05)
    assert m["rrf10"] == pytest.approx(1 / 5)  # first 2 documents hold 1 of 5
    assert (m["retrains"], m["mean_retrain_s"]) == (2, pytest.approx(0.2))


def test_max_docs_and_the_round_hook_stop_the_run() -> None:
    tokens, gold = synthetic()
    run = simulate(loaded_engine(tokens), gold, default_priors(gold, 1), batch=3, max_docs=10)
    assert run.stopped == "max-docs" and len(run.order) == 10
    calls = []

    def hook(step: int, reviewed: np.ndarray, labels: np.ndarray, scores: np.ndarray) -> bool:
        calls.append((step, reviewed.copy(), labels.copy(), scores.shape))
        return step == 2

    run = simulate(loaded_engine(tokens), gold, default_priors(gold, 1), batch=2, on_round=hook)
    assert run.stopped == "hook" and [c[0] for c in calls] == [1, 2]
    step, reviewed, labels, shape = calls[-1]
    assert reviewed.tolist() == run.order and labels.tolist() == gold[run.order].tolist()
    assert shape == (len(gold),)


def test_excluded_rows_are_never_reviewed() -> None:
    tokens, gold = synthetic()
    exclude = np.zeros(len(gold), dtype=bool)
    exclude[::5] = True
    run = simulate(loaded_engine(tokens), gold, default_priors(gold, 2, np.flatnonzero(~exclude)), exclude=exclude)
    assert not exclude[run.order].any()
    assert gold[run.order].sum() == gold[~exclude].sum()


def test_read_labelled_csv_jsonl_and_label_aliases(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,title,abstract,label_included\nx1,T1,first text,1\nx2,T2,second,0\n")
    data = read_labelled(tmp_path / "a.csv")
    assert data.ids == ["x1", "x2"] and data.texts == ["first text", "second"] and data.labels.tolist() == [1, 0]
    lines = [json.dumps({"id": "j1", "title": "t", "text": "x", "included": True}),
             json.dumps({"id": "j2", "title": "u", "text": "y", "included": False})]
    (tmp_path / "b.jsonl").write_text("\n".join(lines))
    assert read_labelled(tmp_path / "b.jsonl").labels.tolist() == [1, 0]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [("id,title,text\n1,a,b\n", "x.csv", "label column"),
     ("id,title,label\n1,a,1\n2,b,maybe\n", "y.csv", r"record 2 \(id '2'\): label 'maybe' means undecided"),
     ("id,title,label\n1,a,\n", "y.csv", "record 1 .*no label in column 'label'"),
     ("id,title,label\n1,a,perhaps\n", "y.csv", "label 'perhaps' is not a known label"),
     ("{bad json", "z.jsonl", "not JSON"), ("", "e.csv", "no records"), ("\x00\x01binary", "b.csv", "binary")],
)
def test_read_labelled_rejects_bad_files(tmp_path: Path, content: str, name: str, message: str) -> None:
    (tmp_path / name).write_text(content)
    with pytest.raises(SimulationError, match=message):
        read_labelled(tmp_path / name)
    with pytest.raises(SimulationError, match="Cannot read"):
        read_labelled(tmp_path / "missing.csv")


def test_token_cache_is_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEW_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "a.csv").write_text("id,title,text,label\n1,Cats,The cats were running,1\n2,Dogs,A dog barks,0\n")
    data = read_labelled(tmp_path / "a.csv")
    first = load_tokens(data)
    assert len(list((tmp_path / "cache").glob("*.joblib"))) == 1
    monkeypatch.setattr("review.text.tokenize_parallel", lambda texts: pytest.fail("cache not used"))
    assert load_tokens(data) == first and "cat" in first[0]


def test_stratified_split_keeps_the_label_mix() -> None:
    gold = np.array([1] * 20 + [0] * 80)
    test = stratified_split(gold, 0.3, 5)
    assert (gold[test] == 1).sum() == 6 and (gold[test] == 0).sum() == 24
    assert (test == stratified_split(gold, 0.3, 5)).all()


def test_classification_scores_by_hand() -> None:
    truth = np.array([1, 1, 0, 0, 1])
    pred = np.array([1, 0, 0, 1, 1])
    s = classification_scores(truth, pred)
    assert (s["accuracy"], s["precision"], s["recall"]) == (0.6, pytest.approx(2 / 3, abs=1e-4), pytest.approx(2 / 3, abs=1e-4))
    assert s["f1"] == pytest.approx(2 / 3, abs=1e-4)


def test_learning_curve_has_both_curves_and_the_full_model() -> None:
    tokens, gold = synthetic(n=90, every=2)
    curve = learning_curve(loaded_engine(tokens, "uncertainty"), gold, [4, 10, 20], seed=1)
    assert curve["counts"] == [4, 10, 20] and curve["test_size"] == 28
    assert [p["n_labels"] for p in curve["active"]] == [4, 10, 20] == [p["n_labels"] for p in curve["random"]]
    assert curve["full"]["f1"] > 0.9


def test_summarise_gives_mean_and_spread() -> None:
    runs = [{"seed": 1, "n95": 10, "n80": None, "strategy": "x"}, {"seed": 2, "n95": 14, "n80": 3, "strategy": "x"}]
    summary = summarise(runs)
    assert summary["n95"] == {"mean": 12.0, "sd": pytest.approx(2.8284, abs=1e-4)}
    assert summary["n80"] == {"mean": None, "sd": None} and "seed" not in summary and "strategy" not in summary


@pytest.mark.skipif(not BENCH.is_dir(), reason="../shared/bench is absent")
def test_bench_collection_reaches_full_recall(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REVIEW_CACHE_DIR", str(tmp_path))
    data = read_labelled(BENCH / "sr_cohen2006_adhd.csv")
    gold = data.labels
    engine = Engine(random_state=1)
    engine.load_corpus(load_tokens(data))
    run = simulate(engine, gold, default_priors(gold, 1), batch="autotar")
    m = run.metrics(gold)
    assert run.stopped == "all-found" and m["n_rel"] == 20
    assert m["wss95"] > 0.3  # random order gives about 0


def test_a_project_database_is_simulated_on_its_decided_documents(tmp_path: Path) -> None:
    from review.models import NewDocument
    from review.store import Store

    store = Store.open(tmp_path / "p.db")
    store.add_documents([NewDocument(f"d{i}", f"title {i}", f"text number {i}") for i in range(6)]
                        + [NewDocument("dup", "title 0", "text number 0")])
    for pk, label in [(1, "relevant"), (2, "relevant"), (3, "relevant"), (4, "skipped"), (2, "not relevant")]:
        store.record(pk, label, "ann")
    store.close()
    data = read_labelled(tmp_path / "p.db")
    # the latest entry wins (d1 was relabelled); d3 skipped, d4/d5 undecided and the duplicate are left out
    assert data.ids == ["d0", "d1", "d2"] and data.labels.tolist() == [1, 0, 1]
    assert data.texts[1] == "text number 1"


def test_a_project_database_without_both_labels_is_refused(tmp_path: Path) -> None:
    from review.models import NewDocument
    from review.store import Store

    store = Store.open(tmp_path / "p.db")
    store.add_documents([NewDocument(f"d{i}", f"t{i}", f"x{i}") for i in range(3)])
    store.record(1, "relevant", "ann")
    store.close()
    with pytest.raises(SimulationError, match="at least one 'relevant' and one 'not relevant'"):
        read_labelled(tmp_path / "p.db")


@pytest.mark.parametrize("column", ["label", "Label_Included", "included", "relevant", "final_included"])
@pytest.mark.parametrize(("yes", "no"), [("yes", "no"), ("1.0", "0.0"), ("TRUE", "false"), ("relevant", "not relevant")])
def test_read_labelled_reads_labels_as_import_does(tmp_path: Path, column: str, yes: str, no: str) -> None:
    from review.ingest import import_sources
    from review.store import Store

    path = tmp_path / "screened.csv"
    path.write_text(f"id,title,abstract,{column}\na,One,First,{yes}\nb,Two,Second,{no}\nc,Three,Third,{yes}\n")
    assert read_labelled(path).labels.tolist() == [1, 0, 1]
    store = Store.open(tmp_path / "p.db")
    import_sources(store, [path], n_jobs=1)
    assert [store.current_label(store.document_by_id(i).pk) for i in "abc"] == ["relevant", "not relevant", "relevant"]


def test_read_labelled_reads_a_utf16_tsv(tmp_path: Path) -> None:
    path = tmp_path / "excel.tsv"
    path.write_text("ID\tTitle\tAbstract\tRelevant\nx1\tT1\tfirst\tyes\nx2\tT2\tsecond\tno\n", encoding="utf-16")
    data = read_labelled(path)
    assert (data.ids, data.titles, data.texts, data.labels.tolist()) == (["x1", "x2"], ["T1", "T2"],
                                                                       ["first", "second"], [1, 0])


def test_learning_curve_active_points_go_on_after_the_last_relevant_document() -> None:
    tokens, gold = synthetic(n=90, every=9)  # 10 relevant, found long before 60 labels
    curve = learning_curve(loaded_engine(tokens), gold, [10, 60], seed=1)
    assert [p["n_labels"] for p in curve["active"]] == [10, 60] == [p["n_labels"] for p in curve["random"]]


@pytest.mark.parametrize("counts", [[10, 5000], [1, 10], []])
def test_learning_curve_refuses_counts_it_cannot_draw(counts: list[int]) -> None:
    tokens, gold = synthetic(n=90, every=2)
    with pytest.raises(SimulationError, match=r"from 2 \(the two starting decisions\) to 62, the training split "
                                              r"\(90 documents less 28 held out for testing\)"):
        learning_curve(loaded_engine(tokens), gold, counts, seed=1)


def test_simulate_reads_entities_and_tags_as_import_does(tmp_path: Path) -> None:
    from review.records import read_records

    path = tmp_path / "refs.csv"
    path.write_text('id,title,abstract,label\nr1,Caf&eacute; &amp; tea,"<i>H. pylori</i> &lt; 10<sup>5</sup>",1\n'
                    "r2,Plain,Plain text,0\n", encoding="utf-8")
    data = read_labelled(path)
    imported = list(read_records(path))
    assert (data.titles[0], data.texts[0]) == (imported[0].title, imported[0].text) == ("Café & tea", "H. pylori < 105")
