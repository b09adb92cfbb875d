"""`review simulate` through click's CliRunner."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from review.cli import cli


@pytest.fixture(autouse=True)
def token_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEW_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    rng = random.Random(0)
    noise = ["weather", "lunch", "parking", "holiday", "coffee", "meeting", "printer", "garden", "train", "music"]
    path = tmp_path / "data.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "title", "text", "label"])
        for i in range(40):
            y = int(i % 5 == 0)
            words = rng.sample(noise, 4) + (["merger", "acquisition", "control"] if y else rng.sample(noise, 2))
            writer.writerow([f"d{i}", f"Doc {i}", " ".join(words), y])
    return path


def invoke(*args: str) -> object:
    return CliRunner().invoke(cli, ["simulate", *args])


def test_json_has_the_documented_figures(data: Path) -> None:
    result = invoke(str(data), "--json", "--seed", "3", "--strategy", "relevance")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    for key in ("n_docs", "n_rel", "n80", "n95", "n100", "wss95", "rrf10", "wall_s", "retrains", "mean_retrain_s"):
        assert key in out
    assert (out["n_docs"], out["n_rel"], out["seed"], out["strategy"]) == (40, 8, 3, "relevance")
    assert out["wss95"] == pytest.approx((40 - out["n95"]) / 40 - 0.05, abs=1e-4)


def test_goal_picks_the_default_strategy(data: Path) -> None:
    out = json.loads(invoke(str(data), "--json", "--goal", "train-classifier").output)
    assert out["strategy"] == "uncertainty"


def test_seeds_give_runs_and_summary(data: Path) -> None:
    result = invoke(str(data), "--json", "--seeds", "1-3", "--batch", "2")
    out = json.loads(result.output)
    assert [r["seed"] for r in out["runs"]] == [1, 2, 3]
    assert set(out["summary"]["n95"]) == {"mean", "sd"}
    text = invoke(str(data), "--seeds", "1,2", "-q").output
    assert "n95: mean" in text


def test_prior_ids_order_out_and_plot(data: Path, tmp_path: Path) -> None:
    order, plot = tmp_path / "order.csv", tmp_path / "curve.png"
    result = invoke(str(data), "--json", "--prior-ids", "d5,d1", "--order-out", str(order), "--plot", str(plot))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(order.open()))
    assert [r["id"] for r in rows[:2]] == ["d5", "d1"] and list(rows[0]) == ["position", "id", "label"]
    assert json.loads(result.output)["priors"] == ["d5", "d1"]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_learning_curve_option(data: Path) -> None:
    result = invoke(str(data), "--json", "--learning-curve", "4,8", "--goal", "train-classifier")
    assert result.exit_code == 0, result.output
    curve = json.loads(result.output)["learning_curve"]
    assert [p["n_labels"] for p in curve["active"]] == [4, 8] and "f1" in curve["random"][0]


@pytest.mark.parametrize(
    ("args", "message"),
    [(["missing.csv"], "Cannot read"), (["DATA", "--seeds", "a-b"], "--seeds"),
     (["DATA", "--batch", "zero"], "Batch"), (["DATA", "--prior-ids", "nope"], "Unknown prior id")],
)
def test_errors_are_clean(data: Path, args: list[str], message: str) -> None:
    result = invoke(*[str(data) if a == "DATA" else a for a in args])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_yes_no_labels_in_any_label_column_import_reads(data: Path, tmp_path: Path) -> None:
    rows = list(csv.reader(data.open(newline="")))
    yesno = tmp_path / "yesno.csv"
    with yesno.open("w", newline="") as fh:
        csv.writer(fh).writerows([["id", "title", "text", "final_included"]]
                                 + [[*r[:3], "yes" if r[3] == "1" else "no"] for r in rows[1:]])
    result = invoke(str(yesno), "--json", "--seed", "3", "--strategy", "relevance")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) | {"wall_s": 0, "mean_retrain_s": 0, "tokenize_s": 0} == json.loads(
        invoke(str(data), "--json", "--seed", "3", "--strategy", "relevance").output) | {
        "wall_s": 0, "mean_retrain_s": 0, "tokenize_s": 0}


def test_an_impossible_learning_curve_count_is_a_clear_error(data: Path) -> None:
    result = invoke(str(data), "--learning-curve", "4,5000")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().startswith("Error: Learning-curve label counts must be from 2") and "to 28" in result.output
