"""Reading record files (.csv, .tsv, .jsonl, .ris) as a stream of documents.

Common column names are recognised case-insensitively (see `ID_COLUMNS`,
`TITLE_COLUMNS`, `TEXT_COLUMNS`, `LABEL_COLUMNS`); every other column is kept
as metadata. A bad record is reported through a callback and skipped; only a
file that cannot be read at all raises `IngestError`.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from review.csvsafe import restore
from review.errors import IngestError
from review.models import NewDocument
from review.readers import clean_title, decode_text, detect_encoding, first_line, unicode_encoding

RECORD_SUFFIXES: frozenset[str] = frozenset({".csv", ".tsv", ".jsonl", ".ndjson", ".ris"})
"""File name endings read as a collection of records (compared lower-cased)."""

ID_COLUMNS = ("id", "doc_id", "record_id", "document_id", "key", "pmid")
TITLE_COLUMNS = ("title", "primary_title", "primary title", "article title", "document title", "ti")
"""Title columns: ours and ASReview's, Web of Science's "Article Title", IEEE Xplore's "Document Title"."""
TEXT_COLUMNS = ("text", "abstract", "abstract note", "abstract_note", "body", "content", "notes_abstract", "ab")
"""Text columns: Zotero's CSV calls the abstract "Abstract Note"."""
LABEL_COLUMNS = ("label", "label_included", "included", "relevant", "final_included")
"""Columns whose values become decisions, in order of preference (compared case-insensitively)."""
FILE_COLUMNS = ("filename", "file", "path")
NO_LABEL = frozenset({"", "-1", "nan", "na", "n/a", "none", "null", "?"})
"""Label cells meaning "not labelled" (-1 is ASReview's mark for unlabelled)."""

ErrorSink = Callable[[str, str], None]
"""Called with (where, reason) for each record that is skipped."""
ColumnSink = Callable[[str], None]
"""Called with the name of a column labels are read from, once per column and file."""

_SNIFF_BYTES = 1 << 20
_RIS_LABELS = {"asreview_relevant": "1", "asreview_irrelevant": "0"}

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def is_record_file(path: Path) -> bool:
    """Whether `path` has a file name ending read as a record file."""
    return path.suffix.lower() in RECORD_SUFFIXES


def read_records(path: Path, on_error: ErrorSink | None = None, labels: bool = True,
                 on_label_column: ColumnSink | None = None) -> Iterator[NewDocument]:
    """Stream the records of a .csv, .tsv, .jsonl or .ris file as documents.

    The doc_id is the record's id, or `<file name>:<row>` when the file has
    no id column (so two id-less files do not overwrite each other).

    Args:
        path: The record file.
        on_error: Receives (where, reason) for every skipped record.
        labels: False leaves the label column out altogether (no label, not
            in the metadata either, so a reviewer never sees it).
        on_label_column: Receives the name of each column a label is read
            from (a record file's `LABEL_COLUMNS` one; RIS: its LB tag or
            its ASReview notes, both read as "label").

    Yields:
        One `NewDocument` per usable record, with its label if it has one.

    Raises:
        IngestError: the file cannot be opened or decoded, or has neither a
            title nor a text column.
    """
    sink = on_error or (lambda where, reason: None)
    suffix = path.suffix.lower()
    rows: Iterable[tuple[int, dict[str, Any]]]
    with open_text(path) as handle:
        if suffix in (".csv", ".tsv"):
            rows = _csv_rows(handle, path, sink)
        elif suffix in (".jsonl", ".ndjson"):
            rows = _jsonl_rows(handle, path, sink)
        elif suffix == ".ris":
            rows = _ris_rows(handle, path, sink)
        else:
            raise IngestError(f"unsupported record file type {path.suffix or '(no extension)'}")
        seen: dict[str, int] = {}
        label_columns: set[str] = set()
        for number, row in rows:
            where = f"{path.name} record {number}"
            try:
                doc = record_to_document(row, number, path, labels=labels)
            except IngestError as exc:
                sink(where, exc.message)
                continue
            if doc.doc_id in seen:
                sink(where, f"duplicate id {doc.doc_id!r} (first in record {seen[doc.doc_id]})")
                continue
            seen[doc.doc_id] = number
            if doc.label is not None and on_label_column is not None:
                column = find_column(row, LABEL_COLUMNS) or "label"
                if column not in label_columns:
                    label_columns.add(column)
                    on_label_column(column)
            yield doc


def read_labels(path: Path) -> Iterator[tuple[str, str, str]]:
    """Stream the rows of a labels file (a .csv or .tsv with an id and a label column).

    Rows without an id or with an empty label are passed over.

    Yields:
        (id, file name or "", label) for each labelled row.

    Raises:
        IngestError: the file cannot be read or lacks an id or a label column.
    """
    with open_text(path) as handle:
        reader = csv.reader(handle, delimiter=_delimiter(handle, path))
        try:
            columns = [c.strip() for c in next(reader, [])]
            id_col = find_column(columns, (*ID_COLUMNS, *FILE_COLUMNS))
            file_col = find_column(columns, FILE_COLUMNS)
            label_col = find_column(columns, LABEL_COLUMNS)
            if id_col is None or label_col is None:
                raise IngestError(f"needs an id and a label column (columns: {', '.join(columns[:8]) or 'none'})")
            for cells in reader:
                row = dict(zip(columns, (c.strip() for c in cells)))
                raw_id = restore(row.get(id_col, ""))  # our export's ids read back as themselves
                label = label_value(row.get(label_col))
                if raw_id and label is not None:
                    yield raw_id, row.get(file_col, "") if file_col else "", label
        except csv.Error as exc:
            raise IngestError(f"malformed CSV ({exc})") from None


def find_column(columns: Iterable[str], names: tuple[str, ...]) -> str | None:
    """The first of `names` present among `columns`, compared case-insensitively."""
    lowered = {str(c).strip().casefold(): c for c in columns}
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


def label_value(cell: Any) -> str | None:
    """A label cell as the label it carries: None for an empty or "not labelled" cell
    (see `NO_LABEL`), "1"/"0" for a spreadsheet's 1.0/0.0, else the trimmed text."""
    value = _cell(cell)
    if value.casefold() in NO_LABEL:
        return None
    return {"1.0": "1", "0.0": "0"}.get(value, value)


def record_to_document(row: dict[str, Any], number: int, path: Path, labels: bool = True) -> NewDocument:
    """Turn one record (column -> value) into a document.

    Args:
        row: The record's columns and values.
        number: Its position in the file (1-based), for the id of an id-less record.
        path: The file it came from.
        labels: False drops the label column (see `read_records`).

    Raises:
        IngestError: the record has neither title nor text.
    """
    columns = list(row)
    id_col = find_column(columns, ID_COLUMNS)
    title_col = find_column(columns, TITLE_COLUMNS)
    text_col = find_column(columns, TEXT_COLUMNS)
    label_col = find_column(columns, LABEL_COLUMNS)
    raw_id = restore(_cell(row.get(id_col))) if id_col else ""  # an id our export neutralised reads back as itself
    doc_id = raw_id or f"{path.name}:{number}"
    title = clean_title(unmarked(_cell(row.get(title_col))) if title_col else "")
    text = unmarked(_cell(row.get(text_col))) if text_col else ""
    if not text.strip():
        text = title  # a record with a title only (e.g. no abstract) is still reviewable
    if not text.strip():
        raise IngestError("no title or text")
    label = label_value(row.get(label_col)) if label_col and labels else None
    used = {id_col, title_col, text_col, label_col}
    metadata = {str(k): _json_value(v) for k, v in row.items() if k not in used and k is not None and v not in ("", None)}
    metadata["source_record"] = number
    return NewDocument(
        doc_id=doc_id,
        title=title or first_line(text),
        text=text,
        source=str(path),
        metadata=metadata,
        label=label,
    )


_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});", re.IGNORECASE)
_INLINE_TAG = re.compile(r"</?(?:i|b|em|strong|sup|sub|u|span|sc|p|br|div|jats:[a-z-]+)(?:\s[^<>]*)?/?>", re.IGNORECASE)


def unmarked(text: str) -> str:
    """`text` with HTML entities decoded and inline formatting tags dropped.

    Bibliographic exports carry abstracts as escaped HTML ("Caf&eacute; &amp;
    cognition", "<i>H. pylori</i>", "10<sup>5</sup>"); the reviewer should
    read, and the model learn from, the words. Only formatting tags go, so a
    plain "a < b > c" stays as it is.
    """
    if "&" in text:
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    if "<" in text:
        text = _INLINE_TAG.sub(lambda m: "\n" if m.group(0).lower().startswith(("<p", "<br", "<div")) else "", text)
    return text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, list):
        return "\n".join(_cell(v) for v in value)
    if isinstance(value, dict):  # a JSONL field holding an object: show it as JSON, not as Python
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip()


def _json_value(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return str(value)


# -- opening ---------------------------------------------------------------


def open_text(path: Path) -> io.TextIOWrapper:
    """Open a record file as text: UTF-16/32 when it is (see `readers.unicode_encoding`),
    else UTF-8 unless its first megabyte says otherwise."""
    try:
        handle = open(path, "rb")
    except PermissionError:
        raise IngestError("no read permission") from None
    except FileNotFoundError:
        raise IngestError("file not found") from None
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror or exc}") from None
    if not handle.seekable():  # a pipe, e.g. --labels <(grep … labels.csv): read it whole to sniff it
        with handle:
            handle = io.BufferedReader(io.BytesIO(handle.read()))  # type: ignore[assignment]
    sample = handle.read(_SNIFF_BYTES)
    handle.seek(0)
    if not sample.strip():
        handle.close()
        raise IngestError("empty file")
    wide = unicode_encoding(sample)
    if wide is not None:
        try:
            decode_text(sample[: len(sample) - len(sample) % 4])
        except IngestError:
            handle.close()
            raise IngestError("binary file, not a record file") from None
        return io.TextIOWrapper(handle, encoding=wide, errors="replace", newline="")
    if b"\x00" in sample[:8192]:
        handle.close()
        raise IngestError("binary file, not a record file")
    encoding = "utf-8-sig"
    try:
        sample.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut by the sample's end
            detected = detect_encoding(sample)
            if detected is None:
                handle.close()
                raise IngestError("undecodable text (not UTF-8 and no other encoding fits)") from None
            encoding = detected
    return io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="")


# -- formats ---------------------------------------------------------------


def _csv_rows(handle: io.TextIOWrapper, path: Path, sink: ErrorSink) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(handle, delimiter=_delimiter(handle, path))
    try:
        columns = next(reader)
    except StopIteration:
        raise IngestError("empty file") from None
    except csv.Error as exc:
        raise IngestError(f"unreadable CSV header ({exc})") from None
    columns = [c.strip() for c in columns]
    if not find_column(columns, TEXT_COLUMNS) and not find_column(columns, TITLE_COLUMNS):
        raise IngestError(f"no text or title column (columns: {', '.join(columns[:8])})")
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            sink(f"{path.name} record {number}", f"malformed CSV ({exc})")
            continue
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(columns):
            sink(f"{path.name} record {number}", f"{len(cells)} fields but {len(columns)} columns")
            continue
        yield number, dict(zip(columns, cells))


def _delimiter(handle: io.TextIOWrapper, path: Path) -> str:
    header = handle.readline()
    handle.seek(0)
    return csv_delimiter(header, path)


def csv_delimiter(header: str, path: Path) -> str:
    """Tab for .tsv; otherwise a comma unless the header line uses ; | or tab instead."""
    if path.suffix.lower() == ".tsv":
        return "\t"
    return "," if "," in header else max(",;\t|", key=header.count)


def _jsonl_rows(handle: io.TextIOWrapper, path: Path, sink: ErrorSink) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            sink(f"{path.name} record {number}", f"invalid JSON ({exc.msg})")
            continue
        if not isinstance(value, dict):
            sink(f"{path.name} record {number}", "not a JSON object")
            continue
        yield number, value


def _ris_rows(handle: io.TextIOWrapper, path: Path, sink: ErrorSink) -> Iterator[tuple[int, dict[str, Any]]]:
    """Split the file at `ER  -` lines and parse each reference on its own with rispy."""
    import rispy

    number = 0
    lines: list[str] = []
    for line in handle:
        lines.append(line.rstrip("\r\n"))
        if not line.startswith("ER  -"):
            continue
        number += 1
        try:
            parsed = rispy.RisParser().parse_lines(iter(lines))
        except Exception as exc:  # rispy raises assorted errors on malformed references
            sink(f"{path.name} record {number}", f"malformed RIS reference ({type(exc).__name__})")
            parsed = []
        lines = []
        if not parsed:
            sink(f"{path.name} record {number}", "malformed RIS reference (no TY line)")
            continue
        yield number, _ris_record(parsed[0])
    if any(line.strip() for line in lines):
        sink(f"{path.name} record {number + 1}", "RIS reference without an ER line (truncated file?)")


def _ris_record(ref: dict[str, Any]) -> dict[str, Any]:
    record = {k: v for k, v in ref.items() if k != "unknown_tag"}
    for tag, values in (ref.get("unknown_tag") or {}).items():
        record[tag] = values if len(values) > 1 else values[0]
    abstract, second = record.get("abstract"), record.pop("notes_abstract", None)
    if second and second != abstract:  # AB and N2 both hold abstracts in some exports: keep both
        record["abstract"] = f"{abstract}\n\n{second}" if abstract else second
    if "label" not in record:
        notes = ref.get("notes") or []
        for note in notes if isinstance(notes, list) else [notes]:
            mark = _RIS_LABELS.get(str(note).strip().casefold())
            if mark is not None:
                record["label"] = mark
    return record
