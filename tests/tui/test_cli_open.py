"""`review open`: a clear error without a project or a terminal, and the app run on an existing one."""

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
    monkeypatch.setattr("review.cli.tui.stdio_is_terminal", lambda: True)
    run_app(db, "alice")
    assert ran == ["alice"]
    store = Store.open(db)
    assert store.leased_by_others("bob") == set()
    store.close()


def small_project(path: Path) -> Path:
    from review.store import Store
    from tests.conftest import tiny_docs

    store = Store.open(path)
    store.add_documents(tiny_docs(4))
    store.close()
    return path


def test_open_without_a_terminal_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`review open > out.txt` (CliRunner: neither stdin nor stdout is a terminal) never starts the screen."""
    from review.tui.app import ReviewApp

    started: list[bool] = []
    monkeypatch.setattr(ReviewApp, "run", lambda self: started.append(True))
    small_project(tmp_path / "review.db")
    monkeypatch.chdir(tmp_path)
    for args in (["open", "--db", "review.db"], []):  # bare `review` opens ./review.db
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1
        assert result.output == "Error: review open needs a terminal; use `review status` / `review export` for scripts.\n"
    assert started == []


class FakeStream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(("stdin", "stdout", "expected"),
                         [(True, True, True), (True, False, False), (False, True, False)])
def test_a_terminal_means_both_stdin_and_stdout(monkeypatch: pytest.MonkeyPatch, stdin: bool, stdout: bool,
                                                expected: bool) -> None:
    from review.cli import stdio_is_terminal

    monkeypatch.setattr("sys.stdin", FakeStream(stdin))
    monkeypatch.setattr("sys.stdout", FakeStream(stdout))
    assert stdio_is_terminal() is expected


def test_run_app_refuses_a_project_it_cannot_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every decision is saved as it is made: a read-only project is refused before the screen starts."""
    from review.store import Store
    from review.tui.app import ReviewApp

    started: list[bool] = []
    monkeypatch.setattr(ReviewApp, "run", lambda self: started.append(True))
    monkeypatch.setattr("review.cli.tui.stdio_is_terminal", lambda: True)
    monkeypatch.setattr("review.cli.tui.open_store", lambda path: Store.open(path, read_only=True))
    db = small_project(tmp_path / "p.db")
    with pytest.raises(StoreError, match=r"^Cannot review .*p\.db: opened read-only, and every decision is saved"):
        run_app(db, "alice")
    assert started == []
