"""Writing workbooks: every string becomes a text cell, never a formula.

openpyxl writes a string starting with "=" as a formula, and Excel or WPS turn a text cell starting
with "=", "+", "-" or "@" (or a tab or carriage return before one) into a formula once somebody edits
it (CSV/Excel injection: a resident's note "=HYPERLINK(...)" in a ledger). `text_cell` writes the
string as text with Excel's quote prefix for those, and drops the control characters the xlsx format
cannot hold (openpyxl refuses them: an export would fail on a note pasted from elsewhere). Every
export goes through `row_of` (or `text_cell`) for the values it writes."""

from django.utils.functional import Promise
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """The string without the control characters an xlsx file cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def text_cell(ws, value, *, number_format: str | None = None):
    """A cell holding `value` (any object; None stays empty) as text. Works for normal and
    write-only worksheets alike (`ws.append` takes cells)."""
    text = "" if value is None else safe_text(str(value))
    cell = WriteOnlyCell(ws, value=text or None)
    if text:
        cell.data_type = "s"
        if text.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
        if number_format:
            cell.number_format = number_format
    return cell


def row_of(ws, values) -> list:
    """A row for `ws.append`: strings as text cells, other values (numbers, dates, cells) unchanged."""
    return [text_cell(ws, v) if isinstance(v, str | Promise) else v for v in values]
