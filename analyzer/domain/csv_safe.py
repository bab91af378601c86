"""Cells of every CSV the project writes, made safe to open in a spreadsheet (OWASP's CSV injection rule).

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would run as a formula in
Excel, LibreOffice or Sheets: it gets a leading single quote, which shows it as the text it is. Numbers
stay numbers (-12.5 is a number, not a formula), whether they come as numbers or as their text.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def safe_cell(value: Any) -> Any:
    """The value itself when harmless (numbers, None, plain text); else its text behind a quote."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(TRIGGERS) and not NUMBER_RE.match(text):
        return "'" + text
    return text


def safe_row(values: Any) -> list[Any]:
    return [safe_cell(v) for v in values]


def safe_frame(frame: Any) -> Any:
    """A pandas DataFrame with its text cells (and column names) made safe; numeric columns untouched."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    out = frame.copy()
    for column in out.columns:
        if not is_numeric_dtype(out[column]) or is_bool_dtype(out[column]):
            out[column] = out[column].astype(object).map(safe_cell)
    out.columns = [safe_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out
