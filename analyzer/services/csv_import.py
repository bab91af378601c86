"""Reading an uploaded or named CSV file before it is parsed: bounded in size, its encoding named.

The CLI (`portfolio import FILE`) and the Portfolio page both go through `read_limited` and `decode`,
so a file is refused the same way, with the same one-line message, wherever it comes from.
"""

from __future__ import annotations

import codecs
from typing import BinaryIO

ENCODING_HINT = "save it as UTF-8 (Excel: CSV UTF-8; Numbers and Sheets: CSV)"


class FileRefused(ValueError):
    """The whole file is refused before any row is read; the message is one line for the user."""


def size_text(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n / 1000:g} kB" if n >= 1000 else f"{n} bytes"


def read_limited(stream: BinaryIO, max_bytes: int) -> bytes:
    """At most `max_bytes` + 1 bytes of the stream: one more than allowed is enough to refuse it."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileRefused(f"the file is larger than {size_text(max_bytes)} (ANALYZER_IMPORT_MAX_BYTES): split it")
    return data


def decode(data: bytes) -> str:
    """UTF-8 with or without a byte order mark, or UTF-16 with one; anything else is named and refused."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not data.startswith(codecs.BOM_UTF32_LE):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise FileRefused(f"the file starts as UTF-16 but is not valid UTF-16: {ENCODING_HINT}") from None
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise FileRefused(f"the file is UTF-32: {ENCODING_HINT}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise FileRefused(f"the file is not UTF-8 (line {line} has byte 0x{data[exc.start]:02x}, as in Latin-1 or "
                          f"Windows-1252): {ENCODING_HINT}") from None
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise FileRefused(f"the file has NUL characters from line {line} (UTF-16 without a byte order mark?): {ENCODING_HINT}")
    return text
