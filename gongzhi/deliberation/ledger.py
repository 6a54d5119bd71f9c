"""Excel: the meetings ledger (议事台账) and a vote's tally. Every cell from user data is written as text:
no formula, whatever it starts with, and no control character."""

import io

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from .models import Party, Topic, Vote
from .tally import tally


def _put(ws, row: int, values: list) -> None:
    for col, v in enumerate(values, start=1):
        text = "" if v is None else ILLEGAL_CHARACTERS_RE.sub("", str(v))
        cell = ws.cell(row=row, column=col)
        cell.value = text
        cell.data_type = "s"  # a string starting with "=" stays a string


def _sheet(title: str, header: list[str], widths: list[int]):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    _put(ws, 1, header)
    for i, w in enumerate(widths):
        ws.cell(row=1, column=i + 1).font = Font(bold=True)
        ws.column_dimensions[chr(ord("A") + i)].width = w
    ws.freeze_panes = "A2"
    return wb, ws


def _d(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d") if dt else ""


def meetings_ledger(topics) -> bytes:
    """One row per topic that reached a meeting: date, place, kind, topic, attendees by party, decision,
    applied how, feedback date. Attendees are counted in one grouped query."""
    parties = list(Party)
    header = [_("会议日期"), _("区划"), _("会议形式"), _("议题"), _("事项类别"),
              *[_("参会：%(p)s") % {"p": p.label} for p in parties], _("签到人数"), _("决定"), _("落实方式"),
              _("反馈日期"), _("当前步骤")]
    wb, ws = _sheet(_("议事台账"), header, [12, 16, 10, 30, 16] + [8] * len(parties) + [8, 40, 20, 12, 10])
    rows = (topics.filter(meeting__isnull=False)
            .annotate(**{f"p_{p.value}": Count("meeting__attendances", filter=Q(meeting__attendances__party=p.value,
                                                                                meeting__attendances__signed_in_at__isnull=False))
                         for p in parties},
                      signed=Count("meeting__attendances", filter=Q(meeting__attendances__signed_in_at__isnull=False)))
            .order_by("meeting__starts_at", "id"))
    r = 2
    for t in rows:
        decision = getattr(t, "decision", None) if _has(t, "decision") else None
        applied = ""
        if decision and decision.apply_kind:
            applied = decision.get_apply_kind_display()
            if decision.task_owner:
                applied += f"（{decision.task_owner}，{decision.task_due}）"
        _put(ws, r, [_d(t.meeting.starts_at), t.place.name, t.meeting.get_kind_display(), t.title, t.get_matter_display(),
                     *[getattr(t, f"p_{p.value}") for p in parties], t.signed, decision.text if decision else "",
                     applied, _d(t.feedback_published_at), t.get_step_display()])
        r += 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _has(obj, name) -> bool:
    try:
        return getattr(obj, name) is not None
    except Exception:  # noqa: BLE001 - RelatedObjectDoesNotExist
        return False


def tally_workbook(vote: Vote) -> bytes:
    """The vote's counts (by head and, for owners, by area) and its thresholds; never the voter list."""
    t = tally(vote)
    topic: Topic = vote.topic
    wb, ws = _sheet(_("计票结果"), [_("项目"), _("人数/户数"), _("面积（平方米）")], [30, 14, 18])
    rows = [[_("议题"), topic.title, ""], [_("表决形式"), vote.get_form_display(), ""],
            [_("截止时间"), _d(vote.closes_at), ""]]
    rows += [[ln.label, ln.heads, ln.area if vote.form == "owner" else ""] for ln in t.lines]
    rows.append([_("参与表决合计"), t.participants, t.as_dict()["participating_area"] or ""])
    if t.total_heads is not None:
        rows.append([_("业主总数 / 总面积"), t.total_heads, t.as_dict()["total_area"]])
    for c in t.checks:
        rows.append([f"{c.label} {c.rule}", f"{c.part} / {c.whole}", _("达到") if c.met else _("未达到")])
    rows.append([_("结果"), str(t.outcome), ""])
    for i, row in enumerate(rows, start=2):
        _put(ws, i, row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
