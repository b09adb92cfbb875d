"""A project this user cannot write: status and export read it, and writes say why they cannot."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from review.errors import StoreError
from review.export import write_csv
from review.status import project_status
from review.store import Store

from tests.conftest import REPO, tiny_docs

NOBODY = 65534
"""The unprivileged user (and group) root runs the commands as."""


def make_project(path: Path) -> None:
    store = Store.open(path)
    store.add_documents(tiny_docs(8), store.begin_batch("test"))
    store.record(1, "relevant", "alice")
    store.record(2, "not relevant", "alice")
    store.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_read_only_store_reads_everything_and_refuses_writes(tmp_path: Path) -> None:
    """Opened with SQLite's read-only flag, any write would fail: status and export write nothing."""
    path = tmp_path / "review.db"
    make_project(path)
    before = digest(path)
    store = Store.open(path, read_only=True)
    assert store.read_only_reason == "opened read-only"
    info = project_status(store)
    assert (info["documents"], info["relevant"], info["not_relevant"]) == (8, 1, 1)
    out = io.StringIO()
    assert write_csv(store, out) == 2
    assert write_csv(store, io.StringIO(), include_undecided=True) == 8
    with pytest.raises(StoreError, match=r"^Cannot save to .*review\.db: opened read-only\. `review status`"):
        store.record(3, "relevant", "alice")
    with pytest.raises(sqlite3.OperationalError, match="readonly"):  # the connection itself cannot write
        store.db.execute("DELETE FROM leases")
    store.close()
    assert digest(path) == before


def test_read_only_open_refuses_a_project_that_needs_migrating(tmp_path: Path) -> None:
    path = tmp_path / "review.db"
    make_project(path)
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm004_import_errors_by_path'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="older version of review and must be upgraded, which needs write access"):
        Store.open(path, read_only=True)
    with pytest.raises(StoreError, match="No project database"):
        Store.open(tmp_path / "missing.db", read_only=True)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write any file")
def test_unwritable_project_opens_read_only(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    make_project(folder / "review.db")
    (folder / "review.db").chmod(0o444)
    folder.chmod(0o555)
    try:
        store = Store.open(folder / "review.db", create=False)
        assert store.read_only_reason == "the file is not writable"
        assert project_status(store)["relevant"] == 1
        with pytest.raises(StoreError, match="the file is not writable"):
            store.set_setting("x", 1)
        store.close()
        with pytest.raises(StoreError, match="the folder .* is not writable"):
            Store.open(folder / "new.db")
    finally:
        folder.chmod(0o755)


@pytest.fixture
def locked_folder() -> Iterator[Path]:
    """A project in a 555 folder, its review.db 444 (outside pytest's 700 temp folder: others can reach it)."""
    folder = Path(tempfile.mkdtemp(prefix="review-ro-"))
    try:
        make_project(folder / "review.db")
        (folder / "review.db").chmod(0o444)
        folder.chmod(0o555)
        yield folder
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def run_unprivileged(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`review ARGS` in `folder` as a user who cannot write it (root drops to nobody with setpriv)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("needs setpriv to run as another user")
        for part in (Path(sys.executable).parent, REPO):  # nobody must reach the interpreter and the code
            if not os.stat(part).st_mode & stat.S_IXOTH:
                pytest.skip(f"{part} is not reachable by other users")
        prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "HOME": str(folder), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([*prefix, sys.executable, "-m", "review", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)


def test_status_and_export_work_where_nothing_can_be_written(locked_folder: Path) -> None:
    before = digest(locked_folder / "review.db")
    status = run_unprivileged(locked_folder, "status")
    assert status.returncode == 0, status.stderr
    assert "relevant: 1, not relevant: 1" in status.stdout
    export = run_unprivileged(locked_folder, "export")
    assert export.returncode == 0, export.stderr
    assert len(export.stdout.splitlines()) == 3  # header and the two decisions
    change = run_unprivileged(locked_folder, "init", "--goal", "find-all")
    assert change.returncode == 1
    assert change.stderr.strip() == ("Error: Cannot save to review.db: the file is not writable. "
                                     "`review status` and `review export` can still read it.")
    new = run_unprivileged(locked_folder, "init", "--db", "other.db")
    assert new.returncode == 1
    assert new.stderr.strip() == f"Error: Cannot create other.db: the folder {locked_folder} is not writable."
    assert sorted(p.name for p in locked_folder.iterdir()) == ["review.db"]
    assert digest(locked_folder / "review.db") == before
