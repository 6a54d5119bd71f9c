"""走访台账: the visits of a node and period in one Excel sheet. Every cell from user data is text."""

import datetime
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from gongzhi.accounts.models import AuditLog
from gongzhi.accounts.services import audit_record

from .measures import _aware, _place
from .models import Visit
from .permissions import place_q

MAX_ROWS = 100_000
COLUMNS = [(_l("走访时间"), 18), (_l("地址"), 30), (_l("走访方式"), 10), (_l("结果"), 10), (_l("走访对象"), 10), (_l("见到"), 14),
           (_l("见到人数"), 8), (_l("发现类别"), 16), (_l("发现情况"), 50), (_l("后续"), 30), (_l("走访人"), 20), (_l("转办"), 20)]


def _text(ws, value) -> WriteOnlyCell:
    """A text cell: a value starting with '=' stays text, never a formula."""
    cell = WriteOnlyCell(ws, value=str(value))
    cell.data_type = "s"
    cell.number_format = "@"
    return cell


def visit_ledger(*, actor, node, start: datetime.date, end: datetime.date, request=None) -> bytes:
    visits = (Visit.objects.filter(place_q(actor), _place(node), visited_at__gte=_aware(start),
                                   visited_at__lt=_aware(end + datetime.timedelta(days=1)))
              .select_related("household", "resident").prefetch_related("tags", "visitors", "follow_ups")
              .order_by("visited_at", "id"))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("走访台账"))
    for i, (_label, width) in enumerate(COLUMNS):
        ws.column_dimensions[chr(65 + i)].width = width
    title = WriteOnlyCell(ws, value=_("%(node)s 走访台账 %(s)s 至 %(e)s") % {"node": node.name, "s": start, "e": end})
    title.font = Font(bold=True)
    ws.append([title])
    header = []
    for label, _w in COLUMNS:
        c = WriteOnlyCell(ws, value=str(label))
        c.font = Font(bold=True)
        header.append(c)
    ws.append(header)
    n = 0
    for v in visits.iterator(chunk_size=2000):
        follow = "、".join(
            (_("工单%(n)s") % {"n": f.ticket_id}) if f.ticket_id else (_("心愿%(n)s") % {"n": f.wish_id})
            for f in v.follow_ups.all())
        values = [f"{timezone.localtime(v.visited_at):%Y-%m-%d %H:%M}", v.household.address or v.household.number,
                  v.get_kind_display(), v.get_outcome_display(), v.resident.name if v.resident_id else "", v.met,
                  str(v.persons_met), "、".join(t.get_tag_display() for t in v.tags.all()), v.findings, v.follow_up,
                  "、".join(u.display_name for u in v.visitors.all()), follow]
        ws.append([_text(ws, x) if x else None for x in values])
        n += 1
        if n >= MAX_ROWS:
            break
    buf = io.BytesIO()
    wb.save(buf)
    audit_record(actor=actor, action=AuditLog.Action.EXPORT, target_type="visits.visit",
                 label=f"{node.name} {start}~{end}", detail={"rows": n}, request=request)
    return buf.getvalue()
