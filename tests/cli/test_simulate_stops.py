"""`review simulate --stop-rules`: the per-run `stops` object agrees with the review order."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from click.testing import CliRunner

from review.cli import cli


def _collection(path: Path, n: int = 400, share: float = 0.1) -> None:
    rng = random.Random(7)
    relevant_words = "merger acquisition control clause shareholder".split()
    other_words = "delivery invoice warranty shipping payment term notice office".split()
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "title", "text", "label"])
        for i in range(n):
            y = int(rng.random() < share)
            words = rng.choices(relevant_words if y else other_words, k=12) + rng.choices(other_words, k=8)
            writer.writerow([f"r{i}", f"record {i}", " ".join(words), y])


def test_stops_object_matches_the_order(tmp_path: Path) -> None:
    data, order = tmp_path / "c.csv", tmp_path / "order.csv"
    _collection(data)
    result = CliRunner().invoke(cli, ["simulate", str(data), "--stop-rules", "budget,quant,qbcb", "--target", "0.8",
                                      "--json", "--order-out", str(order), "--no-cache"])
    assert result.exit_code == 0, result.output
    run = json.loads(result.output)
    assert set(run["stops"]) == {"budget", "quant", "qbcb", "default", "knee", "knee+40", "chm"}
    rows = list(csv.DictReader(order.open(encoding="utf-8")))
    labels = [int(r["label"]) for r in rows]
    assert run["stopped"] in ("hook", "exhausted")  # not "all-found": it went on until every rule fired
    assert len(rows) == run["docs_read"] >= run["n100"]
    fired = [s["at"] - s["sampled"] for s in run["stops"].values() if s["at"] is not None]
    assert run["stopped"] == "exhausted" or len(rows) >= max(fired)
    for name, stop in run["stops"].items():
        assert stop["target"] == 0.8
        if stop["at"] is None or stop["sampled"]:
            continue
        assert stop["recall"] == sum(labels[: stop["at"]]) / run["n_rel"], name


def test_unknown_rule_is_a_clear_error(tmp_path: Path) -> None:
    data = tmp_path / "c.csv"
    _collection(data, n=50)
    result = CliRunner().invoke(cli, ["simulate", str(data), "--stop-rules", "crystal-ball", "--no-cache"])
    assert result.exit_code == 1 and "--stop-rules takes 'all'" in result.output
