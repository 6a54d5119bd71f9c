"""The owners' register of a compound from Excel: one row per flat (楼栋, 单元, 房号, 业主姓名, 专有面积, 身份证号).
An owner is known by the ID number: several flats count once by head and by the sum of their areas.

Workbook safety: the archive's uncompressed sizes and the sheet's declared dimensions are checked before a
cell is read (a cell at XFD1048576 would otherwise make the reader build a gigantic range)."""

import hashlib
import hmac
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record
from gongzhi.core.masking import mask_id_number
from gongzhi.core.validators import normalize_id_number, validate_id_number
from gongzhi.territory.models import Node

from ..models import Ballot, Flat, Owner, OwnerRegister
from ..permissions import can_manage_place
from .workflow import Conflict

MAX_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_ROWS = 20000
MAX_COLS = 30
HEADERS = {
    "building": ("楼栋", "楼号", "栋"),
    "unit": ("单元",),
    "room": ("房号", "房间号", "门牌号"),
    "name": ("业主姓名", "业主", "姓名"),
    "area": ("专有面积", "面积", "建筑面积", "专有部分面积"),
    "id_number": ("身份证号", "身份证号码", "证件号码"),
}
REQUIRED = ("building", "room", "name", "area", "id_number")


@dataclass
class RowError:
    row: int | None
    message: str

    def __str__(self) -> str:
        return _("第%(r)d行：%(m)s") % {"r": self.row, "m": self.message} if self.row else self.message


def id_key(id_number: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), b"owner:" + id_number.encode(), hashlib.sha256).hexdigest()


def read_rows(data: bytes) -> tuple[list[tuple], list[RowError]]:
    if len(data) > MAX_BYTES:
        return [], [RowError(None, _("文件不能超过 10 MB"))]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_UNCOMPRESSED:
                return [], [RowError(None, _("文件解压后过大，请检查是否含有无关内容"))]
    except zipfile.BadZipFile:
        return [], [RowError(None, _("无法读取文件，请上传 Excel 文件（.xlsx）"))]
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        # read-only mode takes these from the sheet's <dimension>; a missing one means unknown (None)
        max_row, max_col = ws.max_row, ws.max_column
        if max_row is None or max_col is None:
            ws.reset_dimensions()
            max_row, max_col = MAX_ROWS + 2, MAX_COLS
        if max_row > MAX_ROWS + 10 or max_col > MAX_COLS:
            return [], [RowError(None, _("表格范围过大（%(r)s 行 × %(c)s 列），一次最多 %(n)d 行") % {
                "r": max_row, "c": max_col, "n": MAX_ROWS})]
        rows = list(ws.iter_rows(min_row=1, max_row=max_row, max_col=max_col, values_only=True))
        wb.close()
    except Exception:  # noqa: BLE001 - a damaged workbook raises many kinds
        return [], [RowError(None, _("无法读取文件，请上传 Excel 文件（.xlsx）"))]
    if len(rows) > MAX_ROWS + 10:
        return [], [RowError(None, _("一次最多导入 %(n)d 行") % {"n": MAX_ROWS})]
    return rows, []


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return "".join(ch for ch in str(v) if ch.isprintable()).strip()


def parse(rows: list[tuple]) -> tuple[list[dict], list[RowError]]:
    header_at, mapping = None, {}
    for i, row in enumerate(rows[:10]):
        found = {}
        for j, v in enumerate(row):
            t = _text(v).replace(" ", "").rstrip("：:").replace("（㎡）", "").replace("(m²)", "").replace("（m²）", "")
            for key, names in HEADERS.items():
                if t in names and key not in found:
                    found[key] = j
        if len(found) >= 4:
            header_at, mapping = i, found
            break
    if header_at is None:
        return [], [RowError(None, _("找不到表头：应有“楼栋、单元、房号、业主姓名、专有面积、身份证号”等列"))]
    missing = [HEADERS[k][0] for k in REQUIRED if k not in mapping]
    if missing:
        return [], [RowError(header_at + 1, _("缺少必填列：%(c)s") % {"c": "、".join(missing)})]
    out, errors = [], []
    flats_seen: dict[tuple, int] = {}
    names_by_id: dict[str, tuple[str, int]] = {}
    for offset, raw in enumerate(rows[header_at + 1:]):
        n = header_at + 2 + offset

        def cell(key, raw=raw):
            j = mapping.get(key)
            return raw[j] if j is not None and j < len(raw) else None

        t = {k: _text(cell(k)) for k in HEADERS}
        if not any(t.values()):
            continue
        row_errors = []
        for k in REQUIRED:
            if not t[k]:
                row_errors.append(_("“%(c)s”不能为空") % {"c": HEADERS[k][0]})
        for k, limit in (("building", 30), ("unit", 30), ("room", 30), ("name", 60)):
            if len(t[k]) > limit:
                row_errors.append(_("“%(c)s”不能超过 %(n)d 字") % {"c": HEADERS[k][0], "n": limit})
        area_c = None
        raw_area = cell("area")
        if t["area"]:
            try:
                a = Decimal(str(raw_area).strip()) if not isinstance(raw_area, float) else Decimal(repr(raw_area))
                if not a.is_finite() or a <= 0 or a > 100000:
                    raise InvalidOperation
                if a != a.quantize(Decimal("0.01")):
                    row_errors.append(_("专有面积最多保留两位小数"))
                else:
                    area_c = int(a * 100)
            except (InvalidOperation, ValueError):
                row_errors.append(_("专有面积应为大于 0、不超过 100000 的数字（平方米）"))
        idn = normalize_id_number(t["id_number"])
        if isinstance(cell("id_number"), int | float):
            row_errors.append(_("身份证号被存成了数字（末几位会丢失），请把该列设为文本格式"))
        elif idn:
            try:
                validate_id_number(idn)
            except ValidationError as e:
                row_errors.append(str(e.messages[0]))
        flat = (t["building"], t["unit"], t["room"])
        if t["room"] and flat in flats_seen:
            row_errors.append(_("房屋与第%(r)d行重复") % {"r": flats_seen[flat]})
        else:
            flats_seen[flat] = n
        if idn and t["name"]:
            prev = names_by_id.setdefault(idn, (t["name"], n))
            if prev[0] != t["name"]:
                row_errors.append(_("同一身份证号在第%(r)d行的姓名是“%(name)s”") % {"r": prev[1], "name": prev[0]})
        if row_errors:
            errors += [RowError(n, m) for m in row_errors]
            continue
        out.append({"row": n, "building": t["building"], "unit": t["unit"], "room": t["room"], "name": t["name"],
                    "area_c": area_c, "id_number": idn})
    if not out and not errors:
        errors.append(RowError(None, _("表格中没有业主数据")))
    return out, errors


@transaction.atomic
def register_import(*, actor, compound: Node, data: bytes) -> tuple[OwnerRegister | None, list[RowError]]:
    """Replace the compound's register with the workbook, all or nothing."""
    if not can_manage_place(actor, compound):
        raise PermissionDenied
    if compound.level != "compound":
        raise ValidationError(_("业主名册按小区导入"))
    rows, errors = read_rows(data)
    if errors:
        return None, errors
    parsed, errors = parse(rows)
    if errors:
        return None, errors
    register = OwnerRegister.objects.select_for_update().filter(compound=compound).first()
    if register is not None:
        if Ballot.objects.filter(owner__register=register).exists():
            raise Conflict(_("已有业主按本名册投票，不能重新导入"), code="register_in_use")
        register.owners.all().delete()
        register.imported_by = actor
        register.save()
    else:
        register = OwnerRegister.objects.create(compound=compound, imported_by=actor)
    owners: dict[str, Owner] = {}
    for r in parsed:
        key = id_key(r["id_number"])
        o = owners.get(key)
        if o is None:
            o = owners[key] = Owner(register=register, name=r["name"], id_key=key,
                                    id_masked=mask_id_number(r["id_number"]), area_c=0)
        o.area_c += r["area_c"]
    Owner.objects.bulk_create(owners.values(), batch_size=1000)
    by_key = {o.id_key: o for o in Owner.objects.filter(register=register)}
    Flat.objects.bulk_create([Flat(register=register, owner=by_key[id_key(r["id_number"])], building=r["building"],
                                   unit=r["unit"], room=r["room"], area_c=r["area_c"]) for r in parsed],
                             batch_size=1000)
    audit_record(actor=actor, action=AuditLog.Action.IMPORT, target=compound,
                 detail={"flats": len(parsed), "owners": len(owners)})
    return register, []
