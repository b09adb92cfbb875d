"""Fixtures for the review screen: small real projects, an app factory, captured messages."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.message import Message

from review.models import NewDocument
from review.session import ReviewSession
from review.store import Store
from review.text import tokenize
from review.tui.app import ReviewApp

from tests.conftest import tiny_docs


def tokenised(docs: list[NewDocument]) -> list[NewDocument]:
    """Documents with their tokens filled in (as the importer stores them)."""
    return [dataclasses.replace(d, tokens=tokenize(d.text)) for d in docs]


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inputs do not blink, so snapshots are stable (harlequin's trick)."""
    from textual.widgets import Input

    monkeypatch.setattr(Input, "cursor_blink", False)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every decision is stamped 2026-01-02 03:04 so the history looks the same on every run."""
    monkeypatch.setattr("review.store.now", lambda: "2026-01-02T03:04:05.000+00:00")


@pytest.fixture
def no_user_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point the reviewer's keys.toml at a file that does not exist (unless a test writes it)."""
    path = tmp_path / "keys.toml"
    monkeypatch.setattr("review.tui.keys.USER_KEYS_FILE", path)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Store]:
    """A 20-document project on disk (every fourth document is about pricing)."""
    store = Store.open(tmp_path / "review.db")
    store.add_documents(tokenised(tiny_docs(20)), store.begin_batch("test"))
    yield store
    store.close()


@pytest.fixture
def session(project: Store) -> ReviewSession:
    return ReviewSession(project, "alice", random_state=0)


@pytest.fixture
def messages() -> list[Message]:
    return []


@pytest.fixture
def make(session: ReviewSession, no_user_keys: Path) -> Callable[..., ReviewApp]:
    """Build a ReviewApp on the session; model loading is off unless asked for."""

    def build(prepare: bool = False, **kwargs: object) -> ReviewApp:
        return ReviewApp(session, prepare=prepare, **kwargs)  # type: ignore[arg-type]

    return build
