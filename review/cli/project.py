"""Project commands: init, import, export, status, demo."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from review.cli import db_option, echo_json, friendly_errors, open_store
from review.errors import ConfigError
from review.models import GOALS, STRATEGIES, LabelSet


@click.command()
@db_option
@click.option("--labels", default=None,
              help="The two label names, the one you look for first (default: relevant,not relevant).")
@click.option("--goal", type=click.Choice(GOALS), default=None,
              help="find-all (default): every relevant document, relevance first; train-classifier: the best model per label, uncertainty first.")
@click.option("--strategy", type=click.Choice(STRATEGIES), default=None, help="Override the goal's default strategy.")
@click.option("--target-recall", type=click.FloatRange(0.5, 1.0, max_open=True), default=None,
              help="Recall the stop suggestion aims for (default 0.95).")
@click.option("--confidence", type=click.FloatRange(0.5, 1.0, max_open=True), default=None,
              help="Confidence the stop suggestion must have (default 0.95).")
@friendly_errors
def init(db_path: Path, labels: str | None, goal: str | None, strategy: str | None,
         target_recall: float | None, confidence: float | None) -> None:
    """Create a project database, or change an existing project's settings (only those given)."""
    new_labels = None
    if labels is not None:  # checked before the file is created
        names = [n.strip() for n in labels.split(",")]
        if len(names) != 2:
            raise ConfigError("--labels takes exactly two names separated by a comma, e.g. positive,negative.")
        new_labels = LabelSet(names[0], names[1])
    store = open_store(db_path, create=True)
    config = store.config()
    if new_labels is not None:
        if new_labels != config.labels and store.has_decisions():
            raise ConfigError("This project already has decisions; its labels cannot change.")
        config.labels = new_labels
    if goal is not None:
        config.goal = goal
    if strategy is not None:
        config.strategy = strategy
    if target_recall is not None:
        config.target_recall = target_recall
    if confidence is not None:
        config.confidence = confidence
    store.save_config(config)
    click.echo(f"Project {db_path}: labels {config.labels.positive!r} / {config.labels.negative!r}, "
               f"goal {config.goal}, strategy {config.effective_strategy()}, target recall "
               f"{config.target_recall:.0%} at {config.confidence:.0%} confidence.")


@click.command(name="import")
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@db_option
@click.option("--labels", "labels_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A CSV of id,label: known decisions to start from (e.g. a file `review export` wrote).")
@click.option("--no-labels", "no_labels", is_flag=True,
              help="Import the documents only: a record file's label column does not become decisions.")
@click.option("--max-file-mb", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Skip files larger than this (default 50, or the project's setting).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@friendly_errors
def import_(sources: tuple[Path, ...], db_path: Path, labels_file: Path | None, no_labels: bool,
            max_file_mb: float | None, quiet: bool) -> None:
    """Import folders (.txt .md .html .eml .pdf .docx) and record files (.csv .tsv .jsonl .ris).

    Re-importing a folder adds only what is new; nothing already decided changes.
    A file whose relative path (or a record whose id) another source already
    holds is kept apart under its own path (or file#id), with a note. Files
    that cannot be read are skipped and listed with their reason; hidden
    ones (names starting with a dot) are counted in a note. With
    --labels and no SOURCES, the labels go to documents already in the project.

    A record file's label column (the first of label, label_included,
    included, relevant, final_included; values 1/0, yes/no, maybe, or the
    project's label names) becomes decisions, to go on with a screening
    started elsewhere; the summary names the column. --no-labels imports the
    documents only. A missing source stops the import before anything is
    written, and a failed import into a new --db leaves no file behind.
    """
    from review.cli.progress import progress_bar
    from review.ingest import check_sources, import_sources

    if not sources and labels_file is None:
        raise click.UsageError("Give the folders or record files to import (or --labels FILE for labels alone).")
    check_sources(sources)
    created = not db_path.exists()
    store = open_store(db_path, create=True)
    limit = max_file_mb if max_file_mb is not None else store.config().max_file_mb
    with progress_bar("Importing", disabled=quiet) as progress:
        report = import_sources(store, list(sources), labels_file=labels_file, max_file_mb=limit, progress=progress,
                                record_labels=not no_labels)
    click.echo(
        f"Imported {report.added} new document(s), {report.duplicates} exact duplicate(s), "
        f"{report.updated} updated, {report.unchanged} unchanged, {report.labels_attached} label(s) attached, "
        f"{len(report.skipped)} skipped, in {report.seconds:.1f} s."
    )
    if report.labels_attached and report.label_sources:
        hint = " (use --no-labels to import the documents only)" if any(
            source.startswith("column ") for source in report.label_sources) else ""
        click.echo(f"{report.labels_attached} label(s) attached from {' and '.join(report.label_sources)}{hint}.")
    _echo_problems(report.notes, report.skipped)
    nothing = report.added + report.updated + report.duplicates + report.labels_attached + report.unchanged == 0
    # another command may have written to the new file meanwhile: remove it only while it holds nothing
    removed = created and nothing and store.count_documents() == 0 and store.count_decisions() == 0
    if removed:
        store.close()
        removed = _remove_unused_database(db_path)
    if sources and nothing:
        raise click.ClickException("Nothing was imported" + (f" and {db_path} was not created." if removed else "."))
    if labels_file is not None and not report.labels_file_matched:
        done = "The documents were imported, but no" if sources and not nothing else "No"
        raise click.ClickException(f"{done} row of {labels_file} named a document of the project with a known "
                                   "label: no label was attached from that file (reasons above).")


def _echo_problems(notes: tuple[tuple[str, str], ...], skipped: tuple[tuple[str, str], ...]) -> None:
    """The first 50 notes and skipped files of an import, on standard error."""
    for path, reason in notes[:50]:
        click.echo(f"  note {path}: {reason}", err=True)
    if len(notes) > 50:
        click.echo(f"  … and {len(notes) - 50} more notes like these.", err=True)
    for path, reason in skipped[:50]:
        click.echo(f"  skipped {path}: {reason}", err=True)
    if len(skipped) > 50:
        click.echo(f"  … and {len(skipped) - 50} more (see `review status`).", err=True)


def _remove_unused_database(db_path: Path) -> bool:
    """Delete a project database this command created (and SQLite's side files), unless another
    connection still has it open: SQLite removes the -wal file when the last one closes, and a
    second `review import` into the same new file may not have committed yet. True if deleted."""
    if db_path.with_name(db_path.name + "-wal").exists():
        return False
    for suffix in ("", "-wal", "-shm", "-journal"):
        db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    return True


@click.command()
@db_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (default, or '-': standard output).")
@click.option("--bom", is_flag=True, help="Start with a UTF-8 byte order mark, so that Excel on Windows shows accented "
              "letters right (most other tools do not need it).")
@click.option("--all", "include_all", is_flag=True, help="Add every undecided document with its model score; once the recall estimate exists, also a calibrated p_relevant and a predicted label (the k best-scored predicted relevant, k = the estimated relevant remaining, which runs high, so the set errs towards including).")
@click.option("--history", is_flag=True, help="Export the whole decision log instead (every entry, undos included).")
@friendly_errors
def export(db_path: Path, output: Path | None, bom: bool, include_all: bool, history: bool) -> None:
    """Export decisions to CSV (UTF-8; cells safe to open in a spreadsheet)."""
    from review.export import write_csv

    store = open_store(db_path)
    if output is None or str(output) == "-":
        if bom:
            sys.stdout.write("\ufeff")
        write_csv(store, sys.stdout, include_undecided=include_all, history=history)
        return
    with output.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as out:
        n = write_csv(store, out, include_undecided=include_all, history=history)
    click.echo(f"Wrote {n} row(s) to {output}.", err=True)


@click.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--errors", "show_errors", is_flag=True, help="List every file the imports skipped, with the reason.")
@friendly_errors
def status(db_path: Path, as_json: bool, show_errors: bool) -> None:
    """Documents, decisions, duplicates, import errors, model and recall estimate."""
    from review.status import project_status, render_status

    store = open_store(db_path)
    info = project_status(store)
    if as_json:
        echo_json(info)
    else:
        click.echo(render_status(info))
    if show_errors:
        for path, reason in store.import_errors():
            click.echo(f"  {path}: {reason}")


DEMO_DECISIONS = 80
"""Decisions the headless demo plays: enough for the model to serve the 20 non-relevant
documents the recall estimate waits for, so the status it prints shows one."""


@click.command()
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to build the demo project (default: a new temporary folder).")
@click.option("--reviewer", default="demo", show_default=True, help="The name recorded with your decisions.")
@friendly_errors
def demo(folder: Path | None, reviewer: str) -> None:
    """Build a project from the bundled demo corpus and open the review screen.

    Without a terminal (e.g. in CI) it builds the project, plays a short
    scripted review with the demo's answer key and prints the status.
    """
    from review.demo_project import build_demo_project, scripted_review

    folder = folder or Path(tempfile.mkdtemp(prefix="review-demo-"))
    db_path = build_demo_project(folder)
    click.echo(f"Demo project: {db_path}", err=True)
    if sys.stdin.isatty() and sys.stdout.isatty():
        from review.cli.tui import run_app

        run_app(db_path, reviewer)
        return
    from review.status import render_status

    info = scripted_review(db_path, folder / "corpus" / "labels.csv", reviewer=reviewer, decisions=DEMO_DECISIONS)
    click.echo(render_status(info))


@click.command()
@db_option
@click.option("--size", type=click.IntRange(min=1), default=None,
              help="Sample size (default: the smallest that can certify the target recall).")
@click.option("--new", "new_sample", is_flag=True,
              help="Draw a new sample after a finished one (a repeated test is weaker than a single one).")
@click.option("--cancel", is_flag=True,
              help="Abandon the open sample: its unlabelled documents go back to the ranked queue.")
@friendly_errors
def validate(db_path: Path, size: int | None, new_sample: bool, cancel: bool) -> None:
    """Check recall with an elusion test: a random sample of the unreviewed documents.

    The first call draws the sample; its documents come first in `review open`
    (they never train the model). Once all are labelled, `review validate`
    reports a lower bound on recall at the project's confidence. When the
    default sample would take more than half of the unreviewed documents
    (early in a review, or too few relevant found to certify the target) it
    says so and draws nothing; --size draws a sample of any size.
    """
    from review import validation

    store = open_store(db_path)
    if cancel:
        released = validation.cancel(store)
        click.echo(f"Elusion sample abandoned: {released} unlabelled document(s) went back to the ranked queue.")
        return
    current = validation.state(store)
    if current is not None and (not current.complete or not new_sample):
        click.echo(current.text())
        if current.complete and size is not None:
            click.echo(f"This is the finished sample's result; --size {size} draws nothing without --new "
                       f"(`review validate --new --size {size}` draws a fresh sample of that size, "
                       "a second test of the same review: treat it with care).")
        elif current.complete:
            click.echo("A new sample (`--new`) would be a second test of the same review: treat it with care.")
        else:
            click.echo("Label the sample in `review open`: its documents come first "
                       "(or abandon it: `review validate --cancel`).")
            if size is not None or new_sample:
                click.echo("--size and --new wait until this sample is finished or abandoned.")
        return
    drawn = validation.start(store, size)
    if size is not None and drawn.size < size:
        click.echo(f"--size {size} is more than the {drawn.unreviewed} unreviewed documents: the sample is all of them.")
    click.echo(
        f"Drew an elusion sample of {drawn.size} of {drawn.unreviewed} unreviewed documents "
        f"({drawn.found} relevant found so far). Label them in `review open` (they come first), "
        "then run `review validate` again for the recall bound."
    )
