from __future__ import annotations

from pathlib import Path

import pytest

from review.models import NewDocument
from review.store import Store

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO.parent / "shared" / "bench"

needs_bench = pytest.mark.skipif(not BENCH.is_dir(), reason="../shared/bench is absent (a user's clone)")

TOPICS = {
    1: "the supplier raised the price of steel under the pricing agreement with the distributor",
    0: "the team lunch is moved to friday and the parking garage closes early for cleaning",
}


def tiny_docs(n: int = 20) -> list[NewDocument]:
    """n small documents, every fourth about pricing (label 1), the rest office chatter."""
    docs = []
    for i in range(n):
        y = 1 if i % 4 == 0 else 0
        text = f"{TOPICS[y]} note {i} " + ("price discount contract " if y else "weather holiday coffee ") * (1 + i % 3)
        docs.append(NewDocument(doc_id=f"d{i:03d}", title=f"Doc {i}", text=text, source="test", metadata={"y": y}))
    return docs


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "review.db")
    yield s
    s.close()


@pytest.fixture
def filled_store(store: Store) -> Store:
    store.add_documents(tiny_docs(), store.begin_batch("test"))
    return store
