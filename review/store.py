"""The project database: one SQLite file, the only module that speaks SQL.

Documents, the append-only decision log, import batches and their errors,
stopping-rule samples, model versions, the latest scores and reviewer leases
all live in one file opened in WAL mode, so several reviewers (processes) can
share it. The current label of a document is the label of its latest log
entry; nothing is ever deleted from the log.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils

from review.errors import ConfigError, StoreError
from review.hashing import content_hash
from review.models import (
    SKIPPED,
    AddResult,
    Decision,
    Document,
    ImportReport,
    LabelSet,
    NewDocument,
    ReviewConfig,
)
from review.schema import KNOWN_MIGRATIONS, migrations

_DOC_COLUMNS = "pk, doc_id, title, text, source, content_hash, batch_id, metadata, imported_at, duplicate_of"
_SEARCH_FROM = (
    "FROM documents_fts f JOIN documents d ON d.pk = f.rowid WHERE documents_fts MATCH ? AND d.duplicate_of IS NULL"
)
_TRUE = {"1", "true", "yes", "y", "relevant", "include", "included", "positive", "pos"}
_FALSE = {"0", "false", "no", "n", "not relevant", "irrelevant", "exclude", "excluded", "negative", "neg"}


def now() -> str:
    """The current UTC time as an ISO 8601 string with milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class Store:
    """Typed reads and writes over one project database.

    Args:
        db: An open sqlite-utils database whose migrations are applied.
        path: The file it was opened from (None for an in-memory store).
        read_only_reason: Why nothing can be written (None: the store is writable).
    """

    def __init__(
        self, db: sqlite_utils.Database, path: Path | None = None, read_only_reason: str | None = None
    ) -> None:
        self.db = db
        self.path = path
        self.read_only_reason = read_only_reason
        """Why this store cannot be written, e.g. "the file is not writable" (None: it can)."""

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction that takes the write lock up front (BEGIN IMMEDIATE).

        A deferred transaction that reads first cannot wait for the lock: in WAL
        mode SQLite refuses its first write at once if another connection (a
        second reviewer, the review screen's loading worker) committed meanwhile.
        """
        if self.read_only_reason is not None:
            raise StoreError(
                f"Cannot save to {self.path}: {self.read_only_reason}. "
                "`review status` and `review export` can still read it."
            )
        conn = self.db.conn
        if conn.in_transaction:  # nested: a savepoint inside the open transaction
            with self.db.atomic():
                yield
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"The project database is busy ({exc}); try again in a moment.") from exc
        try:
            yield
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    # -- opening -----------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, create: bool = True, read_only: bool = False) -> Store:
        """Open (and create or migrate) the project database at `path`.

        An existing project this user cannot write (the file or its folder is
        read-only) opens read-only: every read works, and every write raises a
        StoreError that says why.

        Args:
            path: The database file.
            create: Create the file when it is missing.
            read_only: Open without writing anything (no switch to WAL mode, no
                migrations), even when the project could be written.

        Raises:
            StoreError: the file is missing (with create=False or read_only),
                cannot be created or read, is not a review database, was
                written by a newer version, or needs migrating but cannot be written.
        """
        path = Path(path)
        exists = path.exists()
        if (read_only or not create) and not exists:
            raise StoreError(f"No project database at {path}. Create one with `review init` or `review import`.")
        if not read_only:
            try:
                db = _open_writable(path)
                # SQLite opens a file it cannot write read-only without a word; say so before a write fails.
                return cls(db, path, None if os.access(path, os.W_OK) else "the file is not writable")
            except sqlite3.OperationalError as exc:
                if not exists or _unwritable(path) is None:
                    raise _open_error(path, exc) from exc
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{path} is not a review project database ({exc}).") from exc
        reason = _unwritable(path) or "opened read-only"
        try:
            return cls(_open_read_only(path, reason), path, reason)
        except sqlite3.OperationalError as exc:
            raise _open_error(path, exc) from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path} is not a review project database ({exc}).") from exc

    @classmethod
    def memory(cls) -> Store:
        """A throwaway in-memory store, for tests and simulations."""
        db = sqlite_utils.Database(memory=True)
        migrations.apply(db)
        return cls(db, None)

    def close(self) -> None:
        self.db.close()

    @property
    def models_dir(self) -> Path | None:
        """Where model files are kept: next to the database."""
        return None if self.path is None else self.path.with_name(self.path.name + ".models")

    # -- settings ----------------------------------------------------------

    def config(self) -> ReviewConfig:
        """The project's settings (defaults where unset)."""
        raw = self.setting("config") or {}
        labels = LabelSet(**raw.pop("labels", {})) if "labels" in raw else LabelSet()
        known = {k: v for k, v in raw.items() if k in ReviewConfig.__dataclass_fields__}
        return ReviewConfig(labels=labels, **known)

    def save_config(self, config: ReviewConfig) -> None:
        """Store the project's settings.

        Raises:
            ConfigError: the labels are unusable.
        """
        pos, neg = config.labels.positive.strip(), config.labels.negative.strip()
        if not pos or not neg or pos == neg or SKIPPED in (pos, neg):
            raise ConfigError(f"Labels must be two different names, neither empty nor '{SKIPPED}'.")
        self.set_setting("config", asdict(config))

    def setting(self, key: str) -> Any:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return None if row is None else json.loads(row[0])

    def set_setting(self, key: str, value: Any) -> None:
        with self._write():
            self.db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, json.dumps(value)],
            )

    def has_decisions(self) -> bool:
        return self.db.execute("SELECT 1 FROM decisions LIMIT 1").fetchone() is not None

    # -- documents ---------------------------------------------------------

    def begin_batch(self, source: str) -> int:
        """Start an import batch and return its id."""
        with self._write():
            cur = self.db.execute("INSERT INTO import_batches (source, started_at) VALUES (?, ?)", [source, now()])
        return int(cur.lastrowid or 0)

    def finish_batch(self, batch_id: int, report: ImportReport) -> None:
        """Record an import batch's counts when it ends."""
        with self._write():
            self.db.execute(
                "UPDATE import_batches SET finished_at = ?, added = ?, duplicates = ?, unchanged = ?, "
                "labels_attached = ?, skipped = ?, seconds = ? WHERE id = ?",
                [now(), report.added, report.duplicates, report.unchanged, report.labels_attached,
                 len(report.skipped), round(report.seconds, 3), batch_id],
            )

    def add_import_errors(self, batch_id: int, errors: Iterable[tuple[str, str]]) -> None:
        """Record why files or records were skipped; a path's new reason replaces its old one."""
        rows = [(batch_id, path, reason, now()) for path, reason in errors]
        with self._write():
            self.db.conn.executemany("DELETE FROM import_errors WHERE path = ?", [(r[1],) for r in rows])
            self.db.conn.executemany("INSERT INTO import_errors (batch_id, path, reason, at) VALUES (?, ?, ?, ?)", rows)

    def clear_import_errors(self, paths: Iterable[str]) -> None:
        """Forget the errors of files that have now been read."""
        with self._write():
            self.db.conn.executemany("DELETE FROM import_errors WHERE path = ?", [(p,) for p in paths])

    def import_errors(self, batch_id: int | None = None) -> list[tuple[str, str]]:
        sql = "SELECT path, reason FROM import_errors"
        args: list[Any] = []
        if batch_id is not None:
            sql += " WHERE batch_id = ?"
            args.append(batch_id)
        return [(r[0], r[1]) for r in self.db.execute(sql + " ORDER BY id", args)]

    def existing_hashes(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """doc_id -> content_hash for those of `doc_ids` already stored."""
        out: dict[str, str] = {}
        for i in range(0, len(doc_ids), 500):
            chunk = list(doc_ids[i : i + 500])
            marks = ",".join("?" * len(chunk))
            for doc_id, h in self.db.execute(
                f"SELECT doc_id, content_hash FROM documents WHERE doc_id IN ({marks})", chunk
            ):
                out[doc_id] = h
        return out

    def add_documents(self, docs: Sequence[NewDocument], batch_id: int | None = None) -> AddResult:
        """Add a batch of documents in one transaction.

        A doc_id already stored with the same text is left alone; with changed
        text it is updated unless it has been decided (then the decided
        version is kept). A text equal (after normalisation) to one already
        stored is added as a duplicate of the first. Labels carried by the
        documents become decisions of reviewer "import".
        """
        added = dupes = unchanged = updated = 0
        kept: list[str] = []
        renamed: list[tuple[str, str, str]] = []
        remapped: list[tuple[str, str]] = []
        labelled: list[tuple[str, str]] = []
        stamp = now()
        with self._write():
            for doc in docs:
                h = content_hash(doc.text, doc.title)
                row = self.db.execute(
                    "SELECT pk, content_hash, source FROM documents WHERE doc_id = ?", [doc.doc_id]
                ).fetchone()
                if row is not None and row[1] != h and not _same_source(row[2], doc.source):
                    # Another folder or record file had this id first: keep both, never overwrite.
                    first_id, first_source = doc.doc_id, row[2] or ""
                    doc, row = self._own_id(doc)
                    remapped.append((first_id, doc.doc_id))
                    if row is None:
                        renamed.append((first_id, first_source, doc.doc_id))
                if row is not None:
                    if row[1] == h:
                        unchanged += 1
                    elif self._current_label(row[0]) is not None:
                        kept.append(doc.doc_id)
                    else:
                        self._rehome_copies(row[0])
                        first = self.db.execute(
                            "SELECT pk FROM documents WHERE content_hash = ? AND duplicate_of IS NULL AND pk != ? "
                            "LIMIT 1", [h, row[0]]).fetchone()
                        self.db.execute(
                            "UPDATE documents SET title = ?, text = ?, tokens = ?, content_hash = ?, "
                            "metadata = ?, batch_id = ?, duplicate_of = ? WHERE pk = ?",
                            [doc.title, doc.text, doc.tokens, h, json.dumps(doc.metadata), batch_id,
                             first[0] if first else None, row[0]],
                        )
                        updated += 1
                else:
                    first = self.db.execute(
                        "SELECT pk FROM documents WHERE content_hash = ? AND duplicate_of IS NULL LIMIT 1", [h]
                    ).fetchone()
                    self.db.execute(
                        "INSERT INTO documents (doc_id, title, text, tokens, source, content_hash, batch_id, "
                        "metadata, imported_at, duplicate_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [doc.doc_id, doc.title, doc.text, doc.tokens, doc.source, h, batch_id,
                         json.dumps(doc.metadata), stamp, first[0] if first else None],
                    )
                    if first:
                        dupes += 1
                    else:
                        added += 1
                if doc.label is not None and str(doc.label).strip() != "":
                    labelled.append((doc.doc_id, str(doc.label)))
            attached = self._attach(labelled, "import")[0] if labelled else 0
        return AddResult(added, dupes, unchanged, updated, attached, tuple(kept), tuple(renamed), tuple(remapped))

    def _rehome_copies(self, pk: int) -> None:
        """`pk`'s text is about to change: its exact copies, which keep the old text, lead
        themselves (the first of them), rather than take `pk`'s decisions for a text they no
        longer share."""
        copies = [r[0] for r in self.db.execute("SELECT pk FROM documents WHERE duplicate_of = ? ORDER BY pk", [pk])]
        if copies:
            self.db.execute("UPDATE documents SET duplicate_of = NULL WHERE pk = ?", [copies[0]])
            self.db.execute("UPDATE documents SET duplicate_of = ? WHERE duplicate_of = ?", [copies[0], pk])

    def _own_id(self, doc: NewDocument) -> tuple[NewDocument, tuple[Any, ...] | None]:
        """`doc` under an id of its own source, and the row already stored under it (None: a new one).

        The id is the file's path as given for a folder's file (its doc_id is the
        path's tail), else "record file#id". A re-import finds the row again by
        its source, however the path was spelt then.
        """
        source = doc.source or ""
        own = _path_parts(source)[-len(_path_parts(doc.doc_id)):] == _path_parts(doc.doc_id)
        base = source if own else f"{source}#{doc.doc_id}"
        pattern = "%" + _like_escape(("/" if own else "#") + doc.doc_id)
        for row in self.db.execute(
            "SELECT pk, content_hash, source, doc_id FROM documents WHERE doc_id LIKE ? ESCAPE '\\'", [pattern]
        ):
            if _same_source(row[2], source):
                return replace(doc, doc_id=row[3]), tuple(row[:3])
        taken = {r[0] for r in self.db.execute("SELECT doc_id FROM documents WHERE doc_id LIKE ? ESCAPE '\\'",
                                                 [_like_escape(base) + "%"])}
        candidate = next(c for c in (base if n == 1 else f"{base}~{n}" for n in range(1, len(taken) + 2))
                         if c not in taken)
        return replace(doc, doc_id=candidate), None

    def set_tokens(self, pairs: Iterable[tuple[int, str]]) -> None:
        """Store token strings computed after import: (pk, tokens) pairs."""
        with self._write():
            self.db.conn.executemany("UPDATE documents SET tokens = ? WHERE pk = ?", [(t, pk) for pk, t in pairs])

    def untokenised(self, limit: int = 1000) -> list[tuple[int, str, str]]:
        """(pk, title, text) of documents whose tokens are missing."""
        return [(r[0], r[1] or "", r[2] or "") for r in self.db.execute(
            "SELECT pk, title, text FROM documents WHERE tokens IS NULL OR tokens = '' LIMIT ?", [limit])]

    def document(self, pk: int) -> Document:
        row = self.db.execute(f"SELECT {_DOC_COLUMNS} FROM documents WHERE pk = ?", [pk]).fetchone()
        if row is None:
            raise StoreError(f"No document with pk {pk}.")
        return _document(row)

    def document_by_id(self, doc_id: str) -> Document | None:
        row = self.db.execute(f"SELECT {_DOC_COLUMNS} FROM documents WHERE doc_id = ?", [doc_id]).fetchone()
        return None if row is None else _document(row)

    def count_documents(self, include_duplicates: bool = True, after_pk: int = 0) -> int:
        """Documents (past `after_pk`: a range on the primary key, cheap however large the table)."""
        sql = "SELECT COUNT(*) FROM documents WHERE pk > ?" + ("" if include_duplicates else " AND duplicate_of IS NULL")
        return int(self.db.execute(sql, [after_pk]).fetchone()[0])

    def corpus(self, after_pk: int = 0) -> tuple[list[int], list[str], list[bool]]:
        """pks, token strings and is-duplicate flags of documents past `after_pk`, in pk order."""
        pks: list[int] = []
        tokens: list[str] = []
        dup: list[bool] = []
        for pk, tok, dof in self.db.execute(
            "SELECT pk, tokens, duplicate_of FROM documents WHERE pk > ? ORDER BY pk", [after_pk]
        ):
            pks.append(pk)
            tokens.append(tok or "")
            dup.append(dof is not None)
        return pks, tokens, dup

    def corpus_signature(self, limit: int) -> str:
        """A hash of the first `limit` documents' pks and texts: changes when one is re-imported."""
        import hashlib

        digest = hashlib.sha1()
        for pk, h in self.db.execute("SELECT pk, content_hash FROM documents ORDER BY pk LIMIT ?", [limit]):
            digest.update(f"{pk}:{h};".encode())
        return digest.hexdigest()

    def duplicate_pks(self) -> set[int]:
        """Documents that are exact duplicates of an earlier one."""
        return {r[0] for r in self.db.execute("SELECT pk FROM documents WHERE duplicate_of IS NOT NULL")}

    def duplicate_map(self) -> dict[int, int]:
        """Duplicate pk -> the pk of the first copy it duplicates."""
        return dict(self.db.execute("SELECT pk, duplicate_of FROM documents WHERE duplicate_of IS NOT NULL").fetchall())

    def iter_documents(self, batch: int = 1000) -> Iterator[Document]:
        last = 0
        while True:
            rows = self.db.execute(
                f"SELECT {_DOC_COLUMNS} FROM documents WHERE pk > ? ORDER BY pk LIMIT ?", [last, batch]
            ).fetchall()
            if not rows:
                return
            for row in rows:
                yield _document(row)
            last = rows[-1][0]

    def duplicates_of(self, pk: int) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT doc_id FROM documents WHERE duplicate_of = ? ORDER BY pk", [pk])]

    def search(self, query: str, limit: int = 50) -> list[Document]:
        """Full-text search (SQLite FTS5) over titles and texts, best first.

        Args:
            query: FTS5 syntax; if it is not valid, its words are searched as phrases.
            limit: At most this many documents (`search_count` tells how many match).

        Raises:
            ConfigError: the query is not valid FTS5 syntax, even with its words quoted.
        """
        columns = ", ".join("d." + c.strip() for c in _DOC_COLUMNS.split(","))
        rows = self._match(f"SELECT {columns} {_SEARCH_FROM} ORDER BY f.rank LIMIT ?", query, [limit])
        return [_document(r) for r in rows]

    def search_count(self, query: str) -> int:
        """How many documents `search(query)` finds when it is given no limit.

        Raises:
            ConfigError: the query is not valid FTS5 syntax, even with its words quoted.
        """
        return int(self._match(f"SELECT COUNT(*) {_SEARCH_FROM}", query, [])[0][0])

    def _match(self, sql: str, query: str, args: list[Any]) -> list[Any]:
        """Rows of `sql` run with the FTS5 `query` (then `args`); invalid syntax is retried as quoted words."""
        try:
            return self.db.execute(sql, [query, *args]).fetchall()
        except sqlite3.OperationalError:
            quoted = " ".join('"' + w.replace('"', '""') + '"' for w in query.split())
            if not quoted or quoted == query:
                raise ConfigError(f"Cannot search for {query!r}.") from None
            return self._match(sql, quoted, args)

    # -- decisions ---------------------------------------------------------

    def _current_label(self, doc_pk: int) -> str | None:
        row = self.db.execute(
            "SELECT label FROM decisions WHERE doc_pk = ? ORDER BY id DESC LIMIT 1", [doc_pk]
        ).fetchone()
        return None if row is None else row[0]

    def current_label(self, doc_pk: int) -> str | None:
        """The document's label now: its latest log entry's (None if undecided)."""
        return self._current_label(doc_pk)

    def current_labels(self, by_original: bool = False) -> dict[int, str]:
        """pk -> label of every document whose latest log entry has a label.

        Args:
            by_original: Key each exact-duplicate group by its original and give
                it its copies' label (`group_label`; a labels file or a record
                file can label a copy, a reviewer then the original): every
                count, the model and the elusion test see one document with
                one label.
        """
        rows = self.db.execute(
            "SELECT d.doc_pk, d.label, d.id FROM decisions d JOIN "
            "(SELECT doc_pk, MAX(id) AS id FROM decisions GROUP BY doc_pk) m ON d.id = m.id "
            "WHERE d.label IS NOT NULL"
        ).fetchall()
        if not by_original:
            return {pk: label for pk, label, _ in rows}
        original = self.duplicate_map()
        members: dict[int, list[tuple[int, str]]] = {}
        for pk, label, entry_id in rows:
            members.setdefault(original.get(pk, pk), []).append((entry_id, label))
        chosen = {group: group_label(pairs) for group, pairs in members.items()}
        return {group: label for group, label in chosen.items() if label is not None}

    def record(
        self,
        doc_pk: int,
        label: str | None,
        reviewer: str,
        *,
        kind: str = "decide",
        model_version: int | None = None,
        rank: int | None = None,
        score: float | None = None,
        note: str = "",
        tags: Sequence[str] = (),
        undoes: int | None = None,
    ) -> Decision:
        """Append one entry to the decision log and commit it before returning.

        Raises:
            ConfigError: `label` is not one of the project's labels or "skipped".
        """
        labels = self.config().labels
        if label is not None and label not in (*labels.names(), SKIPPED):
            raise ConfigError(f"Unknown label {label!r}: this project's labels are {labels.positive!r} and {labels.negative!r}.")
        with self._write():
            previous = self._current_label(doc_pk)
            cur = self.db.execute(
                "INSERT INTO decisions (doc_pk, label, reviewer, decided_at, previous_label, model_version, "
                "rank, score, note, tags, kind, undoes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [doc_pk, label, reviewer, now(), previous, model_version, rank, score, note,
                 json.dumps(list(tags)), kind, undoes],
            )
        return self.decision(int(cur.lastrowid or 0))

    def decision(self, decision_id: int) -> Decision:
        row = self.db.execute(f"SELECT {_DECISION_COLUMNS} FROM decisions WHERE id = ?", [decision_id]).fetchone()
        if row is None:
            raise StoreError(f"No decision {decision_id}.")
        return _decision(row)

    def last_undoable(self, reviewer: str) -> Decision | None:
        """The reviewer's latest label change not yet undone whose label the document still has."""
        row = self.db.execute(
            f"SELECT {_DECISION_COLUMNS} FROM decisions d WHERE reviewer = ? AND kind IN ('decide', 'edit') "
            "AND label IS NOT previous_label AND label IS (SELECT l.label FROM decisions l "
            "WHERE l.doc_pk = d.doc_pk ORDER BY l.id DESC LIMIT 1) "
            "AND NOT EXISTS (SELECT 1 FROM decisions u WHERE u.undoes = d.id) ORDER BY id DESC LIMIT 1",
            [reviewer],
        ).fetchone()
        return None if row is None else _decision(row)

    def latest_entry(self, doc_pk: int) -> Decision | None:
        """The document's latest log entry (its label, note and tags now), or None."""
        row = self.db.execute(
            f"SELECT {_DECISION_COLUMNS} FROM decisions WHERE doc_pk = ? ORDER BY id DESC LIMIT 1", [doc_pk]
        ).fetchone()
        return None if row is None else _decision(row)

    def history(self, reviewer: str | None = None, limit: int | None = None) -> list[Decision]:
        """The log, newest first (all reviewers unless one is named)."""
        sql = f"SELECT {_DECISION_COLUMNS} FROM decisions"
        args: list[Any] = []
        if reviewer is not None:
            sql += " WHERE reviewer = ?"
            args.append(reviewer)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [_decision(r) for r in self.db.execute(sql, args)]

    def count_decisions(self) -> int:
        """Entries in the decision log, of every reviewer and kind."""
        return int(self.db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0])

    def iter_log(self, after_id: int = 0) -> Iterator[Decision]:
        """The log, oldest first (only the entries after `after_id` if given)."""
        for row in self.db.execute(f"SELECT {_DECISION_COLUMNS} FROM decisions WHERE id > ? ORDER BY id", [after_id]):
            yield _decision(row)

    def latest_entries(self) -> dict[int, Decision]:
        """pk -> the latest log entry of every document that has one."""
        rows = self.db.execute(
            f"SELECT {', '.join('d.' + c.strip() for c in _DECISION_COLUMNS.split(','))} FROM decisions d JOIN "
            "(SELECT doc_pk, MAX(id) AS id FROM decisions GROUP BY doc_pk) m ON d.id = m.id"
        )
        return {r[1]: _decision(r) for r in rows}

    def attach_labels(self, pairs: Sequence[tuple[str, str]], reviewer: str = "import",
                      kept: list[str] | None = None) -> tuple[int, list[str]]:
        """Attach labels by doc_id as decisions of `reviewer`; returns (attached, unknown ids).

        A document whose latest decision was made by a person (not by an
        import) keeps it: a labels file never overrides a reviewer. A skip is
        no decision, so a label replaces it.

        Args:
            kept: Receives the doc_ids whose reviewer's label differs from the
                one given and was kept.

        Raises:
            ConfigError: a label value is neither of the project's labels nor a common synonym.
        """
        with self._write():
            return self._attach(pairs, reviewer, kept)

    def _attach(self, pairs: Sequence[tuple[str, str]], reviewer: str,
                kept: list[str] | None = None) -> tuple[int, list[str]]:
        labels = self.config().labels
        attached, unknown = 0, []
        stamp = now()
        for doc_id, raw in pairs:
            label = normalise_label(raw, labels)
            row = self.db.execute("SELECT pk FROM documents WHERE doc_id = ?", [doc_id]).fetchone()
            if row is None:
                unknown.append(doc_id)
                continue
            latest = self.latest_entry(row[0])
            previous = latest.label if latest else None
            if previous == label:
                continue
            decided = self._reviewer_label(row[0])
            if decided is not None:  # by a person, on this document or an exact copy of it
                if decided != label and kept is not None:
                    kept.append(doc_id)
                continue
            self.db.execute(
                "INSERT INTO decisions (doc_pk, label, reviewer, decided_at, previous_label, kind, note, tags) "
                "VALUES (?, ?, ?, ?, ?, 'import', '', '[]')",
                [row[0], label, reviewer, stamp, previous],
            )
            attached += 1
        return attached, unknown

    def _reviewer_label(self, pk: int) -> str | None:
        """The latest label a person (not an import) gave `pk` or an exact copy of it, if it still stands."""
        lead = self.db.execute("SELECT COALESCE(duplicate_of, pk) FROM documents WHERE pk = ?", [pk]).fetchone()[0]
        group = [r[0] for r in self.db.execute("SELECT pk FROM documents WHERE pk = ? OR duplicate_of = ?", [lead, lead])]
        entries = [e for e in map(self.latest_entry, group)
                   if e is not None and e.kind != "import" and e.label not in (None, SKIPPED)]
        return max(entries, key=lambda e: e.id).label if entries else None

    # -- samples, models, scores, leases -----------------------------------

    def add_sample(self, name: str, pks: Sequence[int]) -> None:
        """Record documents drawn at random for a stopping rule or validation."""
        with self._write():
            start = self.db.execute("SELECT COUNT(*) FROM samples WHERE name = ?", [name]).fetchone()[0]
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO samples (name, doc_pk, position, drawn_at) VALUES (?, ?, ?, ?)",
                [(name, pk, start + i, now()) for i, pk in enumerate(pks)],
            )

    def remove_from_sample(self, name: str, pks: Sequence[int]) -> None:
        """Take documents out of a named sample (e.g. the unlabelled rest of an abandoned one)."""
        with self._write():
            for pk in pks:
                self.db.execute("DELETE FROM samples WHERE name = ? AND doc_pk = ?", [name, pk])

    def sample(self, name: str) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT doc_pk FROM samples WHERE name = ? ORDER BY position", [name])]

    def sample_names(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT name FROM samples ORDER BY name")]

    def next_model_version(self) -> int:
        return int(self.db.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM models").fetchone()[0])

    def record_model(self, version: int, n_labels: int, strategy: str, fit_seconds: float, path: str = "") -> None:
        with self._write():
            self.db.execute(
                "INSERT OR REPLACE INTO models (version, created_at, n_labels, strategy, fit_seconds, path) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [version, now(), n_labels, strategy, round(fit_seconds, 4), path],
            )

    def latest_model(self) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT version, created_at, n_labels, strategy, fit_seconds, path FROM models ORDER BY version DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return dict(zip(("version", "created_at", "n_labels", "strategy", "fit_seconds", "path"), row))

    def save_scores(self, version: int, pks: Sequence[int], scores: Sequence[float], ranks: dict[int, int]) -> None:
        """Replace the stored scores with one model's (ranks: pk -> queue position)."""
        with self._write():
            self.db.execute("DELETE FROM scores")
            self.db.conn.executemany(
                "INSERT INTO scores (doc_pk, model_version, score, rank) VALUES (?, ?, ?, ?)",
                [(pk, version, float(s), ranks.get(pk)) for pk, s in zip(pks, scores)],
            )

    def scores(self) -> dict[int, tuple[int, float, int | None]]:
        """pk -> (model version, score, rank) from the latest saved ranking."""
        return {r[0]: (r[1], r[2], r[3]) for r in self.db.execute("SELECT doc_pk, model_version, score, rank FROM scores")}

    def lease(self, doc_pk: int, reviewer: str, seconds: float = 600) -> bool:
        """Claim a document for `reviewer`; False if another reviewer holds it."""
        stamp = datetime.now(timezone.utc).timestamp()
        with self._write():
            self.db.execute("DELETE FROM leases WHERE expires_at < ?", [stamp])
            row = self.db.execute("SELECT reviewer FROM leases WHERE doc_pk = ?", [doc_pk]).fetchone()
            if row is not None and row[0] != reviewer:
                return False
            self.db.execute(
                "INSERT OR REPLACE INTO leases (doc_pk, reviewer, expires_at) VALUES (?, ?, ?)",
                [doc_pk, reviewer, stamp + seconds],
            )
        return True

    def release(self, reviewer: str, doc_pk: int | None = None) -> None:
        with self._write():
            if doc_pk is None:
                self.db.execute("DELETE FROM leases WHERE reviewer = ?", [reviewer])
            else:
                self.db.execute("DELETE FROM leases WHERE reviewer = ? AND doc_pk = ?", [reviewer, doc_pk])

    def leased_by_others(self, reviewer: str) -> set[int]:
        stamp = datetime.now(timezone.utc).timestamp()
        return {r[0] for r in self.db.execute(
            "SELECT doc_pk FROM leases WHERE reviewer != ? AND expires_at >= ?", [reviewer, stamp])}

    # -- summaries ---------------------------------------------------------

    def counts(self) -> dict[str, Any]:
        """The numbers `review status` prints (decisions counted on unique documents)."""
        labels = self.config().labels
        values = list(self.current_labels(by_original=True).values())
        last = self.db.execute(
            "SELECT id, source, finished_at, added, duplicates, started_at FROM import_batches ORDER BY id DESC LIMIT 1"
        ).fetchone()
        last_import = None
        if last is not None:
            batch_id, source, finished_at, added, duplicates, started_at = last
            if finished_at is None:  # interrupted (or still running): count what it has stored so far
                added, duplicates = self.db.execute(  # an update keeps its first imported_at
                    "SELECT COALESCE(SUM(duplicate_of IS NULL), 0), COALESCE(SUM(duplicate_of IS NOT NULL), 0) "
                    "FROM documents WHERE batch_id = ? AND imported_at >= ? AND pk > "
                    "(SELECT COALESCE(MAX(pk), 0) FROM documents WHERE batch_id != ?)",
                    [batch_id, started_at, batch_id]).fetchone()
            last_import = {"source": source, "finished_at": finished_at, "added": added, "duplicates": duplicates}
        return {
            "documents": self.count_documents(),
            "unique_documents": self.count_documents(include_duplicates=False),
            "decided": sum(1 for v in values if v != SKIPPED),
            "relevant": values.count(labels.positive),
            "not_relevant": values.count(labels.negative),
            "skipped": values.count(SKIPPED),
            "duplicates": self.count_documents() - self.count_documents(include_duplicates=False),
            "import_errors": int(self.db.execute("SELECT COUNT(*) FROM import_errors").fetchone()[0]),
            "labels": {"positive": labels.positive, "negative": labels.negative},
            "last_import": last_import,
        }


def group_label(members: Iterable[tuple[int, str | None]]) -> str | None:
    """The label of an exact-duplicate group from its copies' current (entry id, label) pairs.

    A label of relevance beats a skip whatever their order (a skipped copy still
    holds the label of another); among labels of the same kind the latest wins.
    """
    decisive = [(i, label) for i, label in members if label is not None and label != SKIPPED]
    pool = decisive or [(i, label) for i, label in members if label == SKIPPED]
    return max(pool)[1] if pool else None


_DECISION_COLUMNS = (
    "id, doc_pk, label, reviewer, decided_at, previous_label, model_version, rank, score, note, tags, kind, undoes"
)


def normalise_label(raw: str, labels: LabelSet) -> str:
    """Map a label value from a file (1/0, yes/no, a label name) to a project label.

    Raises:
        ConfigError: the value is not recognised.
    """
    value = str(raw).strip()
    if value in (*labels.names(), SKIPPED):
        return value
    low = value.casefold()
    if low in (labels.positive.casefold(),) or low in _TRUE:
        return labels.positive
    if low in (labels.negative.casefold(),) or low in _FALSE:
        return labels.negative
    if low in ("skip", "skipped", "uncertain", "maybe"):
        return SKIPPED
    raise ConfigError(
        f"Unknown label {value!r}: use {labels.positive!r} or {labels.negative!r} (or 1/0, yes/no)."
    )


def _document(row: Sequence[Any]) -> Document:
    return Document(
        pk=row[0], doc_id=row[1], title=row[2] or "", text=row[3] or "", source=row[4] or "",
        content_hash=row[5] or "", batch_id=row[6], metadata=json.loads(row[7] or "{}"),
        imported_at=row[8] or "", duplicate_of=row[9],
    )


def _decision(row: Sequence[Any]) -> Decision:
    return Decision(
        id=row[0], doc_pk=row[1], label=row[2], reviewer=row[3], decided_at=row[4], previous_label=row[5],
        model_version=row[6], rank=row[7], score=row[8], note=row[9] or "",
        tags=tuple(json.loads(row[10] or "[]")), kind=row[11], undoes=row[12],
    )


def _open_writable(path: Path) -> sqlite_utils.Database:
    """Connect read-write, switch to WAL mode and apply pending migrations."""
    conn = sqlite3.connect(str(path), timeout=10.0, check_same_thread=False)
    try:
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA busy_timeout = 10000")
        if db.journal_mode != "wal":
            db.enable_wal()
        # In WAL mode NORMAL survives a crash of the program; only a power cut can
        # lose the last commits. A decision then takes under 1 ms instead of 12-21.
        db.execute("PRAGMA synchronous = NORMAL")
        _refuse_newer(db, path)
        migrations.apply(db)
    except BaseException:
        conn.close()
        raise
    return db


def _open_read_only(path: Path, reason: str) -> sqlite_utils.Database:
    """Connect without ever writing to the file or its folder.

    A WAL-mode database needs its -shm file to be read; when the folder
    cannot hold a new one, the file is opened as immutable instead, which is
    only safe while no -wal file holds changes not yet written back.

    Raises:
        StoreError: the file was written by a newer version, or needs migrating.
    """
    uri = path.absolute().as_uri()
    wal = path.with_name(path.name + "-wal")
    for params in ("?mode=ro", "?mode=ro&immutable=1"):
        conn = sqlite3.connect(uri + params, uri=True, timeout=10.0, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            conn.close()
            if "immutable" in params or (wal.exists() and wal.stat().st_size > 0):
                raise
            continue
        break
    db = sqlite_utils.Database(conn)
    try:
        _refuse_newer(db, path)
        if migrations.pending(db):
            raise StoreError(
                f"{path} was written by an older version of review and must be upgraded, which needs "
                f"write access ({reason}). Run `review status` once as a user who can write to it."
            )
    except BaseException:
        db.close()
        raise
    return db


def _unwritable(path: Path) -> str | None:
    """Why this user cannot write the project at `path` (None: nothing stops it)."""
    folder = path.absolute().parent
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is not writable"
    if not os.access(folder, os.W_OK):
        return f"its folder {folder} is not writable"
    return None


def _open_error(path: Path, exc: sqlite3.OperationalError) -> StoreError:
    """A one-line StoreError that says what stopped SQLite opening `path`."""
    folder = path.absolute().parent
    if "locked" in str(exc) or "busy" in str(exc):
        return StoreError(f"{path} is locked by another program; try again in a moment.")
    if not folder.is_dir():
        return StoreError(f"Cannot create {path}: the folder {folder} does not exist.")
    if not path.exists() and not os.access(folder, os.W_OK):
        return StoreError(f"Cannot create {path}: the folder {folder} is not writable.")
    if path.exists() and not os.access(path, os.R_OK):
        return StoreError(f"Cannot read {path}: permission denied.")
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0 and not os.access(folder, os.W_OK):
        return StoreError(
            f"Cannot read {path}: its folder {folder} is not writable and {wal.name} holds changes not yet "
            "written back. Run `review status` once as a user who can write to the folder."
        )
    return StoreError(f"Cannot open {path}: {exc}.")


def _refuse_newer(db: sqlite_utils.Database, path: Path) -> None:
    if "_sqlite_migrations" not in db.table_names():
        return
    applied = {r[0] for r in db.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = 'review'")}
    unknown = applied - set(KNOWN_MIGRATIONS)
    if unknown:
        raise StoreError(
            f"{path} was written by a newer version of review (schema steps {', '.join(sorted(unknown))}). "
            "Upgrade review to open it."
        )


def _same_source(stored: str | None, new: str | None) -> bool:
    """Whether two import sources name the same file: one path is the other's tail.

    Paths are stored as given, so "docs/a.txt" and "/m/proj/docs/a.txt" are the
    same file imported from two working directories; "d1/a.txt" and "d2/a.txt"
    are not. Without a source on either side there is nothing to tell them apart.
    """
    if not stored or not new or stored == new:
        return True
    a, b = _path_parts(stored), _path_parts(new)
    n = min(len(a), len(b))
    return a[-n:] == b[-n:]


def _path_parts(path: str) -> tuple[str, ...]:
    return tuple(p for p in path.replace("\\", "/").split("/") if p not in ("", "."))


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
