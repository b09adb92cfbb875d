"""Reading an e-mail (.eml): the subject as title; a header block, the body, and the text of its
attachments and forwarded messages (through the other readers of `review.readers`)."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from review import readers
from review.errors import IngestError
from review.readers import ReadResult, decode_text, html_to_text

EMAIL_ATTACHMENT_CHARS = 1_000_000
"""The text of an e-mail's attachments and forwarded messages is cut at this many characters."""

_EMAIL_DEPTH = 8
"""Forwarded messages nested more levels deep than this are noted, not read."""
_HEADER_KEYS = ("From", "To", "Cc", "Date")
_ATTACHMENT_SUFFIXES = {
    "message/rfc822": ".eml",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}


def read_eml(data: bytes) -> ReadResult:
    """An e-mail: the subject as title; a header block, the body, then its attachments as text."""
    if b"\x00" in data[:readers._BINARY_SAMPLE]:
        raise IngestError("binary file, not an e-mail")
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
        subject = _header(msg, "Subject")
        meta = {key.lower(): _header(msg, key) for key in _HEADER_KEYS if msg[key] is not None}
        text, names = _email_text(msg, depth=0)
    except IngestError:
        raise
    except Exception as exc:  # the email package raises many types on malformed input
        raise IngestError(f"malformed e-mail ({type(exc).__name__})") from None
    if names:
        meta["attachments"] = ", ".join(names)  # shown as is next to the document
    return ReadResult(subject, text, meta)


def _email_text(msg: Any, depth: int) -> tuple[str, list[str]]:
    """The header block, the body and the attachments' text of `msg`, and its attachments' names."""
    body, body_text = _email_body(msg)
    parts = list(_attachment_parts(msg, body))
    names = [name for name in (_file_name(part) for part in parts) if name]
    lines = [f"{key}: {value}" for key in _header_keys(depth) if (value := _header(msg, key))]
    if names:
        lines.append("Attachments: " + ", ".join(names))
    blocks = ["\n".join(lines), body_text, _attachment_sections(parts, depth)]
    return "\n\n".join(block for block in blocks if block.strip()), names


def _header_keys(depth: int) -> tuple[str, ...]:
    # A forwarded message's subject is not the document's title, so it goes in its header block.
    return _HEADER_KEYS if depth == 0 else (*_HEADER_KEYS, "Subject")


def _header(msg: Any, key: str) -> str:
    """A header on one line, RFC 2047 encoded words decoded (empty if absent)."""
    value = msg[key]
    return " ".join(str(value).split()) if value is not None else ""


def _file_name(part: Any) -> str:
    return " ".join((part.get_filename() or "").split())


def _email_body(msg: Any) -> tuple[Any, str]:
    """The part read as the body (None if there is none) and its text."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None and msg.get_content_maintype() == "text" and not msg.is_attachment():
        part = msg  # a single text part of another kind (text/enriched, text/csv…)
    if part is None:
        raw = msg.get_payload()
        if msg.is_multipart() or not isinstance(raw, str) or not msg.defects:
            return None, ""
        return None, raw.strip()  # a broken multipart (no boundary): its raw lines beat losing the body
    text = _part_text(part)
    return part, html_to_text(text)[1] if part.get_content_subtype() == "html" else text


def _attachment_parts(msg: Any, body: Any) -> Iterator[Any]:
    """The parts of `msg` other than its body, looking into nested multiparts but not into
    forwarded messages (each of those is one part)."""
    if msg.get_content_maintype() != "multipart":
        if msg is not body:
            yield msg  # the whole message is one attachment
        return
    for part in msg.iter_attachments():
        if part.get_content_maintype() != "multipart":
            yield part
            continue
        inner = part.get_body(preferencelist=("plain", "html"))
        if inner is not None and inner is not body:
            yield inner
        yield from _attachment_parts(part, body)


def _attachment_sections(parts: list[Any], depth: int) -> str:
    """Each readable attachment's text under a heading, cut at `EMAIL_ATTACHMENT_CHARS` in all.

    Attachments of other types (images, archives…) are only named in the header block.
    """
    sections: list[str] = []
    room = EMAIL_ATTACHMENT_CHARS
    for part in filter(_is_readable, parts):
        section = _attachment_section(part, depth)
        if len(section) > room:
            cut = section[:room] if "\n" in section[:room] else ""  # not a heading without its text
            sections.append(f"{cut}\n--- Attachments cut at {EMAIL_ATTACHMENT_CHARS:,} characters ---")
            break
        sections.append(section)
        room -= len(section)
    return "\n\n".join(sections)


def _attachment_section(part: Any, depth: int) -> str:
    """One attachment under a heading, or the heading and why it could not be read."""
    forwarded = _attachment_suffix(part) == ".eml"
    heading = "Forwarded message" if forwarded else f"Attachment: {_file_name(part) or part.get_content_type()}"
    try:
        text = _forwarded_text(part, depth) if forwarded else _attachment_text(part)
    except IngestError as exc:
        return f"--- {heading} (not readable: {exc.message}) ---"
    except Exception as exc:  # one broken attachment must not cost the whole e-mail
        return f"--- {heading} (not readable: {type(exc).__name__}) ---"
    return f"--- {heading} ---\n{text.strip()}"


def _is_readable(part: Any) -> bool:
    suffix = _attachment_suffix(part)
    return part.get_content_maintype() == "text" or suffix == ".eml" or suffix in readers._READERS


def _attachment_suffix(part: Any) -> str:
    """The file name ending an attachment is read as: from its type, else from its name."""
    return _ATTACHMENT_SUFFIXES.get(part.get_content_type()) or Path(_file_name(part)).suffix.lower()


def _attachment_text(part: Any) -> str:
    suffix = _attachment_suffix(part)
    if part.get_content_maintype() == "text":
        text = _part_text(part)
        is_html = part.get_content_subtype() == "html" or suffix in (".html", ".htm")
        return html_to_text(text)[1] if is_html else text
    return readers._READERS[suffix](part.get_payload(decode=True) or b"").text


def _forwarded_text(part: Any, depth: int) -> str:
    if depth + 1 > _EMAIL_DEPTH:
        raise IngestError(f"forwarded more than {_EMAIL_DEPTH} levels deep")
    if part.get_content_type() == "message/rfc822":
        inner = part.get_content()
    else:  # an .eml file attached as application/octet-stream
        inner = email.message_from_bytes(part.get_payload(decode=True) or b"", policy=email.policy.default)
    return _email_text(inner, depth + 1)[0]


_SINGLE_BYTE_LATIN = frozenset({"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "iso-8859-15",
                                "windows-1252", "cp1252"})


def _part_text(part: Any) -> str:
    """A text part decoded with its declared charset, or with a detected one when the declared
    charset is unknown or leaves undecodable bytes (U+FFFD)."""
    try:
        declared: str | None = str(part.get_content())
    except (LookupError, UnicodeError, ValueError):  # an unknown charset
        declared = None
    payload = part.get_payload(decode=True) or b""
    if declared is not None and "\ufffd" not in declared:
        if not payload.isascii() and part.get_content_charset("") in _SINGLE_BYTE_LATIN:
            try:  # UTF-8 sent as Latin-1, the commonest wrong label, reads as "Ã©tÃ©" without this
                return payload.decode("utf-8")
            except UnicodeDecodeError:
                pass
        return declared
    try:
        detected = decode_text(payload)[0] if payload else ""
    except IngestError:
        if declared is None:
            raise
        return declared
    if declared is None:
        return detected
    return min((declared, detected), key=lambda text: text.count("\ufffd"))
