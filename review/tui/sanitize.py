"""Make document text safe to put on a terminal.

Documents come from anywhere: a log file with ANSI colours, a scraped page
with a stray bell, a record file crafted to retitle the terminal window. Before
any of it reaches the screen, escape sequences (CSI, OSC, DCS and other
ESC-introduced sequences) are removed, and every other control character is
replaced by a visible stand-in, so what the reviewer sees is exactly the text,
never an instruction to the terminal.
"""

from __future__ import annotations

import re

_ESCAPES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]?          # CSI ... final byte (ESC [)
  | \x9b[0-?]*[ -/]*[@-~]?            # 8-bit CSI
  | \x1b[\]PX^_][^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?   # OSC / DCS / SOS / PM / APC, to its terminator
  | [\x90\x9d\x98\x9e\x9f][^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?  # their 8-bit forms
  | \x1b[ -/]*[0-~]?                  # any other ESC sequence (charset, keypad, RIS ...)
    """,
    re.VERBOSE,
)

_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
"""Bidirectional overrides, which can make text display in a different order than it is stored."""


def _stand_in(code: int) -> str:
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode "control pictures": ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"  # C1 controls and bidi overrides: the replacement character


_TABLE = {c: _stand_in(c) for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]}
_TABLE.update({ord(ch): "\ufffd" for ch in _BIDI})
_TABLE[ord("\n")] = "\n"
_TABLE[ord("\t")] = "    "


def clean(text: str) -> str:
    """Return `text` with escape sequences removed and control characters made visible.

    Newlines are kept; tabs become four spaces; carriage returns become
    newlines (a lone CR would otherwise overwrite the line on screen).

    Args:
        text: Raw document text.

    Returns:
        Text that contains no byte a terminal would act on.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESCAPES.sub("", text)
    return text.translate(_TABLE)


def clean_line(text: str) -> str:
    """Like `clean`, but for one-line fields (titles, sources): newlines become spaces."""
    return " ".join(clean(text).split("\n")).strip()
