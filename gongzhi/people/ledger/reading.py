"""Reading an uploaded workbook without trusting it.

A 14 MB .xlsx can expand to gigabytes, and one cell at XFD1048576 makes a reader that builds the
whole used range allocate seventeen billion cells. So before anything is parsed: the archive's
declared uncompressed sizes are added up (Python's zipfile never inflates past them), the sheet's
declared dimensions are checked, and the rows are then read one by one (openpyxl read-only), each
cut to MAX_COLUMNS cells and no more than the import's row limit. Anything refused gets one clear
Chinese message. The old binary .xls format is not read: its readers build the whole range first."""

import datetime
import io
import re
from collections.abc import Iterator

from django.utils.translation import gettext as _

from gongzhi.core.archives import TooManyMembers, unpacked_size, zip_entries

from .columns import COLUMNS, MAX_ROWS, SHEET_NAME

MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # a full 100,000-row ledger is ~40 MB unpacked
MAX_ARCHIVE_MEMBERS = 1000
MAX_COLUMNS = 100  # the ledger has 14; a few extra columns of the community's own are read past
HEADER_ROWS = 10  # the header may follow a title row or two
MAX_SHEET_ROWS = MAX_ROWS + HEADER_ROWS + 1
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


class WorkbookRefused(Exception):
    """The file is not read; `message` says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_archive(data: bytes) -> None:
    """Refuse a file that is not an .xlsx archive, or whose parts would unpack too large."""
    if data[:8] == _OLE_MAGIC:
        raise WorkbookRefused(_("不支持旧版 .xls 格式：请在 Excel 或 WPS 中“另存为” .xlsx 后再上传"))
    too_large = _("文件解压后超过%(n)sMB，不像是正常的台账，未读取；请检查文件或分批导入") % {
        "n": MAX_UNZIPPED_BYTES // (1024 * 1024)}
    try:
        infos = zip_entries(data, max_members=MAX_ARCHIVE_MEMBERS)  # too many: refused before listing
    except TooManyMembers:
        raise WorkbookRefused(too_large) from None
    if infos is None:
        raise WorkbookRefused(_("无法读取文件，请上传 Excel 台账（.xlsx）"))
    if unpacked_size(infos) > MAX_UNZIPPED_BYTES:
        raise WorkbookRefused(too_large)


def ledger_rows(data: bytes) -> Iterator[tuple]:
    """The rows of the ledger sheet (the one named 居民台账, else the first) from Excel row 1, read
    lazily, each at most MAX_COLUMNS wide, at most MAX_SHEET_ROWS of them. Raises WorkbookRefused."""
    from openpyxl import load_workbook

    check_archive(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb[SHEET_NAME] if SHEET_NAME in wb.sheetnames else wb.worksheets[0]
        rows, cols = ws.max_row or 0, ws.max_column or 0
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise WorkbookRefused(_("无法读取文件，请上传 Excel 台账（.xlsx）")) from None
    if rows > MAX_SHEET_ROWS or cols > MAX_COLUMNS:
        raise WorkbookRefused(
            _("工作表的数据范围过大（%(r)s行 × %(c)s列），一次最多导入%(n)s行、%(m)s列：请删除表格末尾多余的行和列，或分批导入")
            % {"r": rows, "c": cols, "n": MAX_ROWS, "m": MAX_COLUMNS})
    try:
        yield from ws.iter_rows(max_col=MAX_COLUMNS, max_row=MAX_SHEET_ROWS, values_only=True)
    except WorkbookRefused:
        raise
    except Exception:
        raise WorkbookRefused(_("无法读取文件，请上传 Excel 台账（.xlsx）")) from None
    finally:
        wb.close()


def cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, datetime.datetime):
        return v.date().isoformat() if v.time() == datetime.time() else v.isoformat(sep=" ")
    if isinstance(v, datetime.date):
        return v.isoformat()
    return str(v).replace("\u3000", " ").strip()


def cell_date(v) -> datetime.date | None:
    """A date cell, an Excel serial number, or text such as 2020-01-05, 2020/1/5, 2020年1月5日, 20200105."""
    if v is None or v == "":
        return None
    if isinstance(v, datetime.datetime):
        return v.date()
    if isinstance(v, datetime.date):
        return v
    if isinstance(v, int | float) and not isinstance(v, bool):
        if 1 <= v < 2958466:
            return _EXCEL_EPOCH + datetime.timedelta(days=int(v))
        raise ValueError
    s = str(v).strip()
    if not s:
        return None
    m = _DATE_RE.match(s)
    if m:
        return datetime.date(int(m[1]), int(m[2]), int(m[3]))
    if len(s) == 8 and s.isdigit():
        return datetime.date(int(s[:4]), int(s[4:6]), int(s[6:]))
    raise ValueError


def header_key(text: str) -> str | None:
    t = re.sub(r"[\s*＊]", "", text)
    for c in COLUMNS:
        if t == str(c.header) or t in c.aliases:
            return c.key
    return None


def find_header(rows: list) -> tuple[int, dict[str, int]] | None:
    """The header may follow a title row or two (“某某社区居民台账”): look in the first rows."""
    for i, row in enumerate(rows[:HEADER_ROWS]):
        mapping: dict[str, int] = {}
        for j, v in enumerate(row):
            key = header_key(cell_text(v))
            if key and key not in mapping:
                mapping[key] = j
        if "name" in mapping and len(mapping) >= 3:
            return i, mapping
    return None
