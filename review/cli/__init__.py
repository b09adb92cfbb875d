"""The `review` command line: a thin click layer over the library."""

from __future__ import annotations

import functools
import json
import os
import select
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from review import __version__
from review.errors import ReviewError
from review.models import GOALS, LabelSet
from review.store import Store

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_DB = "review.db"


def db_option(fn: F) -> F:
    """The `--db PATH` option every project command takes."""
    return click.option(
        "--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB,
        show_default=True, envvar="REVIEW_DB", show_envvar=True, help="The project database (one SQLite file).",
    )(fn)


def friendly_errors(fn: F) -> F:
    """Render library errors as one clean line, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ReviewError as exc:
            raise click.ClickException(exc.message) from None
        except BrokenPipeError as exc:
            if _stdout_gone():
                _quiet_broken_pipe()
            raise click.ClickException(f"{exc.strerror or exc}") from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from None
        except sqlite3.Error as exc:
            raise click.ClickException(f"The project database failed: {exc}") from None
        except KeyboardInterrupt:
            raise click.ClickException("Interrupted. Everything committed so far is kept; run the command again to go on.") from None

    return wrapper  # type: ignore[return-value]


def _stdout_gone() -> bool:
    """Whether the reader of standard output has gone away (a pipe whose other end closed).

    Other broken pipes (a worker process, a file) are errors to report.
    """
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll (Windows), or stdout is not a file
        return False


def _quiet_broken_pipe() -> None:
    """The reader of our output went away (`review export | head`): stop without a word, as cat does.

    Standard output is pointed at /dev/null first, so that Python's flush at exit does not fail again.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(1)


def open_store(db_path: Path, create: bool = False) -> Store:
    return Store.open(db_path, create=create)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="review")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Technology-assisted review: find the relevant documents while reading as few as possible.

    Typical flow: `review import FOLDER`, then `review open` (the review screen),
    `review status` to see recall and the stop suggestion, `review export -o decisions.csv`.
    Run `review demo` to try it on a bundled demo corpus. Without a command,
    `review` opens ./review.db when it exists.
    """
    if ctx.invoked_subcommand is not None:
        return
    if Path(DEFAULT_DB).exists():
        from review.cli.tui import open_app

        ctx.invoke(open_app)
    else:
        click.echo(ctx.get_help())


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="review")


def _register() -> None:
    from review.cli.project import demo, export, import_, init, status, validate
    from review.cli.simulate import simulate
    from review.cli.tui import open_app

    for command in (init, import_, export, status, validate, demo, simulate, open_app):
        cli.add_command(command)


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, default=str))


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def stdio_is_terminal() -> bool:
    """Whether standard input and output are both a terminal (a full-screen interface can run)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


__all__ = ["cli", "main", "db_option", "friendly_errors", "open_store", "echo_json", "stdio_is_terminal", "GOALS", "LabelSet"]

_register()
