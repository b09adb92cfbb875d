"""The database schema, as an ordered list of migrations (sqlite-utils)."""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("review")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE import_batches (
            id INTEGER PRIMARY KEY, source TEXT, started_at TEXT, finished_at TEXT,
            added INTEGER DEFAULT 0, duplicates INTEGER DEFAULT 0, unchanged INTEGER DEFAULT 0,
            labels_attached INTEGER DEFAULT 0, skipped INTEGER DEFAULT 0, seconds REAL
        );
        CREATE TABLE import_errors (
            id INTEGER PRIMARY KEY, batch_id INTEGER REFERENCES import_batches(id),
            path TEXT NOT NULL, reason TEXT NOT NULL, at TEXT
        );
        CREATE TABLE documents (
            pk INTEGER PRIMARY KEY, doc_id TEXT NOT NULL UNIQUE, title TEXT, text TEXT, tokens TEXT,
            source TEXT, content_hash TEXT NOT NULL, batch_id INTEGER REFERENCES import_batches(id),
            metadata TEXT, imported_at TEXT, duplicate_of INTEGER REFERENCES documents(pk)
        );
        CREATE INDEX documents_hash ON documents(content_hash);
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY, doc_pk INTEGER NOT NULL REFERENCES documents(pk),
            label TEXT, reviewer TEXT NOT NULL, decided_at TEXT NOT NULL, previous_label TEXT,
            model_version INTEGER, rank INTEGER, score REAL, note TEXT DEFAULT '', tags TEXT DEFAULT '[]',
            kind TEXT NOT NULL DEFAULT 'decide', undoes INTEGER REFERENCES decisions(id)
        );
        CREATE INDEX decisions_doc ON decisions(doc_pk, id);
        CREATE INDEX decisions_reviewer ON decisions(reviewer, id);
        CREATE INDEX decisions_undoes ON decisions(undoes);
        CREATE TABLE samples (
            name TEXT NOT NULL, doc_pk INTEGER NOT NULL REFERENCES documents(pk), position INTEGER,
            drawn_at TEXT, PRIMARY KEY (name, doc_pk)
        );
        CREATE TABLE models (
            version INTEGER PRIMARY KEY, created_at TEXT, n_labels INTEGER, strategy TEXT,
            fit_seconds REAL, path TEXT
        );
        CREATE TABLE scores (
            doc_pk INTEGER PRIMARY KEY REFERENCES documents(pk), model_version INTEGER, score REAL, rank INTEGER
        );
        CREATE TABLE leases (doc_pk INTEGER PRIMARY KEY, reviewer TEXT NOT NULL, expires_at REAL NOT NULL);
        CREATE VIRTUAL TABLE documents_fts USING fts5(
            title, text, content='documents', content_rowid='pk', tokenize='porter unicode61'
        );
        CREATE TRIGGER documents_ai AFTER INSERT ON documents BEGIN
            INSERT INTO documents_fts (rowid, title, text) VALUES (new.pk, new.title, new.text);
        END;
        CREATE TRIGGER documents_ad AFTER DELETE ON documents BEGIN
            INSERT INTO documents_fts (documents_fts, rowid, title, text) VALUES ('delete', old.pk, old.title, old.text);
        END;
        CREATE TRIGGER documents_au AFTER UPDATE OF title, text ON documents BEGIN
            INSERT INTO documents_fts (documents_fts, rowid, title, text) VALUES ('delete', old.pk, old.title, old.text);
            INSERT INTO documents_fts (rowid, title, text) VALUES (new.pk, new.title, new.text);
        END;
        """
    )


@migrations()
def m002_duplicate_index(db: sqlite_utils.Database) -> None:
    db.execute("CREATE INDEX IF NOT EXISTS documents_duplicate_of ON documents(duplicate_of)")


ENGINE_SIGNATURE = "engine_signature"
"""Setting: the corpus signature the saved engine (review.db.models/) was built for."""


@migrations()
def m003_title_apart_in_tokens(db: sqlite_utils.Database) -> None:
    # Token strings keep a titled document's title terms on a line of their own
    # since 3 Dec 2026 (review.text.record_input), which gives the ranker its
    # title features. Older projects lack the break: clear their titled
    # documents' tokens so the next session re-tokenises them, and drop the
    # saved engine's signature so it is rebuilt from the new tokens.
    cursor = db.execute(
        "UPDATE documents SET tokens = NULL WHERE TRIM(COALESCE(title, '')) != '' "
        "AND tokens IS NOT NULL AND instr(tokens, char(10)) = 0"
    )
    if cursor.rowcount:
        db.execute("DELETE FROM settings WHERE key = ?", [ENGINE_SIGNATURE])


@migrations()
def m004_import_errors_by_path(db: sqlite_utils.Database) -> None:
    # Each import replaces a path's earlier error and clears those of files it reads.
    db.execute("CREATE INDEX IF NOT EXISTS import_errors_path ON import_errors(path)")


@migrations()
def m005_title_in_content_hash(db: sqlite_utils.Database) -> None:
    # Since 3 Dec 2026 a document's title is part of its content hash
    # (review.hashing.content_hash): documents with the same body under
    # different titles had been grouped as exact duplicates, and the copies
    # were never shown but took the first one's label. Rehash every document
    # and rebuild the duplicate groups, the first stored copy leading each.
    from review.hashing import content_hash

    first: dict[str, int] = {}
    changed = False
    after = 0
    while True:  # a page at a time: a large project's texts never all sit in memory
        rows = db.execute("SELECT pk, title, text, content_hash, duplicate_of FROM documents WHERE pk > ? "
                          "ORDER BY pk LIMIT 1000", [after]).fetchall()
        if not rows:
            break
        updates = []
        for pk, title, text, old_hash, duplicate_of in rows:
            digest = content_hash(text or "", title or "")
            lead = first.setdefault(digest, pk)
            new_duplicate_of = None if lead == pk else lead
            changed = changed or new_duplicate_of != duplicate_of
            if (digest, new_duplicate_of) != (old_hash, duplicate_of):
                updates.append((digest, new_duplicate_of, pk))
        db.conn.executemany("UPDATE documents SET content_hash = ?, duplicate_of = ? WHERE pk = ?", updates)
        after = rows[-1][0]
    if changed:
        db.execute("DELETE FROM settings WHERE key = ?", [ENGINE_SIGNATURE])


KNOWN_MIGRATIONS: tuple[str, ...] = tuple(m.name for m in migrations._migrations)
