"""工作日历: the official holidays and 调休 working days that working-day deadlines follow. Any staff
read it; administrators keep it (one day, a block of days, a CSV checked before it is imported).
Thin over selectors.work_calendar_* and services/calendar.py."""

import secrets

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from gongzhi.core.pending import PendingUploads
from gongzhi.core.responses import xlsx_response
from gongzhi.territory.forms_roles import DATE_WIDGET, apply_service_errors

from .holidays import (
    CSV_HEADER,
    FIRST_YEAR,
    LAST_YEAR,
    MAX_CSV_BYTES,
    NAME_MAX,
    CalendarFileError,
    decode_csv,
    example_csv,
    kind_code,
    parse_csv,
    weekday_label,
)
from .models import WorkCalendarDay
from .permissions import can_edit_work_calendar, can_view_work_calendar
from .selectors import work_calendar_day, work_calendar_days, work_calendar_years
from .services.calendar import (
    MAX_RANGE_DAYS,
    calendar_day_delete,
    calendar_day_save,
    calendar_day_update,
    calendar_export,
    calendar_import,
    calendar_import_check,
    calendar_range_save,
)

PENDING_KEY = "work_calendar_pending"
pending_files = PendingUploads("work-calendar-pending", ".csv")
MAX_CHANGES_SHOWN = 200
KINDS = [("off", _lazy("放假")), ("work", _lazy("调休上班"))]
ERR = {"required": _lazy("此项必填"), "invalid": _lazy("请填写有效的日期，如 2027-02-06"),
       "invalid_choice": _lazy("请选择放假或调休上班")}
NAME_HELP = _lazy("如：春节；调休上班日写“春节（调休上班）”。")


def _name_field():
    return forms.CharField(label=_lazy("名称"), required=False, help_text=NAME_HELP,
                           widget=forms.TextInput(attrs={"maxlength": NAME_MAX}))


class DayForm(forms.Form):
    date = forms.DateField(label=_lazy("日期"), widget=DATE_WIDGET, error_messages=ERR)
    kind = forms.ChoiceField(label=_lazy("类型"), choices=KINDS, widget=forms.RadioSelect, initial="off",
                             error_messages=ERR)
    name = _name_field()


class RangeForm(forms.Form):
    first = forms.DateField(label=_lazy("开始日期"), widget=DATE_WIDGET, error_messages=ERR)
    last = forms.DateField(label=_lazy("结束日期（含）"), widget=DATE_WIDGET, error_messages=ERR)
    kind = forms.ChoiceField(label=_lazy("类型"), choices=KINDS, widget=forms.RadioSelect, initial="off",
                             error_messages=ERR)
    name = _name_field()


class ImportForm(forms.Form):
    file = forms.FileField(label=_lazy("CSV 文件"), error_messages={"required": _lazy("请选择文件"),
                                                                  "empty": _lazy("文件是空的")})
    replace = forms.BooleanField(label=_lazy("以文件为准：删除文件所含年份中文件未列出的日期"), required=False)

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_CSV_BYTES:  # refused before it is read
            raise ValidationError(_("文件太大（不能超过%(k)s KB）：工作日历每年只有几十行") % {"k": MAX_CSV_BYTES // 1024})
        return f


def _require_view(request) -> None:
    if not can_view_work_calendar(request.user):
        raise Http404


def _require_edit(request) -> None:
    _require_view(request)
    if not can_edit_work_calendar(request.user):
        raise PermissionDenied


def _to_year(year: int):
    return redirect(f"{reverse('tickets:calendar')}?year={year}")


def _year_param(request) -> int | None:
    """?year= as a year the calendar can hold; None when absent. ValidationError when it is not one."""
    raw = request.GET.get("year", "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4 and FIRST_YEAR <= int(raw) <= LAST_YEAR):
        raise ValidationError(_("年份应为%(a)s至%(b)s之间的四位数字") % {"a": FIRST_YEAR, "b": LAST_YEAR})
    return int(raw)


def _kind_label(is_workday: bool) -> str:
    return _("调休上班") if is_workday else _("放假")


def _blocks(days: list[WorkCalendarDay]) -> list[dict]:
    """Runs of consecutive days with the same type and name, as the notice lists them (春节 9 days is
    one line, not nine), each with its days for editing one by one."""
    blocks: list[dict] = []
    for d in days:
        d.weekday = weekday_label(d.date)
        d.redundant = d.is_workday and d.date.weekday() < 5  # Monday-Friday works anyway
        b = blocks[-1] if blocks else None
        if (b and (d.date - b["last"].date).days == 1 and (d.is_workday, d.name) == (b["first"].is_workday,
                                                                                    b["first"].name)):
            b["last"] = d
            b["days"].append(d)
        else:
            blocks.append({"first": d, "last": d, "days": [d]})
    return blocks


@login_required
def calendar(request):
    _require_view(request)
    years = work_calendar_years(request.user)
    this_year = timezone.localdate().year
    error, status = "", 200
    try:
        year = _year_param(request)
    except ValidationError as e:
        year, error, status = None, e.messages[0], 400
    if year is None:
        year = years[0] if years else this_year
    days = work_calendar_days(request.user, year)
    return render(request, "tickets/calendar.html", {
        "year": year, "days": days, "blocks": _blocks(days), "error": error,
        "years": sorted(set(years) | {this_year, this_year + 1, year}, reverse=True),
        "holidays": sum(not d.is_workday for d in days), "workdays": sum(d.is_workday for d in days),
        "next_year_missing": this_year + 1 not in years, "next_year": this_year + 1,
        "can_edit": can_edit_work_calendar(request.user),
        # Each server process keeps the calendar this long (deadlines.CALENDAR_KEY, docs/operations.md).
        "refresh_seconds": int(getattr(settings, "TICKETS_CALENDAR_SECONDS", 60)),
    }, status=status)


@login_required
def calendar_xlsx(request):
    _require_view(request)
    try:
        year = _year_param(request)
    except ValidationError as e:
        return HttpResponse(e.messages[0], status=400, content_type="text/plain; charset=utf-8")
    if year is None:
        years = work_calendar_years(request.user)
        year = years[0] if years else timezone.localdate().year
    data, filename = calendar_export(actor=request.user, year=year, days=work_calendar_days(request.user, year),
                                     request=request)
    return xlsx_response(data, filename)


@login_required
@require_http_methods(["GET", "POST"])
def calendar_day(request, pk: int | None = None):
    """Add one day (a date listed already is updated), or correct the row `pk`."""
    _require_edit(request)
    day = None
    if pk is not None:
        day = work_calendar_day(request.user, pk)
        if day is None:
            messages.error(request, _("这一天已不在工作日历中"))
            return redirect("tickets:calendar")
    initial = {"date": day.date, "kind": "work" if day.is_workday else "off", "name": day.name} if day else None
    form = DayForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        values = {"date": cd["date"], "is_workday": cd["kind"] == "work", "name": cd["name"]}
        try:
            if day is None:
                row, what = calendar_day_save(actor=request.user, request=request, **values)
            else:
                row, what = calendar_day_update(actor=request.user, day=day, request=request, **values), "updated"
        except ValidationError as e:
            apply_service_errors(form, e)
        else:
            text = {"created": _("已登记 %(d)s（%(w)s）：%(k)s %(n)s"), "updated": _("已修改 %(d)s（%(w)s）：%(k)s %(n)s"),
                    "unchanged": _("%(d)s（%(w)s）已是：%(k)s %(n)s，没有变化")}[what]
            messages.success(request, text % {"d": row.date.isoformat(), "w": weekday_label(row.date),
                                              "k": _kind_label(row.is_workday), "n": row.name})
            return _to_year(row.date.year)
    return render(request, "tickets/calendar_day.html", {"form": form, "day": day},
                  status=400 if request.method == "POST" else 200)


@require_POST
@login_required
def calendar_day_delete_view(request, pk: int):
    _require_edit(request)
    day = work_calendar_day(request.user, pk)
    if day is None or not calendar_day_delete(actor=request.user, day=day, request=request):
        messages.info(request, _("这一天已不在工作日历中"))
        return redirect("tickets:calendar")
    messages.success(request, _("已删除 %(d)s（%(k)s %(n)s），这一天按平常的星期计算") % {
        "d": day.date.isoformat(), "k": _kind_label(day.is_workday), "n": day.name})
    return _to_year(day.date.year)


@login_required
@require_http_methods(["GET", "POST"])
def calendar_range(request):
    """A block of days in one step, e.g. 春节 2027-02-06 … 2027-02-12 as holidays."""
    _require_edit(request)
    form = RangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            n = calendar_range_save(actor=request.user, first=cd["first"], last=cd["last"],
                                    is_workday=cd["kind"] == "work", name=cd["name"], request=request)
        except ValidationError as e:
            apply_service_errors(form, e)
        else:
            messages.success(request, _("已登记 %(a)s 至 %(b)s 为%(k)s：新增 %(c)s 天，修改 %(u)s 天，无变化 %(s)s 天") % {
                "a": cd["first"].isoformat(), "b": cd["last"].isoformat(), "k": _kind_label(cd["kind"] == "work"),
                "c": n["created"], "u": n["updated"], "s": n["unchanged"]})
            return _to_year(cd["first"].year)
    return render(request, "tickets/calendar_range.html", {"form": form, "max_days": MAX_RANGE_DAYS},
                  status=400 if request.method == "POST" else 200)


def _changes(plan) -> list[dict]:
    """The plan's rows for the table, in date order: what the day is now and what it would become."""
    def side(row):
        return None if row is None else {"kind": _kind_label(row.is_workday), "work": row.is_workday, "name": row.name}

    out = ([{"what": "new", "date": r.date, "before": None, "after": side(r)} for r in plan.new]
           + [{"what": "changed", "date": o.date, "before": side(o), "after": side(r)} for o, r in plan.changed]
           + [{"what": "deleted", "date": o.date, "before": side(o), "after": None} for o in plan.stale])
    out.sort(key=lambda c: c["date"])
    for c in out:
        c["weekday"] = weekday_label(c["date"])
    return out


@login_required
@require_http_methods(["GET", "POST"])
def calendar_import_view(request):
    """Two steps, as the residents' ledger: 上传并校验 reads the file and shows what would change (or the
    first bad line); 确认导入 imports the file checked, kept meanwhile in core.pending (MEDIA_ROOT) under
    a token held in this session. A second 确认导入 finds no file and imports nothing."""
    _require_edit(request)
    pending = request.session.get(PENDING_KEY) or {}
    if request.method == "POST" and request.POST.get("confirm"):
        given = request.POST["confirm"].encode()
        data = None
        if pending.get("token") and secrets.compare_digest(str(pending["token"]).encode(), given):
            data = pending_files.take(pending["token"])
        if data is None:
            messages.error(request, _("待导入的文件已失效（可能已经导入），请重新上传并校验"))
            return redirect("tickets:calendar_import")
        request.session.pop(PENDING_KEY, None)
        try:
            rows = parse_csv(data.decode("utf-8"))
            n = calendar_import(actor=request.user, rows=rows, replace_years=bool(pending.get("replace")),
                                filename=pending.get("filename", ""), request=request)
        except (CalendarFileError, ValidationError) as e:
            messages.error(request, e.messages[0] if isinstance(e, ValidationError) else str(e))
            return redirect("tickets:calendar_import")
        messages.success(request, _("已导入：新增 %(c)s 天，修改 %(u)s 天，删除 %(d)s 天，无变化 %(s)s 天") % {
            "c": n["created"], "u": n["updated"], "d": n["deleted"], "s": n["unchanged"]})
        return _to_year(rows[0].date.year)
    if pending.get("token"):  # a fresh start (放弃，重新选择文件) or another file: forget the one checked before
        pending_files.discard(str(pending["token"]))
        request.session.pop(PENDING_KEY, None)
    form = ImportForm(request.POST or None, request.FILES or None)
    plan, token, status = None, "", 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload, replace = form.cleaned_data["file"], form.cleaned_data["replace"]
            try:
                text = decode_csv(upload.read(MAX_CSV_BYTES + 1))
                rows = parse_csv(text)
                plan = calendar_import_check(actor=request.user, rows=rows, replace_years=replace)
            except CalendarFileError as e:
                form.add_error("file", str(e))
            except ValidationError as e:
                apply_service_errors(form, e)
            else:
                status = 200
                if plan.new or plan.changed or plan.stale:  # else nothing to confirm, nothing to keep
                    # The decoded text (as UTF-8) waits in MEDIA_ROOT; the session holds only its token.
                    token = pending_files.save(text.encode("utf-8"))
                    request.session[PENDING_KEY] = {"token": token, "replace": replace,
                                                    "filename": upload.name[:100]}
    changes = _changes(plan) if plan is not None else []
    return render(request, "tickets/calendar_import.html", {
        "form": form, "plan": plan, "confirm_token": token, "changes": changes[:MAX_CHANGES_SHOWN],
        "more_changes": max(0, len(changes) - MAX_CHANGES_SHOWN), "max_kb": MAX_CSV_BYTES // 1024,
        "example_csv": example_csv(), "csv_header": ",".join(CSV_HEADER),
        "code_off": kind_code(False), "code_work": kind_code(True),
    }, status=status)
