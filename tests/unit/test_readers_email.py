"""E-mail reading: a header block, the body, then attachments and forwarded messages as text."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from review import mail, readers
from review.readers import read_file
from tests.unit.test_readers import make_docx, make_pdf, write

DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


def message(subject: str = "Prices", body: str | None = "See below.", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    for key, value in headers.items():
        msg[key.rstrip("_").title()] = value  # from_: "from" is a keyword
    if body is not None:
        msg.set_content(body)
    return msg


def read_mail(tmp_path: Path, msg: EmailMessage | bytes, name: str = "m.eml") -> readers.ReadResult:
    return read_file(write(tmp_path, name, msg if isinstance(msg, bytes) else bytes(msg)))


def test_header_block_has_decoded_names_cc_and_attachment_names(tmp_path: Path) -> None:
    mail = (
        b"From: =?utf-8?q?Jos=C3=A9_M=C3=BCller?= <jose@example.com>\n"
        b"To: sales@example.com, =?iso-8859-1?q?K=F6ln_Office?= <koeln@example.com>\n"
        b"Cc: legal@example.com\nSubject: Rebates\nDate: Tue, 5 Mar 2024 10:00:00 +0100\n"
        b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain; charset=utf-8\n\nThe rebate list is attached.\n"
        b'--b\nContent-Type: text/plain; name="notes.txt"\nContent-Disposition: attachment; filename="notes.txt"\n\n'
        b"North gets 5%.\n--b--\n"
    )
    result = read_mail(tmp_path, mail)
    assert result.title == "Rebates"
    assert result.text.split("\n")[:7] == [
        "From: José Müller <jose@example.com>",
        "To: sales@example.com, Köln Office <koeln@example.com>",
        "Cc: legal@example.com",
        "Date: Tue, 05 Mar 2024 10:00:00 +0100",
        "Attachments: notes.txt",
        "",
        "The rebate list is attached.",
    ]
    assert "Rebates" not in result.text
    assert result.metadata["cc"] == "legal@example.com"
    assert result.metadata["attachments"] == "notes.txt"


def test_cc_and_attachments_lines_only_when_present(tmp_path: Path) -> None:
    result = read_mail(tmp_path, message(body="Hello.", from_="a@example.com", to="b@example.com"))
    assert result.text == "From: a@example.com\nTo: b@example.com\n\nHello."


def test_attachments_are_appended_as_text_under_their_names(tmp_path: Path) -> None:
    msg = message(body="Three files attached.")
    msg.add_attachment("Plain note about boxes.", filename="note.txt")
    msg.add_attachment("<p>Cartons <b>up</b></p><script>x()</script>", subtype="html", filename="page.html")
    msg.add_attachment(make_pdf("Rebate schedule north"), maintype="application", subtype="pdf", filename="r.pdf")
    msg.add_attachment(make_docx(["Board memo on prices"]), *DOCX_TYPE, filename="m.docx")
    msg.add_attachment(b"Octet note", maintype="application", subtype="octet-stream", filename="raw.txt")
    text = read_mail(tmp_path, msg).text
    assert text.startswith("Attachments: note.txt, page.html, r.pdf, m.docx, raw.txt\n\nThree files attached.\n\n")
    assert text.endswith(
        "--- Attachment: note.txt ---\nPlain note about boxes.\n\n--- Attachment: page.html ---\nCartons up\n\n"
        "--- Attachment: r.pdf ---\nRebate schedule north\n\n--- Attachment: m.docx ---\nBoard memo on prices\n\n"
        "--- Attachment: raw.txt ---\nOctet note"
    )


def test_forwarded_messages_are_read_recursively(tmp_path: Path) -> None:
    innermost = message("First offer", "We offer 3%.", from_="carol@example.com")
    inner = message("Fwd: First offer", "Look at this.", from_="bob@example.com", to="dana@example.com")
    inner.add_attachment(innermost)
    outer = message("Fwd: Fwd: First offer", "FYI", from_="dana@example.com")
    outer.add_attachment(inner)
    result = read_mail(tmp_path, outer)
    assert result.title == "Fwd: Fwd: First offer"
    assert result.text == (
        "From: dana@example.com\n\nFYI\n\n--- Forwarded message ---\n"
        "From: bob@example.com\nTo: dana@example.com\nSubject: Fwd: First offer\n\nLook at this.\n\n"
        "--- Forwarded message ---\nFrom: carol@example.com\nSubject: First offer\n\nWe offer 3%."
    )


def test_forwarding_deeper_than_the_limit_is_noted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mail, "_EMAIL_DEPTH", 2)
    msg = message("level 3", "3")
    for level in (2, 1, 0):
        outer = message(f"level {level}", str(level))
        outer.add_attachment(msg)
        msg = outer
    text = read_mail(tmp_path, msg).text
    assert "--- Forwarded message ---\nSubject: level 2\n\n2" in text
    assert text.endswith("--- Forwarded message (not readable: forwarded more than 2 levels deep) ---")


def test_an_unreadable_attachment_is_noted_and_the_rest_is_kept(tmp_path: Path) -> None:
    msg = message(body="Three attachments.")
    msg.add_attachment(b"%PDF-1.4\n" + b"garbage " * 50, maintype="application", subtype="pdf", filename="bad.pdf")
    msg.add_attachment(b"\x89PNG\r\n", maintype="image", subtype="png", filename="logo.png")
    msg.add_attachment("Still read.", filename="ok.txt")
    assert read_mail(tmp_path, msg).text == (
        "Attachments: bad.pdf, logo.png, ok.txt\n\nThree attachments.\n\n"
        "--- Attachment: bad.pdf (not readable: truncated PDF (no end-of-file marker)) ---\n\n"
        "--- Attachment: ok.txt ---\nStill read."
    )  # an image is not text: named at the top, no section of its own


def test_a_reader_crash_on_an_attachment_is_noted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(data: bytes) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setitem(readers._READERS, ".docx", explode)
    msg = message(body="Body.")
    msg.add_attachment(make_docx(["x"]), *DOCX_TYPE, filename="m.docx")
    assert read_mail(tmp_path, msg).text.endswith("Body.\n\n--- Attachment: m.docx (not readable: RecursionError) ---")


@pytest.mark.parametrize(
    ("cap", "tail"),
    [
        (150, "b" * 34 + "\n--- Attachments cut at 150 characters ---"),
        (100, "a" * 60 + "\n\n--- Attachments cut at 100 characters ---"),  # no heading left without text
    ],
    ids=["cut-in-the-text", "cut-in-the-heading"],
)
def test_attachment_text_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cap: int, tail: str) -> None:
    monkeypatch.setattr(mail, "EMAIL_ATTACHMENT_CHARS", cap)
    msg = message(body="Big attachments.")
    for name, letter in (("one.txt", "a"), ("two.txt", "b"), ("six.txt", "c")):
        msg.add_attachment(letter * 60, filename=name)
    text = read_mail(tmp_path, msg).text
    assert text.startswith("Attachments: one.txt, two.txt, six.txt\n\nBig attachments.\n\n--- Attachment: one.txt ---")
    assert text.endswith(tail)
    assert "six.txt ---" not in text


def test_email_without_a_text_body_is_imported(tmp_path: Path) -> None:
    headers_only = message("Call me", body=None, from_="a@example.com", date="Mon, 4 Mar 2024 09:15:00 +0000")
    result = read_mail(tmp_path, headers_only, "h.eml")
    assert (result.title, result.text) == ("Call me", "From: a@example.com\nDate: Mon, 04 Mar 2024 09:15:00 +0000")

    only_attachment = message("Scan", body=None, from_="a@example.com")
    only_attachment.add_attachment(b"\x00\x01", maintype="application", subtype="octet-stream", filename="x.bin")
    only_attachment.add_attachment("The attached text.", filename="y.txt")
    result = read_mail(tmp_path, only_attachment, "a.eml")
    assert result.title == "Scan"
    assert result.text == (
        "From: a@example.com\nAttachments: x.bin, y.txt\n\n--- Attachment: y.txt ---\nThe attached text."
    )


def test_a_message_that_is_one_attachment_is_read(tmp_path: Path) -> None:
    mail = (
        b"From: a@example.com\nSubject: Just a note\nContent-Type: text/plain; charset=utf-8\n"
        b'Content-Disposition: attachment; filename="note.txt"\n\nNote text.\n'
    )
    result = read_mail(tmp_path, mail)
    assert result.text == "From: a@example.com\nAttachments: note.txt\n\n--- Attachment: note.txt ---\nNote text."


@pytest.mark.parametrize("subtype", ["plain", "html"])
def test_a_wrong_declared_charset_falls_back_to_detection(tmp_path: Path, subtype: str) -> None:
    body = "Grüße aus Köln, die Preise steigen nächste Woche für alle Kartons."
    mail = (
        f"Subject: Gruss\nContent-Type: text/{subtype}; charset=us-ascii\nContent-Transfer-Encoding: 8bit\n\n".encode()
        + (f"<p>{body}</p>" if subtype == "html" else body).encode("latin-1")
    )
    assert read_mail(tmp_path, mail).text == body


def test_a_correct_charset_is_kept(tmp_path: Path) -> None:
    body = "Цены на картон вырастут с первого числа."
    head = b"Subject: x\nContent-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: 8bit\n\n"
    mail = head + body.encode("koi8-r")
    assert read_mail(tmp_path, mail).text == body


def test_utf8_sent_as_latin1_is_read_as_utf8(tmp_path: Path) -> None:
    body = "Les prix ont été fixés à Zürich."
    head = b"Subject: x\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n"
    assert read_mail(tmp_path, head + body.encode("utf-8")).text == body
    assert read_mail(tmp_path, head + body.encode("latin-1")).text == body  # a true Latin-1 body stays as it is


def test_a_multipart_without_a_boundary_keeps_its_raw_body(tmp_path: Path) -> None:
    mail = (b"From: a@example.com\nSubject: test\nMIME-Version: 1.0\nContent-Type: multipart/mixed\n\n"
            b"--X\nContent-Type: text/plain\n\nthe rebate is agreed\n")
    text = read_mail(tmp_path, mail).text
    assert text.startswith("From: a@example.com") and "the rebate is agreed" in text
