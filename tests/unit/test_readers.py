"""Readers: one file in, a title, plain text and metadata out (or a short reason)."""

from __future__ import annotations

import builtins
import io
import os
import random
import zipfile
from pathlib import Path
from typing import Any

import pytest

from review import readers
from review.errors import IngestError
from review.readers import read_file


def make_pdf(text: str, title: str | None = None) -> bytes:
    """A one-page PDF showing `text`, built by hand and re-written by pypdf."""
    from pypdf import PdfReader, PdfWriter

    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(out.getvalue())))
    if title:
        writer.add_metadata({"/Title": title, "/Author": "A. Author"})
    final = io.BytesIO()
    writer.write(final)
    return final.getvalue()


def make_docx(paragraphs: list[str], title: str = "", table: list[list[str]] | None = None) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.core_properties.title = title
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def save_docx(document: Any) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# -- plain text --------------------------------------------------------------


def test_utf8_text_title_is_first_non_empty_line(tmp_path: Path) -> None:
    result = read_file(write(tmp_path, "a.txt", "\n\n  Quarterly pricing memo  \r\nBody line one.\r\n\r\n\r\n\r\nEnd."))
    assert result.title == "Quarterly pricing memo"
    assert result.text == "Quarterly pricing memo\nBody line one.\n\nEnd."


def test_markdown_heading_marks_are_not_part_of_the_title(tmp_path: Path) -> None:
    result = read_file(write(tmp_path, "notes.MD", "# Meeting notes\n\n- item one\n"))
    assert result.title == "Meeting notes"
    assert "- item one" in result.text


@pytest.mark.parametrize(
    ("original", "encoding"),
    [
        ("Café crème à la carte: the naïve résumé of our prices.\nSecond line with déjà vu.", "cp1252"),
        ("Цены на картон вырастут с первого числа. Просьба не пересылать это письмо.", "cp1251"),
    ],
)
def test_text_that_is_not_utf8_is_decoded_by_detection(tmp_path: Path, original: str, encoding: str) -> None:
    result = read_file(write(tmp_path, "w.txt", original.encode(encoding)))
    assert result.text == original
    assert result.metadata["encoding"] != "utf-8"


UNICODE_MEMO = "Memo about pricing\nThe café's price list — déjà vu, €12.\n" * 5


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (UNICODE_MEMO.encode("utf-16"), "utf-16"),  # Notepad "Unicode": little-endian with a mark
        (b"\xfe\xff" + UNICODE_MEMO.encode("utf-16-be"), "utf-16"),
        (UNICODE_MEMO.encode("utf-32"), "utf-32"),
        (UNICODE_MEMO.encode("utf-16-le"), "utf-16-le"),  # no mark, but every other byte NUL
        (UNICODE_MEMO.encode("utf-16-be"), "utf-16-be"),
    ],
    ids=["utf16-le-mark", "utf16-be-mark", "utf32-mark", "utf16-le-no-mark", "utf16-be-no-mark"],
)
def test_utf16_and_utf32_text_is_decoded(tmp_path: Path, data: bytes, encoding: str) -> None:
    result = read_file(write(tmp_path, "memo.txt", data))
    assert result.title == "Memo about pricing"
    assert result.text == readers.clean_text(UNICODE_MEMO)
    assert result.metadata["encoding"] == encoding


def test_utf16_html_is_read(tmp_path: Path) -> None:
    page = "<html><head><title>Prices</title></head><body><p>New price list</p></body></html>"
    result = read_file(write(tmp_path, "p.html", page.encode("utf-16")))
    assert (result.title, result.text) == ("Prices", "New price list")


@pytest.mark.parametrize(
    "data",
    [
        b"".join(n.to_bytes(2, "little") for n in range(1, 30)) * 50,  # small 16-bit integers: NUL every other byte
        b"".join(n.to_bytes(2, "big") for n in range(1, 30)) * 50,
        b"\xff\xfe" + random.Random(3).randbytes(4000),  # a mark, then noise
        b"\xff\xfe\x00\x00" + random.Random(4).randbytes(4000),
    ],
    ids=["int16-array", "int16-be-array", "utf16-mark-then-noise", "utf32-mark-then-noise"],
)
def test_binary_that_looks_like_utf16_is_still_refused(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(IngestError, match="binary"):
        read_file(write(tmp_path, "data.txt", data))


def test_long_first_line_is_trimmed_for_the_title(tmp_path: Path) -> None:
    line = " ".join(["word"] * 200)
    result = read_file(write(tmp_path, "long.txt", line))
    assert len(result.title) <= readers.TITLE_CHARS + 1
    assert result.title.endswith("…")
    assert result.text == line


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b" \n\n\t \n", "no text"),
        ("nul.txt", b"abc\x00\x01\x02def" * 20, "binary"),
        ("page.html", b"<html><head><title></title></head><body><script>x()</script></body></html>", "no text"),
        ("thing.xyz", b"hello", "unsupported"),
    ],
)
def test_unusable_files_raise_with_a_reason(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    with pytest.raises(IngestError, match=reason):
        read_file(write(tmp_path, name, data))


def test_random_bytes_are_refused(tmp_path: Path) -> None:
    rng = random.Random(7)
    data = bytes(rng.randrange(1, 256) for _ in range(4000))
    with pytest.raises(IngestError, match="undecodable|binary"):
        read_file(write(tmp_path, "noise.txt", data))


def test_size_is_checked_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.txt"
    with path.open("wb") as handle:  # sparse: 2 MB on paper, nothing on disk
        handle.truncate(2 * 1024 * 1024)

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(builtins, "open", no_open)
    with pytest.raises(IngestError, match="larger than the 1 MB limit"):
        read_file(path, max_mb=1)


def test_missing_file_and_folder_are_reported(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="not found"):
        read_file(tmp_path / "gone.txt")
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(IngestError, match="not a regular file"):
        read_file(tmp_path / "dir.txt")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "secret.txt", "hidden")
    path.chmod(0)
    try:
        with pytest.raises(IngestError, match="no read permission"):
            read_file(path)
    finally:
        path.chmod(0o644)


# -- HTML --------------------------------------------------------------------


def test_html_title_and_visible_text_only(tmp_path: Path) -> None:
    page = (
        "<html><head><title> Price list\n 2024 </title><style>p { color: red }</style></head>"
        "<body><script>track('x')</script><h1>Prices</h1><p>Boxes are <b>up</b> 4%.</p>"
        "<p>Cartons<br>unchanged.</p><table><tr><td>A4</td><td>12</td></tr></table></body></html>"
    )
    result = read_file(write(tmp_path, "p.htm", page))
    assert result.title == "Price list 2024"
    assert result.text.split("\n") == ["Prices", "Boxes are up 4%.", "Cartons", "unchanged.", "A4 12"]
    assert "track" not in result.text and "color" not in result.text


def test_html_in_a_declared_legacy_encoding(tmp_path: Path) -> None:
    page = '<html><head><meta charset="windows-1252"><title>Caf\u00e9 prices</title></head><body><p>cr\u00e8me</p></body></html>'
    result = read_file(write(tmp_path, "legacy.html", page.encode("cp1252")))
    assert (result.title, result.text) == ("Café prices", "crème")


def test_html_without_title_uses_first_line(tmp_path: Path) -> None:
    result = read_file(write(tmp_path, "p.html", "<p>First paragraph here</p><p>Second</p>"))
    assert result.title == "First paragraph here"


def test_html_with_an_unclosed_title_keeps_its_page(tmp_path: Path) -> None:
    result = read_file(write(tmp_path, "b.html", "<html><head><title>Broken<body><p>Text here</p>"))
    assert (result.title, result.text) == ("Broken", "Text here")


def test_html_with_only_a_title_is_read_as_its_title(tmp_path: Path) -> None:
    page = "<html><head><title>Only a title</title></head><body><script>x()</script></body></html>"
    result = read_file(write(tmp_path, "t.html", page))
    assert (result.title, result.text) == ("Only a title", "Only a title")


def test_html_block_elements_separate_words_and_inline_ones_do_not(tmp_path: Path) -> None:
    page = (
        "<div>Broken <i>markup</i> here<p>more &amp; text</p>after<ul><li>one</li><li>t<b>w</b>o</li></ul>"
        "<h2>Head</h2>tail<blockquote>quoted</blockquote>end</div>"
    )
    result = read_file(write(tmp_path, "g.html", page))
    assert result.text.split("\n") == ["Broken markup here", "more & text", "after", "one", "two", "Head", "tail", "quoted", "end"]


# -- e-mail ------------------------------------------------------------------


def test_email_subject_is_the_title_and_headers_lead_the_text(tmp_path: Path) -> None:
    mail = (
        "From: Dana Reyes <dana@example.com>\nTo: sales@example.com\n"
        "Subject: =?utf-8?q?Caf=C3=A9_pricing?=\nDate: Mon, 4 Mar 2024 09:15:00 +0000\n"
        "Content-Type: text/plain; charset=utf-8\n\nHi all,\nthe new prices start Monday.\n"
    )
    result = read_file(write(tmp_path, "m.eml", mail))
    assert result.title == "Café pricing"
    assert result.text == (
        "From: Dana Reyes <dana@example.com>\nTo: sales@example.com\nDate: Mon, 04 Mar 2024 09:15:00 +0000\n\n"
        "Hi all,\nthe new prices start Monday."
    )
    assert result.metadata["from"] == "Dana Reyes <dana@example.com>"
    assert result.metadata["to"] == "sales@example.com"
    assert "2024" in result.metadata["date"]


def test_email_prefers_the_plain_part_and_falls_back_to_html(tmp_path: Path) -> None:
    from email.message import EmailMessage

    both = EmailMessage()
    both["Subject"] = "Both"
    both.set_content("plain words")
    both.add_alternative("<p>html <b>words</b></p>", subtype="html")
    assert read_file(write(tmp_path, "both.eml", bytes(both))).text == "plain words"

    html_only = EmailMessage()
    html_only["Subject"] = "Html"
    html_only.set_content("<p>html <b>words</b></p><script>x()</script>", subtype="html")
    assert read_file(write(tmp_path, "html.eml", bytes(html_only))).text == "html words"


def test_email_attachment_names_are_kept_as_readable_text(tmp_path: Path) -> None:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["Subject"] = "See attached"
    msg.set_content("The file is attached.")
    msg.add_attachment(b"%PDF-1.4 ...", maintype="application", subtype="pdf", filename="prices.pdf")
    msg.add_attachment("a note", filename="notes.txt")
    result = read_file(write(tmp_path, "att.eml", bytes(msg)))
    assert result.metadata["attachments"] == "prices.pdf, notes.txt"  # shown as is next to the document


# -- PDF ---------------------------------------------------------------------


def test_pdf_text_and_metadata_title(tmp_path: Path) -> None:
    result = read_file(write(tmp_path, "d.pdf", make_pdf("Rebate schedule for northern region", "Rebates 2024")))
    assert result.title == "Rebates 2024"
    assert "Rebate schedule for northern region" in result.text
    assert result.metadata["pages"] == 1
    assert result.metadata["author"] == "A. Author"


def test_pdf_without_metadata_title_uses_first_line(tmp_path: Path) -> None:
    result = read_file(write(tmp_path, "d.pdf", make_pdf("Plain first line")))
    assert result.title == "Plain first line"


def test_pdf_with_bytes_after_the_end_marker_is_read(tmp_path: Path) -> None:
    data = make_pdf("Rebate schedule for northern region") + b"\n" + b"x" * 10_000
    assert "Rebate schedule for northern region" in read_file(write(tmp_path, "tail.pdf", data)).text


def test_truncated_and_corrupt_pdfs_are_refused(tmp_path: Path) -> None:
    data = make_pdf("Some text on a page", "T")
    with pytest.raises(IngestError, match="truncated"):
        read_file(write(tmp_path, "cut.pdf", data[: len(data) // 2]))
    with pytest.raises(IngestError, match="corrupt|no text"):
        read_file(write(tmp_path, "junk.pdf", b"%PDF-1.4\n" + b"garbage " * 100 + b"\n%%EOF\n"))
    with pytest.raises(IngestError, match="not a PDF"):
        read_file(write(tmp_path, "fake.pdf", b"just some words"))


# -- DOCX --------------------------------------------------------------------


def test_docx_paragraphs_tables_and_core_title(tmp_path: Path) -> None:
    data = make_docx(["Board memo", "We discussed prices."], title="Memo on prices", table=[["Region", "Rise"], ["North", "5%"]])
    result = read_file(write(tmp_path, "m.docx", data))
    assert result.title == "Memo on prices"
    assert result.text.split("\n") == ["Board memo", "We discussed prices.", "Region Rise", "North 5%"]


def test_docx_without_title_uses_first_line(tmp_path: Path) -> None:
    result = read_file(write(tmp_path, "m.docx", make_docx(["", "Opening line", "more"])))
    assert result.title == "Opening line"


def test_docx_tables_stay_in_reading_order_with_nested_cells(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Before the table")
    grid = document.add_table(rows=2, cols=2)
    grid.cell(0, 0).text, grid.cell(0, 1).text = "Region", "Rise"
    grid.cell(1, 0).text = "North"
    inner = grid.cell(1, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "5%", "from May"
    document.add_paragraph("After the table")
    result = read_file(write(tmp_path, "t.docx", save_docx(document)))
    assert result.text.split("\n") == ["Before the table", "Region Rise", "North 5% from May", "After the table"]


def test_docx_headers_and_footers_come_last_once_each(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Body text")
    document.sections[0].header.paragraphs[0].text = "Confidential"
    document.sections[0].footer.paragraphs[0].text = "Acme Ltd"
    second = document.add_section()
    second.header.is_linked_to_previous = False
    second.header.paragraphs[0].text = "Confidential"  # a second header part with the same words
    document.add_paragraph("Second section")
    result = read_file(write(tmp_path, "h.docx", save_docx(document)))
    assert result.text.split("\n") == [
        "Body text", "", "Second section", "", "--- Header/footer ---", "Confidential", "Acme Ltd",
    ]  # the empty line is the section break's paragraph


def test_docx_content_controls_are_read_in_place(tmp_path: Path) -> None:
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    document.add_paragraph("First")
    document.add_paragraph("Last")
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    paragraph = "<w:p><w:r><w:t>Inside a control</w:t></w:r></w:p>"
    document.element.body.insert(1, parse_xml(f'<w:sdt xmlns:w="{w}"><w:sdtContent>{paragraph}</w:sdtContent></w:sdt>'))
    result = read_file(write(tmp_path, "c.docx", save_docx(document)))
    assert result.text.split("\n") == ["First", "Inside a control", "Last"]


def test_corrupt_docx_is_refused(tmp_path: Path) -> None:
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    with pytest.raises(IngestError, match="corrupt DOCX"):
        read_file(write(tmp_path, "z.docx", broken.getvalue()))
    with pytest.raises(IngestError, match="not a DOCX"):
        read_file(write(tmp_path, "t.docx", b"plain text pretending"))
    good = make_docx(["words"])
    with pytest.raises(IngestError, match="corrupt DOCX"):
        read_file(write(tmp_path, "cut.docx", good[: len(good) // 2]))


def test_an_unexpected_parser_failure_becomes_a_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(data: bytes) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setitem(readers._READERS, ".html", explode)
    with pytest.raises(IngestError, match=r"could not be read \(RecursionError\)"):
        read_file(write(tmp_path, "deep.html", "<div>" * 10))


@pytest.mark.parametrize(
    ("original", "encoding"),
    [("Grüße", "latin-1"), ("Café", "latin-1"), ("Это документ о ценовом соглашении.", "koi8-r"), ("Привет мир", "cp1251"),
     ("Łódź i Kraków", "cp1250"), ("naïve café résumé, 12 €", "cp1252")],
    ids=["latin1-five-bytes", "latin1-four-bytes", "koi8r-line", "cp1251-two-words", "cp1250-polish", "cp1252"],
)
def test_a_few_words_in_a_code_page_are_read_as_words(tmp_path: Path, original: str, encoding: str) -> None:
    """charset-normalizer alone read "Grüße" as Urdu (cp1006) and KOI8-R Russian as Shift-JIS."""
    result = read_file(write(tmp_path, "short.txt", original.encode(encoding)))
    assert result.text == original


def test_readability_prefers_words_in_one_script_and_case() -> None:
    from review.encoding_guess import readability

    assert readability("Grüße aus Köln") == 1.0
    assert readability("Grﮰﻑe") < 0.5  # Arabic presentation forms inside a Latin word
    assert readability("Ïðèâåò ìèð") < readability("Привет мир")  # Cyrillic read as Latin-1
    assert readability("ﾏ ﾄﾏﾋﾕﾍﾅﾎﾔ") < 0.5  # half-width katakana: KOI8-R read as Shift-JIS
    assert readability("plain ASCII text") == 1.0


def test_a_pdf_cut_inside_an_incremental_update_is_truncated(tmp_path: Path) -> None:
    """Its first version reads, but the pages of the update would be missing without a word."""
    data = make_pdf("Page one of the agreement") + b"8 0 obj\n<< /Type /Page /Parent 2 0 R >>\nendobj\n9 0 obj\n<< /Len"
    with pytest.raises(IngestError, match="truncated"):
        read_file(write(tmp_path, "cut-update.pdf", data))


def test_docx_tracked_insertions_and_fields_are_read_and_deletions_are_not(tmp_path: Path) -> None:
    import docx
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = docx.Document()
    document.add_paragraph("Plain paragraph.")
    body = document.element.body
    for xml in (
        f'<w:p {w}><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:t>Clause:</w:t></w:r>'
        '<w:ins w:id="1" w:author="a" w:date="2026-01-01T00:00:00Z"><w:r><w:tab/><w:t>INSERTED</w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="a" w:date="2026-01-01T00:00:00Z"><w:r><w:delText>DELETED</w:delText></w:r></w:del>'
        '</w:p>',
        f'<w:p {w}><w:fldSimple w:instr="DATE"><w:r><w:t>FIELD-RESULT</w:t></w:r></w:fldSimple></w:p>',
    ):
        body.insert(len(body) - 1, parse_xml(xml))
    path = tmp_path / "tracked.docx"
    document.save(path)
    assert read_file(path).text == "Plain paragraph.\nClause: INSERTED\nFIELD-RESULT"  # tabs read as spaces


def test_a_docx_that_unpacks_to_too_much_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("word " * 20_000)
    path = tmp_path / "big.docx"
    document.save(path)
    monkeypatch.setattr(readers, "DOCX_MAX_UNPACKED", 50_000)
    with pytest.raises(IngestError, match="unpacks to"):
        read_file(path)
