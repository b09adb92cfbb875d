"""`review open`: a clear error without a project, and the app run on an existing one."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from review.cli import cli
from review.cli.tui import open_app, run_app
from review.errors import StoreError


def test_open_without_a_database_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    result = CliRunner().invoke(cli, ["open", "--db", str(missing)])
    assert result.exit_code != 0
    assert "No project database" in result.output and "review import" in result.output
    assert not missing.exists()


def test_open_has_help() -> None:
    assert open_app.help and "review screen" in open_app.help


def test_run_app_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        run_app(tmp_path / "missing.db", "alice")


def test_run_app_runs_and_releases_leases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """run_app builds the session and the app; on exit the reviewer's lease is gone."""
    from review.store import Store
    from review.tui.app import ReviewApp
    from tests.conftest import tiny_docs

    db = tmp_path / "p.db"
    store = Store.open(db)
    store.add_documents(tiny_docs(4))
    store.close()
    ran: list[str] = []

    def fake_run(self: ReviewApp) -> None:
        ran.append(self.session.reviewer)
        assert self.session.current() is not None  # leases a document

    monkeypatch.setattr(ReviewApp, "run", fake_run)
    run_app(db, "alice")
    assert ran == ["alice"]
    store = Store.open(db)
    assert store.leased_by_others("bob") == set()
    store.close()
