"""Build the demo project from the generated demo corpus, and play it headless."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from review.demo import write_demo
from review.ingest import import_sources
from review.session import ReviewSession
from review.status import project_status
from review.store import Store

DEMO_SEED_QUERY = "Ardmore"
"""Cold-start search: the matter is about a secret understanding with Ardmore Cartons."""


def build_demo_project(folder: Path) -> Path:
    """Write the demo corpus into `folder/corpus` and import it into `folder/review.db`."""
    corpus = folder / "corpus"
    write_demo(corpus)
    db_path = folder / "review.db"
    store = Store.open(db_path)
    try:
        import_sources(store, [corpus / "docs"])
        store.set_setting("seed_query", DEMO_SEED_QUERY)
    finally:
        store.close()
    return db_path


def scripted_review(db_path: Path, answer_key: Path, reviewer: str = "demo", decisions: int = 40) -> dict[str, Any]:
    """Review `decisions` documents with the answer key, retraining after each; return the status."""
    with answer_key.open(encoding="utf-8") as fh:
        key = {row["id"]: row["label"] for row in csv.DictReader(fh)}
    store = Store.open(db_path)
    try:
        session = ReviewSession(store, reviewer)
        session.prepare()
        for _ in range(decisions):
            item = session.current()
            if item is None:
                break
            doc_id = item.document.doc_id
            truth = key.get(doc_id, key.get(Path(doc_id).stem, "0"))
            if truth in ("1", "relevant"):
                session.relevant()
            else:
                session.not_relevant()
            session.retrain()
        return project_status(store)
    finally:
        store.close()
