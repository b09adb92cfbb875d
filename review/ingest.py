"""Importing folders, record files and single files into the project store.

The import streams: sources are walked lazily, documents are read,
tokenised (in parallel) and committed in chunks, so memory stays flat and an
interrupted import leaves a consistent database that a re-run completes.
Unchanged files are recognised by their content hash before tokenising.
Nothing that goes wrong with one file stops the import: it is listed, with
its reason, in the returned `ImportReport` and in the database.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from review.errors import ConfigError, IngestError
from review.hashing import content_hash
from review.models import AddResult, ImportReport, LabelSet, NewDocument
from review.readers import DEFAULT_MAX_MB, is_document, read_file
from review.records import is_record_file, read_labels, read_records
from review.store import Store, normalise_label
from review.text import record_input, tokenize_async

Progress = Callable[[int, "int | None"], None]
"""Called with (documents done, total or None when unknown)."""

CHUNK_SIZE = 500
"""Documents read, tokenised and committed together."""

CHUNK_CHARS = 20_000_000
"""A chunk is committed early once its texts reach this many characters."""

PARALLEL_AFTER_CHARS = 2_000_000
"""The first characters of an import are tokenised in this process (about two
seconds' work): starting worker processes, each loading spaCy, costs about as
much, so workers only pay off for larger imports."""


@dataclass(frozen=True)
class ImportOutcome(ImportReport):
    """An `ImportReport` plus where its labels came from, for the summary a person reads."""

    label_sources: tuple[str, ...] = ()
    """Where labels were read: "column 'label' of refs.csv" for a record file's label
    column, the file name for a labels file that attached any."""
    labels_file_matched: int | None = None
    """Rows of the labels file that named a document of the project with a known label
    (attached, or already the document's label); None without a labels file."""


@dataclass
class _Run:
    """The running state of one import."""

    store: Store
    batch_id: int
    labels: LabelSet
    max_mb: float
    n_jobs: int
    progress: Progress | None
    total: int | None
    track_ids: bool
    record_labels: bool = True
    done: int = 0
    added: int = 0
    duplicates: int = 0
    unchanged: int = 0
    updated: int = 0
    labels_attached: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    pending_errors: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    id_map: dict[str, str] = field(default_factory=dict)
    """doc_id as read -> the id stored, for documents kept apart from another source's (labels follow)."""
    read_ok: list[str] = field(default_factory=list)
    """Files read this chunk: an error an earlier import recorded for them is cleared."""
    seen_ids: set[str] = field(default_factory=set)
    stems: dict[str, str | None] = field(default_factory=dict)
    pending: tuple[list[NewDocument], Callable[[], list[str]]] | None = None
    tokenised_chars: int = 0
    label_sources: list[str] = field(default_factory=list)
    labels_file_matched: int = 0
    kept_labels: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    """Hidden files and folders passed over: one note, not an import error each (.DS_Store…)."""
    """doc_ids of the labels file whose reviewer's different decision was kept."""

    def error(self, where: str, reason: str) -> None:
        self.skipped.append((where, reason))
        self.pending_errors.append((where, reason))

    def flush_errors(self) -> None:
        if self.read_ok:
            self.store.clear_import_errors(self.read_ok)
            self.read_ok = []
        if self.pending_errors:
            self.store.add_import_errors(self.batch_id, self.pending_errors)
            self.pending_errors = []

    def track(self, doc_id: str) -> None:
        """Remember a file's doc_id, and it by its name without extension, for the labels file."""
        self.seen_ids.add(doc_id)
        stem = doc_id.rsplit(".", 1)[0] if "." in doc_id.rsplit("/", 1)[-1] else doc_id
        self.stems[stem] = None if stem in self.stems and self.stems[stem] != doc_id else doc_id

    def tick(self, n: int) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.total)


def import_sources(
    store: Store,
    sources: Sequence[Path],
    labels_file: Path | None = None,
    max_file_mb: float | None = None,
    progress: Progress | None = None,
    n_jobs: int = -1,
    chunk_size: int = CHUNK_SIZE,
    record_labels: bool = True,
) -> ImportOutcome:
    """Import folders (read recursively), record files and single documents.

    A file's doc_id is its path relative to the folder given (POSIX style);
    a record's is its id. When another source already holds that id (a.txt
    in two folders, id 1 in two record files) the newcomer is kept apart
    under its own path (or file#id) and the report's notes say so. Importing
    the same sources again adds only what is new or changed; nothing already
    decided changes.

    Args:
        store: The project store to add to.
        sources: Folders, record files (.csv .tsv .jsonl .ris) or documents.
        labels_file: A CSV of id,label whose labels become decisions of the
            reviewer "import" (ids may also be file names without extension).
        record_labels: Whether a record file's label column (see
            `records.LABEL_COLUMNS`) becomes decisions of the reviewer
            "import"; False imports the documents only.
        max_file_mb: Files larger than this are skipped (default: the
            project's setting).
        progress: Called with (done, total) after each chunk.
        n_jobs: Processes for tokenising (-1: all cores) once the import
            has passed `PARALLEL_AFTER_CHARS` characters of text.
        chunk_size: Documents committed together.

    Returns:
        The counts, every skipped file or record with its reason, and where
        the labels came from.

    Raises:
        StoreError: the database cannot be written.
    """
    started = time.perf_counter()
    sources = [Path(s) for s in sources]
    config = store.config()
    described = ", ".join([*(str(s.resolve()) for s in sources),
                           *([f"labels {labels_file.resolve()}"] if labels_file else [])])
    run = _Run(
        store=store,
        batch_id=store.begin_batch(described),
        labels=config.labels,
        max_mb=max_file_mb if max_file_mb is not None else (config.max_file_mb or DEFAULT_MAX_MB),
        n_jobs=n_jobs,
        progress=progress,
        total=_count_documents(sources) if progress is not None else None,
        track_ids=labels_file is not None,
        record_labels=record_labels,
    )
    run.tick(0)
    for source in sources:
        _import_source(run, source, chunk_size)
        _store_pending(run)
        run.flush_errors()
    if labels_file is not None:
        _attach_labels_file(run, labels_file, sources)
        run.flush_errors()
    if run.hidden:
        sample = ", ".join(run.hidden[:3])
        run.notes.append(("hidden files", f"{len(run.hidden)} file(s) or folder(s) not read (the name starts with a "
                                          f"dot), e.g. {sample}"))
    report = ImportOutcome(
        batch_id=run.batch_id,
        added=run.added,
        duplicates=run.duplicates,
        unchanged=run.unchanged,
        updated=run.updated,
        labels_attached=run.labels_attached,
        skipped=tuple(run.skipped),
        seconds=time.perf_counter() - started,
        notes=tuple(run.notes),
        label_sources=tuple(run.label_sources),
        labels_file_matched=run.labels_file_matched if labels_file is not None else None,
    )
    store.finish_batch(run.batch_id, report)
    return report


def check_sources(sources: Sequence[Path]) -> None:
    """Refuse an import before it starts (and before a project is created) when a source is missing.

    Raises:
        IngestError: a source does not exist or is a broken symbolic link;
            the message names the first such source and how many there are.
    """
    missing = [(source, _link_problem(source) if source.is_symlink() else "not found")
               for source in map(Path, sources) if not source.exists()]
    if missing:
        (first, reason), more = missing[0], len(missing) - 1
        others = f" (and {more} more source(s) not found)" if more else ""
        raise IngestError(f"{first}: {reason}{others}. Nothing was imported.")


def _import_source(run: _Run, source: Path, chunk_size: int) -> None:
    if source.is_dir():
        files = ((path, path.relative_to(source).as_posix()) for path in walk_folder(source, run.error, run.hidden.append))
        _import_files(run, files, chunk_size)
    elif source.is_file() and is_record_file(source):
        _import_records(run, source, chunk_size)
    elif source.is_file() and is_document(source):
        _import_files(run, iter([(source, source.name)]), chunk_size)
    elif source.is_file():
        run.error(str(source), f"unsupported file type {source.suffix or '(no extension)'}")
    elif source.is_symlink():
        run.error(str(source), _link_problem(source))
    else:
        run.error(str(source), "not found")


# -- walking ---------------------------------------------------------------


def walk_folder(root: Path, on_error: Callable[[str, str], None],
                on_hidden: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Yield the document files under `root`, depth first in name order.

    Symbolic links are followed, but a folder is never entered twice, so a
    link loop ends the walk of that branch (and is reported). Hidden files
    and folders (names starting with a dot) are not read but passed to
    `on_hidden` (to `on_error` without it), a folder once for all it holds;
    every other file that cannot be imported goes to `on_error`: nothing is
    left out unlisted.
    """
    visited = {_identity(root)}
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except PermissionError:
            on_error(str(folder), "no permission to list the folder")
            continue
        except OSError as exc:
            on_error(str(folder), f"cannot list the folder: {exc.strerror or exc}")
            continue
        subfolders = []
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith("."):
                if on_hidden is not None:
                    on_hidden(str(path))
                else:
                    on_error(str(path), "hidden (the name starts with a dot): not read")
                continue
            try:
                if entry.is_dir():
                    key = _identity(path)
                    if key in visited:
                        on_error(str(path), "symbolic link loop (folder already read)")
                    else:
                        visited.add(key)
                        subfolders.append(path)
                elif entry.is_file():
                    if is_document(path):
                        yield path
                    elif is_record_file(path):
                        on_error(str(path), "record file inside a folder: import it as a source of its own")
                    else:
                        on_error(str(path), f"unsupported file type {path.suffix or '(no extension)'}")
                elif entry.is_symlink():
                    on_error(str(path), _link_problem(path))
                else:
                    on_error(str(path), "not a regular file")
            except OSError as exc:
                on_error(str(path), _os_reason(exc))
        stack.extend(reversed(subfolders))


def _identity(path: Path) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_dev, info.st_ino


def _link_problem(path: Path) -> str:
    try:
        os.stat(path)
    except OSError as exc:
        return _os_reason(exc)
    return "not a regular file"


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if exc.errno == errno.ENOENT:
        return "broken symbolic link"
    if exc.errno == errno.EACCES:
        return "no read permission"
    return f"cannot read: {exc.strerror or exc}"


def _count_documents(sources: Sequence[Path]) -> int | None:
    """How many documents the import will read, or None if record files make it unknown."""
    total = 0
    for source in sources:
        if source.is_dir():
            total += sum(1 for _ in walk_folder(source, lambda where, reason: None))
        elif source.is_file() and is_record_file(source):
            return None
        else:
            total += 1
    return total


# -- files -----------------------------------------------------------------


def _import_files(run: _Run, files: Iterator[tuple[Path, str]], chunk_size: int) -> None:
    while True:
        group = [item for _, item in zip(range(chunk_size), files)]
        if not group:
            return
        known = run.store.existing_hashes([doc_id for _, doc_id in group])
        docs: list[NewDocument] = []
        chars = 0
        for path, doc_id in group:
            if run.track_ids:
                run.track(doc_id)
            try:
                result = read_file(path, run.max_mb)
            except IngestError as exc:
                run.error(str(path), exc.message)
                run.tick(1)
                continue
            run.read_ok.append(str(path))
            if known.get(doc_id) == content_hash(result.text, result.title):
                run.unchanged += 1
                run.tick(1)
                continue
            meta = {**result.metadata, "format": path.suffix.lower().lstrip(".")}
            docs.append(NewDocument(doc_id, result.title, result.text, source=str(path), metadata=meta))
            chars += len(result.text)
            if chars >= CHUNK_CHARS:
                _commit(run, docs)
                docs, chars = [], 0
        _commit(run, docs)
        run.flush_errors()


# -- records ---------------------------------------------------------------


def _import_records(run: _Run, path: Path, chunk_size: int) -> None:
    records = read_records(path, on_error=run.error, labels=run.record_labels,
                           on_label_column=lambda name: run.label_sources.append(f"column {name!r} of {path.name}"))
    seen = len(run.skipped)
    count = 0
    try:
        while True:
            group = [doc for _, doc in zip(range(chunk_size), records)]
            if not group:
                break
            count += len(group)
            _import_record_group(run, path, group)
            run.flush_errors()
    except IngestError as exc:
        run.error(str(path), exc.message)
        return
    if count == 0 and len(run.skipped) == seen:
        run.error(str(path), "no records: the file has a header (or nothing) but no rows")
    elif count:
        run.read_ok.append(str(path))
    run.flush_errors()


def _import_record_group(run: _Run, path: Path, group: list[NewDocument]) -> None:
    known = run.store.existing_hashes([doc.doc_id for doc in group])
    docs: list[NewDocument] = []
    relabel: list[tuple[str, str]] = []
    for doc in group:
        if run.track_ids:
            run.seen_ids.add(doc.doc_id)
        where = f"{path.name} record {doc.metadata.get('source_record')}"
        run.read_ok.append(where)
        if doc.label is not None and not _valid_label(doc.label, run.labels):
            run.notes.append((where, f"unknown label {doc.label!r}: imported without it"))
            doc = replace(doc, label=None)
        if known.get(doc.doc_id) == content_hash(doc.text, doc.title):
            run.unchanged += 1
            run.tick(1)
            if doc.label is not None:
                relabel.append((doc.doc_id, doc.label))
            continue
        docs.append(doc)
    _commit(run, docs)
    if relabel:
        attached, _ = run.store.attach_labels(relabel)
        run.labels_attached += attached


def _valid_label(raw: str, labels: LabelSet) -> bool:
    try:
        normalise_label(raw, labels)
    except ConfigError:
        return False
    return True


# -- committing ------------------------------------------------------------


def token_input(doc: NewDocument) -> str:
    """The text a document is tokenised from: its title kept apart from its text
    (review.text.record_input), so that the ranker can give the title features of its own."""
    return record_input(doc.title, doc.text)


def _commit(run: _Run, docs: list[NewDocument]) -> None:
    """Start tokenising `docs`, then store the chunk read before them.

    Worker processes tokenise one chunk while this process stores the
    previous one and reads the next, so both cores stay busy.
    """
    texts = [token_input(d) for d in docs]
    n_jobs = run.n_jobs if run.tokenised_chars >= PARALLEL_AFTER_CHARS else 1
    started = (docs, _start_tokens(texts, n_jobs)) if docs else None
    run.tokenised_chars += sum(len(t) for t in texts)
    _store_pending(run)
    run.pending = started


def _store_pending(run: _Run) -> None:
    """Add the pending chunk to the store in one transaction."""
    if run.pending is None:
        return
    docs, tokens = run.pending
    run.pending = None
    result: AddResult = run.store.add_documents([replace(d, tokens=t) for d, t in zip(docs, tokens())], run.batch_id)
    run.added += result.added
    run.updated += result.updated
    run.duplicates += result.duplicates
    run.unchanged += result.unchanged
    run.labels_attached += result.labels_attached
    for doc_id in result.kept_decided:  # a note, not an import error: the document is there, as it was decided
        run.notes.append((doc_id, "reads differently from when it was imported (the file changed, or this version "
                                  "reads its format better), but it was already decided: the decided version is kept"))
    run.id_map.update(result.remapped)
    for doc_id, first_source, own_id in result.renamed:
        run.notes.append((own_id, f"the id {doc_id} already belongs to {first_source}: imported as {own_id}"))
    run.tick(len(docs))


def _start_tokens(texts: list[str], n_jobs: int) -> Callable[[], list[str]]:
    """Tokenise `texts`, in worker processes when there are several; returns a getter."""
    return tokenize_async(texts, n_jobs)


# -- labels file -----------------------------------------------------------


def _attach_labels_file(run: _Run, labels_file: Path, sources: Sequence[Path]) -> None:
    """Attach the labels of an id,label CSV, resolving ids to doc_ids where it can."""
    where = str(labels_file)
    folders = [s.resolve() for s in sources if s.is_dir()]
    pairs: list[tuple[str, str]] = []
    bad: list[tuple[str, str]] = []
    unknown: list[str] = []
    attached_before = run.labels_attached
    try:
        for raw_id, filename, label in read_labels(labels_file):
            if not _valid_label(label, run.labels):
                bad.append((raw_id, label))
                continue
            pairs.append((_resolve_id(run, raw_id, filename, labels_file.parent, folders), label))
            if len(pairs) >= 2000:
                unknown += _attach(run, pairs)
                pairs = []
    except IngestError as exc:
        run.error(where, exc.message)
    unknown += _attach(run, pairs)
    if run.kept_labels:
        sample = ", ".join(repr(k) for k in run.kept_labels[:3])
        run.notes.append((where, f"{len(run.kept_labels)} row(s) differ from a reviewer's decision, which is kept, "
                                 f"e.g. {sample}"))
    if run.labels_attached > attached_before:
        run.label_sources.append(labels_file.name)
    if bad:
        distinct = list(dict.fromkeys(label for _, label in bad))
        values = ", ".join(repr(v) for v in distinct[:5]) + (f" and {len(distinct) - 5} more" if len(distinct) > 5 else "")
        run.error(where, f"{len(bad)} row(s) left out, their label is not one this project knows ({values}), "
                         f"e.g. id {bad[0][0]!r}")
    if unknown:
        sample = ", ".join(repr(u) for u in unknown[:3])
        if run.labels_file_matched:  # a labels file for more than this project holds: worth knowing, no error
            run.notes.append((where, f"{len(unknown)} id(s) match no document, e.g. {sample}"))
        else:
            run.error(where, f"{len(unknown)} id(s) match no document, e.g. {sample}")


def _attach(run: _Run, pairs: list[tuple[str, str]]) -> list[str]:
    if not pairs:
        return []
    attached, unknown = run.store.attach_labels(pairs, kept=run.kept_labels)
    run.labels_attached += attached
    run.labels_file_matched += len(pairs) - len(unknown)
    return unknown


def _resolve_id(run: _Run, raw_id: str, filename: str, base: Path, folders: list[Path]) -> str:
    """The doc_id a labels-file row means: its id, its file name, or its id without extension.

    A document of this import kept apart under its own id (another source had
    its id first) gets the label, not the other source's document.
    """
    resolved = run.stems.get(raw_id) or raw_id
    if raw_id in run.seen_ids:
        resolved = raw_id
    elif filename:
        target = (base / filename).resolve()
        for folder in folders:
            if target.is_relative_to(folder):
                candidate = target.relative_to(folder).as_posix()
                if candidate in run.seen_ids:
                    resolved = candidate
                    break
    return run.id_map.get(resolved, resolved)
