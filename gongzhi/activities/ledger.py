"""活动台账: the activities under a node in a period, as an Excel workbook (user text stays text)."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from gongzhi.people.models import KeyGroup
from gongzhi.points.ledger import text_cell

from . import selectors


def build_activity_ledger(node, start, end) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("活动台账")
    ws.append([f"{node.name} {_('活动台账')} {timezone.localtime(start):%Y-%m-%d} — "
               f"{timezone.localtime(end):%Y-%m-%d}"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([_("开始"), _("结束"), _("社区"), _("活动名称"), _("类型"), _("组织单位"), _("地点"), _("服务人群"),
               _("报名人数"), _("签到人数"), _("服务时长（小时）"), _("服务人数"), _("状态")])
    groups = dict(KeyGroup.choices)
    r = 3
    for a in selectors.ledger_activities(node, start, end).iterator(chunk_size=1000):
        values = [timezone.localtime(a.start_at).strftime("%Y-%m-%d %H:%M"),
                  timezone.localtime(a.end_at).strftime("%Y-%m-%d %H:%M"), a.community.name, a.title,
                  a.get_kind_display(), a.organiser.name if a.organiser else a.community.name, a.address,
                  "、".join(str(groups.get(g, g)) for g in a.serves_groups), a.signed, a.attended,
                  round((a.minutes or 0) / 60, 2), a.served_count + a.named, a.get_status_display()]
        for c, v in enumerate(values, start=1):
            text_cell(ws, r, c, v)
        r += 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
