"""The project summary that `review status` prints and the screens show."""

from __future__ import annotations

from typing import Any

from review import validation
from review.estimate import left_text, summary_from_store
from review.store import Store


def project_status(store: Store) -> dict[str, Any]:
    """Counts, the latest model and (when a model exists) the recall estimate."""
    info = store.counts()
    config = store.config()
    info["goal"] = config.goal
    info["strategy"] = config.effective_strategy()
    info["target_recall"] = config.target_recall
    info["confidence"] = config.confidence
    info["model"] = store.latest_model()
    summary = summary_from_store(store)
    if summary is not None:
        info["recall"] = {"text": summary.text, "point": summary.point, "low": summary.low, "high": summary.high,
                          "found": summary.found, "est_remaining": summary.est_remaining}
        info["stop"] = {"text": summary.stop_text, "fired": summary.stop_fired}
    check = validation.state(store)
    if check is not None:
        info["validation"] = {"text": check.text(), "bound": check.bound, "complete": check.complete}
    return info


def render_status(info: dict[str, Any]) -> str:
    """Human-readable lines for `review status`."""
    labels = info["labels"]
    lines = [
        f"Documents      {info['documents']:>8}  ({info['duplicates']} exact duplicates grouped)",
        f"Decided        {info['decided']:>8}  ({labels['positive']}: {info['relevant']}, "
        f"{labels['negative']}: {info['not_relevant']})",
        f"Skipped        {info['skipped']:>8}",
        f"Import errors  {info['import_errors']:>8}" + ("  (see `review status --errors`)" if info["import_errors"] else ""),
        f"Goal           {info['goal']} ({info['strategy']} first); target recall {info['target_recall']:.0%} "
        f"at {info['confidence']:.0%} confidence",
    ]
    last = info.get("last_import")
    if last:
        copies = f", {last['duplicates']} exact duplicates" if last.get("duplicates") else ""
        when = last["finished_at"] or "not finished: interrupted or still running; what it stored is kept"
        lines.append(f"Last import    {last['source']} ({last['added']} added{copies}, {when})")
    model = info.get("model")
    lines.append(
        f"Model          v{model['version']} trained on {model['n_labels']} labels ({model['strategy']}), {model['created_at']}"
        if model else "Model          none yet (" + (
            "the review screen trains one: `review open`)" if info["relevant"] and info["not_relevant"]
            else "needs one decision of each label)")
    )
    estimate = info.get("recall")
    if estimate:
        left = left_text(estimate.get("found", 0), estimate.get("point"), estimate.get("low"))
        lines.append(f"Recall         {estimate['text']}" + ("" if left is None else f"; {left}"))
    stop = info.get("stop")
    if stop and stop["text"]:
        lines.append(f"Stop?          {'yes: ' if stop['fired'] else ''}{stop['text']}")
    check = info.get("validation")
    if check:
        lines.append(f"Validation     {check['text']}")
    return "\n".join(lines)
