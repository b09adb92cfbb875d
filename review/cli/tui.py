"""`review open`: the review screen. Textual is imported only when it runs."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from review.cli import db_option, friendly_errors, open_store, stdio_is_terminal
from review.errors import StoreError

NO_TERMINAL = "review open needs a terminal; use `review status` / `review export` for scripts."


def default_reviewer() -> str:
    """The login name, or "reviewer" when it cannot be found."""
    try:
        return getpass.getuser() or "reviewer"
    except Exception:  # getpass raises various errors without a login name
        return "reviewer"


def run_app(db_path: Path, reviewer: str) -> None:
    """Open the project at `db_path` and run the review screen until the reviewer quits.

    Raises:
        StoreError: The database does not exist, cannot be opened or cannot be written.
        click.ClickException: Standard input or output is not a terminal.
    """
    if not Path(db_path).exists():
        raise StoreError(f"No project database at {db_path}. Create one with `review import FOLDER --db {db_path}`.")
    if not stdio_is_terminal():
        raise click.ClickException(NO_TERMINAL)
    from review.session import ReviewSession
    from review.tui.app import make_app

    store = open_store(db_path)
    if store.read_only_reason is not None:
        store.close()
        raise StoreError(
            f"Cannot review {db_path}: {store.read_only_reason}, and every decision is saved as it is made. "
            "`review status` and `review export` can still read it."
        )
    try:
        session = ReviewSession(store, reviewer)
        make_app(session).run()
    finally:
        store.release(reviewer)
        store.close()


@click.command(name="open")
@db_option
@click.option("--reviewer", default=None, help="The name recorded with your decisions (default: your login name).")
@friendly_errors
def open_app(db_path: Path, reviewer: str | None) -> None:
    """Open the review screen: one key per decision while the model learns.

    \b
    Keys: r relevant, n not relevant, s skip, u undo, / search, h history,
    a note, t tags, p or ← previous, → next, e model terms, i edit terms,
    m strategy (relevance / uncertainty / mixed), v elusion sample (draw or
    abandon), ? help, q quit. Remap them in ~/.config/review/keys.toml.
    """
    run_app(db_path, reviewer or default_reviewer())
