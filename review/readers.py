"""Reading one document file into a title, plain text and metadata.

Each supported format has a small reader built on a well-kept library:
pypdf, python-docx, BeautifulSoup (html.parser), the standard `email`
package (in `review.mail`) and charset-normalizer for text whose encoding is not UTF-8.
Anything unusable raises `IngestError` with a short reason meant for the
import report; nothing here prints or logs.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from review.errors import IngestError

DOCUMENT_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".html", ".htm", ".eml", ".pdf", ".docx"})
"""File name endings read as one document each (compared lower-cased)."""

DEFAULT_MAX_MB = 50.0
"""Files larger than this many megabytes are skipped unless told otherwise."""

TITLE_CHARS = 200
"""Titles taken from a document's first line are cut to this length."""

_BINARY_SAMPLE = 8192
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
"""Byte order marks, the UTF-32 ones first (UTF-32 LE's starts like UTF-16 LE's)."""
_LATIN_CODEPAGES = frozenset({
    "cp1250", "cp1252", "cp1254", "cp1257", "cp775", "cp850", "latin_1", "mac_latin2", "mac_roman",
    "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_9", "iso8859_10", "iso8859_13", "iso8859_15", "iso8859_16",
})
_BLOCK_TAGS = [
    "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article",
    "header", "footer", "blockquote", "pre", "ul", "ol", "dl", "dt", "dd", "hr", "address", "main",
    "nav", "aside", "figure", "figcaption", "caption", "details", "summary", "form", "fieldset",
    "legend", "center", "dialog", "menu",
]
_BLOCK_SET = frozenset(_BLOCK_TAGS)
_TITLE_ENDS = _BLOCK_SET | {"body", "head", "html"}
_HIDDEN_TAGS = frozenset({"script", "style", "noscript", "template"})
_BLOCK_MARK = "\x1e"
"""Put around block elements; the text is split at it and each piece, trimmed, becomes a line."""
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_P, _W_TBL, _W_TR, _W_TC = _W + "p", _W + "tbl", _W + "tr", _W + "tc"
_W_T, _W_TAB, _W_BR, _W_CR, _W_TABS = _W + "t", _W + "tab", _W + "br", _W + "cr", _W + "tabs"
_W_WRAPPERS = frozenset({_W + "sdt", _W + "sdtContent", _W + "customXml"})
"""Content controls and custom XML hold paragraphs and tables of their own."""
_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")


@dataclass(frozen=True)
class ReadResult:
    """The readable content of one file."""

    title: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


def is_document(path: Path) -> bool:
    """Whether `path` has a file name ending this module can read."""
    return path.suffix.lower() in DOCUMENT_SUFFIXES


def read_file(path: Path, max_mb: float = DEFAULT_MAX_MB) -> ReadResult:
    """Read one document file.

    The size is checked before anything is read, so an oversized file costs
    one `stat` call.

    Args:
        path: The file to read; its suffix picks the reader.
        max_mb: Files larger than this many megabytes are refused.

    Returns:
        The title, the plain text and format-specific metadata.

    Raises:
        IngestError: the file is missing, unreadable, not a regular file,
            empty, too large, binary, corrupt or has no text.
    """
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise IngestError(f"unsupported file type {path.suffix or '(no extension)'}")
    data = _read_bytes(path, max_mb)
    try:
        result = reader(data)
    except IngestError:
        raise
    except Exception as exc:  # a parser bug or a pathological file must not stop an import
        raise IngestError(f"could not be read ({type(exc).__name__})") from exc
    text = clean_text(result.text)
    if not text:
        raise IngestError("no text in the file")
    title = clean_title(result.title) or first_line(text)
    return ReadResult(title=title, text=text, metadata=result.metadata)


def _read_bytes(path: Path, max_mb: float) -> bytes:
    limit = int(max_mb * 1024 * 1024)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise IngestError("not a regular file")
        if info.st_size > limit:
            raise IngestError(f"larger than the {max_mb:g} MB limit ({_size(info.st_size)})")
        if info.st_size == 0:
            raise IngestError("empty file")
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except PermissionError:
        raise IngestError("no read permission") from None
    except FileNotFoundError:
        raise IngestError("file not found (broken link or removed during import)") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise IngestError("symbolic link loop") from None
        raise IngestError(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise IngestError(f"larger than the {max_mb:g} MB limit")
    if not data:
        raise IngestError("empty file")
    return data


def _size(n_bytes: int) -> str:
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / 1048576:.1f} MB"
    return f"{n_bytes / 1024:.1f} kB"


# -- cleaning --------------------------------------------------------------


def clean_text(text: str) -> str:
    """Normalise line ends, trim each line and keep at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def clean_title(title: str | None) -> str:
    """A title on one line, trimmed to `TITLE_CHARS` characters."""
    if not title:
        return ""
    one_line = " ".join(str(title).split())
    return _trim(one_line)


def first_line(text: str) -> str:
    """The first non-empty line of `text`, trimmed to `TITLE_CHARS` characters."""
    for line in text.split("\n"):
        line = line.strip().lstrip("#").strip()
        if line:
            return _trim(line)
    return ""


def _trim(line: str) -> str:
    if len(line) <= TITLE_CHARS:
        return line
    cut = line[:TITLE_CHARS].rsplit(" ", 1)[0] or line[:TITLE_CHARS]
    return cut.rstrip() + "…"


# -- plain text ------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes that should be text: UTF-16/32 (see `unicode_encoding`), then UTF-8,
    then a detected encoding.

    Returns:
        The text and the name of the encoding used.

    Raises:
        IngestError: the bytes look binary or no encoding fits them.
    """
    wide = unicode_encoding(data)
    if wide is not None:
        text = data.decode(wide, errors="replace")
        if _unprintable_share(text) > 0.05:
            raise IngestError("binary file, not text")
        return text, wide
    if b"\x00" in data[:_BINARY_SAMPLE]:
        raise IngestError("binary file, not text")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    encoding = detect_encoding(data)
    if encoding is None:
        raise IngestError("undecodable text (not UTF-8 and no other encoding fits)")
    text = data.decode(encoding, errors="replace")
    if _control_share(text) > 0.05:
        raise IngestError("binary file, not text")
    return text, encoding


def unicode_encoding(data: bytes) -> str | None:
    """The UTF-16 or UTF-32 codec `data` is in, or None for anything else.

    A byte order mark decides (Windows Notepad's "Unicode" and Excel's
    "Unicode text" write UTF-16 LE with one). Without a mark, UTF-16 is
    recognised only when its sample is mostly ASCII: the high byte of a
    character NUL in at least 90 % of them and no low byte NUL (the second
    byte of each pair is the high one in LE, the first in BE). Binary data that
    happens to pass is caught afterwards by its unprintable characters.

    Returns:
        "utf-32" or "utf-16" (they read and drop the mark), "utf-16-le" or
        "utf-16-be" for unmarked text, or None.
    """
    for mark, codec in _BOMS:
        if data.startswith(mark):
            return codec
    sample = data[:_BINARY_SAMPLE]
    sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) < 8:
        return None
    firsts, seconds = sample[0::2], sample[1::2]
    for low, high, codec in ((firsts, seconds, "utf-16-le"), (seconds, firsts, "utf-16-be")):
        if b"\x00" not in low and high.count(0) >= 0.9 * len(high):
            return codec
    return None


def detect_encoding(data: bytes) -> str | None:
    """The encoding charset-normalizer finds for `data` (None if nothing fits)."""
    from charset_normalizer import from_bytes

    from review.encoding_guess import COMMON_CODEPAGES, most_readable

    matches = from_bytes(data)
    best = matches.best()
    # `unicode_encoding` has already recognised real UTF-16/32; a guess of it here is four bytes of Latin-1
    if best is None or best.encoding is None or best.encoding.startswith(("utf_16", "utf_32")):
        return most_readable(data, COMMON_CODEPAGES)
    choice = best.encoding
    # Short Latin-script text fits several code pages almost equally well;
    # prefer the commonest (Windows-1252) when it fits nearly as well.
    if choice in _LATIN_CODEPAGES:
        for match in matches:
            if match.encoding == "cp1252" and match.chaos <= best.chaos + 0.1:
                choice = "cp1252"
    # On a few words it may still pick an exotic page: keep its pick unless another reads more like words.
    return most_readable(data, [choice, *COMMON_CODEPAGES, *(m.encoding for m in matches)]) or choice


def _control_share(text: str) -> float:
    sample = text[:_BINARY_SAMPLE]
    if not sample:
        return 0.0
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    return bad / len(sample)


def _unprintable_share(text: str) -> float:
    """Share of characters that are undecodable (U+FFFD), or neither printable nor whitespace
    (unassigned, private-use, control): near zero for text, high for bytes read as UTF-16/32."""
    sample = text[:_BINARY_SAMPLE]
    if not sample:
        return 0.0
    bad = sum(1 for ch in sample if ch == "\ufffd" or not (ch.isprintable() or ch.isspace() or ch == "\ufeff"))
    return bad / len(sample)


def _read_plain(data: bytes) -> ReadResult:
    text, encoding = decode_text(data)
    return ReadResult("", text, {"encoding": encoding})


# -- HTML ------------------------------------------------------------------


def html_to_text(markup: str | bytes) -> tuple[str, str]:
    """The title and visible text of an HTML page (scripts and styles dropped).

    Block elements (paragraphs, headings, list items, table rows…) start and
    end a line; inline elements such as <b> do not break the text. One pass
    over the markup, never a tree: deep or unclosed nesting stays linear.
    """
    if isinstance(markup, bytes):
        from bs4.dammit import UnicodeDammit  # follows a declared <meta charset>, else detects one

        markup = UnicodeDammit(markup, is_html=True).unicode_markup or ""
    parser = _PageText()
    parser.feed(markup)
    parser.close()
    pieces = (piece.strip() for piece in "".join(parser.parts).split(_BLOCK_MARK))
    return " ".join(" ".join(parser.title).split()), "\n".join(piece for piece in pieces if piece)


class _PageText(HTMLParser):
    """Collects a page's title and its visible text, with `_BLOCK_MARK` at block boundaries.

    html.parser does not close an unclosed <title> at <body>: the title stops
    at the first block element, and everything from there on is page text.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._hidden = 0
        self._in_title = False
        self._had_title = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag == "title" and not self._had_title:
            self._in_title = self._had_title = True
        elif self._in_title and tag in _TITLE_ENDS:
            self._in_title = False
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK_SET:
            self.parts.append(_BLOCK_MARK)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in ("td", "th"):
            self.parts.append("\t")
        if tag in _BLOCK_SET:
            self.parts.append(_BLOCK_MARK)

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        (self.title if self._in_title else self.parts).append(data)


def _read_html(data: bytes) -> ReadResult:
    markup: str | bytes
    if unicode_encoding(data) is not None:
        markup = decode_text(data)[0]
    elif b"\x00" in data[:_BINARY_SAMPLE]:
        raise IngestError("binary file, not HTML")
    else:
        try:
            markup = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            markup = data  # BeautifulSoup follows a declared <meta charset>, else detects one
    title, text = html_to_text(markup)
    return ReadResult(title, text if text.strip() else title, {})


# -- PDF -------------------------------------------------------------------


def _read_pdf(data: bytes) -> ReadResult:
    from pypdf import PdfReader

    if b"%PDF-" not in data[:1024]:
        raise IngestError("not a PDF file (no PDF header)")
    if _cut_update(data):
        raise IngestError("truncated PDF (no end-of-file marker)")
    # pypdf logs recoverable problems as warnings; they are not ours to print.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError("encrypted PDF (password needed)")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
        title = str(info.title or "") if info else ""
        meta: dict[str, Any] = {"pages": len(pages)}
        if info and info.author:
            meta["author"] = str(info.author)
    except IngestError:
        raise
    except Exception as exc:  # pypdf raises many types on corrupt input
        raise IngestError(f"corrupt PDF ({type(exc).__name__})") from None
    text = "\n\n".join(pages)
    if not text.strip():
        raise IngestError("no text in the PDF (scanned or image-only?)")
    return ReadResult(title, text, meta)


_PDF_STRUCTURE = re.compile(rb"\bobj\b|\bxref\b|\bstartxref\b|\btrailer\b")


def _cut_update(data: bytes) -> bool:
    """Whether the file ends in PDF structure with no %%EOF after it: a save cut short.

    Bytes after the last %%EOF are harmless padding unless they hold objects or a
    cross-reference table (an incremental update that was cut, whose pages would be
    missing without a word); a file with no %%EOF at all is cut too.
    """
    end = data.rfind(b"%%EOF")
    return end < 0 or bool(_PDF_STRUCTURE.search(data, end + 5))


# -- DOCX ------------------------------------------------------------------


DOCX_MAX_UNPACKED = 100 * 2**20
"""A DOCX whose parts unpack to more than this is refused, whatever its size on disk."""


def _unpacked_size(data: bytes) -> int:
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0  # python-docx reports the corrupt archive


def _read_docx(data: bytes) -> ReadResult:
    import docx

    if not data.startswith(b"PK"):
        raise IngestError("not a DOCX file (not a zip archive)")
    unpacked = _unpacked_size(data)
    if unpacked > DOCX_MAX_UNPACKED:  # a "zip bomb" would take minutes and gigabytes to parse
        raise IngestError(f"DOCX unpacks to {_size(unpacked)}, over the {_size(DOCX_MAX_UNPACKED)} limit")
    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(_docx_lines(document.element.body))
        margins = _docx_headers_footers(document)
        if margins:
            lines += ["", "--- Header/footer ---", *margins]
        core = document.core_properties
        title = core.title or ""
        meta: dict[str, Any] = {}
        if core.author:
            meta["author"] = core.author
        if core.created:
            meta["created"] = core.created.isoformat()
    except Exception as exc:  # zipfile, lxml and python-docx errors on corrupt input
        raise IngestError(f"corrupt DOCX ({type(exc).__name__})") from None
    return ReadResult(title, "\n".join(lines), meta)


def _docx_lines(element: Any) -> Iterator[str]:
    """The paragraphs and table rows of a body, table cell, header or footer, in reading order."""
    for child in element.iterchildren():
        if child.tag == _W_P:
            yield _docx_paragraph(child)
        elif child.tag == _W_TBL:
            yield from _docx_rows(child)
        elif child.tag in _W_WRAPPERS:
            yield from _docx_lines(child)


def _docx_paragraph(paragraph: Any) -> str:
    """A paragraph's text from every run inside it: tracked insertions, content controls, smart
    tags and field results included; deleted text (w:delText) left out."""
    pieces = []
    for node in paragraph.iter(_W_T, _W_TAB, _W_BR, _W_CR):
        if node.getparent().tag == _W_TABS:  # a tab stop of the paragraph's style, not a tab
            continue
        pieces.append(node.text or "" if node.tag == _W_T else "\t" if node.tag == _W_TAB else "\n")
    return "".join(pieces)


def _docx_children(element: Any, tag: str) -> Iterator[Any]:
    """`element`'s children with `tag`, looking through content controls and custom XML."""
    for child in element.iterchildren():
        if child.tag == tag:
            yield child
        elif child.tag in _W_WRAPPERS:
            yield from _docx_children(child, tag)


def _docx_rows(table: Any) -> Iterator[str]:
    """One line per row, cells apart by tabs; a cell holding paragraphs or tables spans lines
    (empty ones left out: Word ends every cell, and a table in one, with a paragraph)."""
    for row in _docx_children(table, _W_TR):
        cells = (filter(str.strip, _docx_lines(cell)) for cell in _docx_children(row, _W_TC))
        yield "\t".join("\n".join(lines) for lines in cells)


def _docx_headers_footers(document: Any) -> list[str]:
    """The lines of every header, then every footer, each line once."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    rels = [rel for rel in document.part.rels.values() if not rel.is_external]
    parts = [rel.target_part for kind in (RT.HEADER, RT.FOOTER) for rel in rels if rel.reltype == kind]
    lines = (line for part in parts for line in _docx_lines(part.element) if line.strip())
    return list(dict.fromkeys(lines))


def _read_eml(data: bytes) -> ReadResult:
    from review.mail import read_eml

    return read_eml(data)


_READERS: dict[str, Callable[[bytes], ReadResult]] = {
    ".txt": _read_plain,
    ".md": _read_plain,
    ".html": _read_html,
    ".htm": _read_html,
    ".eml": _read_eml,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}
