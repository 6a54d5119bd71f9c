"""Working-day deadlines follow the work calendar: public holidays stop the clock, 调休 weekend
working days run it, and the calendar is read in one query per computation."""

import datetime
import time
import zoneinfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.tickets.deadlines import WorkCalendar, add_hours, fresh_window, sla_deadlines
from gongzhi.tickets.holidays import OFFICIAL, CalendarFileError, parse_csv
from gongzhi.tickets.models import Category, Status, Ticket, WorkCalendarDay
from gongzhi.tickets.services.sla import sweep

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime.datetime(*args, tzinfo=SH)


def calendar_queries(ctx) -> int:
    return sum("tickets_workcalendarday" in q["sql"] for q in ctx.captured_queries)


def test_the_2026_state_council_arrangement_is_loaded_by_the_migration():
    days = dict(WorkCalendarDay.objects.filter(date__year=2026).values_list("date", "is_workday"))
    assert len(days) == len(OFFICIAL[2026]) == 33 + 6
    off = sorted(d for d, w in days.items() if not w)
    assert off[0] == datetime.date(2026, 1, 1) and off[-1] == datetime.date(2026, 10, 7)
    assert all(datetime.date(2026, 10, d) in off for d in range(1, 8))
    assert all(datetime.date(2026, 2, d) in off for d in range(15, 24))
    work = sorted(d for d, w in days.items() if w)
    assert work == [datetime.date(2026, 1, 4), datetime.date(2026, 2, 14), datetime.date(2026, 2, 28),
                    datetime.date(2026, 5, 9), datetime.date(2026, 9, 20), datetime.date(2026, 10, 10)]
    assert all(d.weekday() >= 5 for d in work)  # every 调休 working day is a Saturday or Sunday


def test_a_deadline_across_the_national_day_week_skips_the_holidays():
    wed = at(2026, 9, 30, 10, 0)  # the last working day before 国庆
    # 14 h left on 30 Sept, 1-7 Oct off, 10 h on Thursday 8 Oct.
    assert add_hours(wed, 24, working_days=True) == at(2026, 10, 8, 10, 0)
    # Weekends-only arithmetic would have said 2 Oct: every such ticket escalated during the holiday.
    assert add_hours(wed, 24, working_days=True) != at(2026, 10, 1, 10, 0)


def test_a_deadline_across_spring_festival_counts_the_working_saturday_and_skips_the_holidays():
    fri = at(2026, 2, 13, 12, 0)
    # 12 h on Friday 13 Feb, 24 h on Saturday 14 Feb (调休上班), 15-23 Feb off, 12 h on Tuesday 24 Feb.
    assert add_hours(fri, 48, working_days=True) == at(2026, 2, 24, 12, 0)


def test_a_tiaoxiu_weekend_day_is_a_working_day():
    assert add_hours(at(2026, 10, 10, 9, 0), 8, working_days=True) == at(2026, 10, 10, 17, 0)  # Saturday
    assert add_hours(at(2026, 9, 20, 9, 0), 8, working_days=True) == at(2026, 9, 20, 17, 0)  # Sunday
    # Saturday 9 May (劳动节调休) runs; Sunday 10 May does not.
    assert add_hours(at(2026, 5, 9, 20, 0), 8, working_days=True) == at(2026, 5, 11, 4, 0)


def test_a_holiday_starting_on_a_weekday_stops_the_clock_from_midnight():
    # Friday 25 Sept is 中秋: a ticket filed on Thursday evening waits until Monday 28 Sept.
    assert add_hours(at(2026, 9, 24, 20, 0), 8, working_days=True) == at(2026, 9, 28, 4, 0)


def test_rows_entered_by_an_administrator_count_for_other_years():
    mon = at(2027, 3, 1, 9, 0)
    assert add_hours(mon, 24, working_days=True) == at(2027, 3, 2, 9, 0)
    WorkCalendarDay.objects.create(date=datetime.date(2027, 3, 2), is_workday=False, name="测试假日")
    WorkCalendarDay.objects.create(date=datetime.date(2027, 3, 6), is_workday=True, name="测试调休")
    assert add_hours(mon, 24, working_days=True) == at(2027, 3, 3, 9, 0)
    # Friday 5 Mar 12:00 + 24 h: 12 h Friday, 12 h on the working Saturday.
    assert add_hours(at(2027, 3, 5, 12, 0), 24, working_days=True) == at(2027, 3, 6, 12, 0)


def test_clock_hours_ignore_the_calendar_and_read_nothing():
    wed = at(2026, 9, 30, 10, 0)
    with CaptureQueriesContext(connection) as ctx:
        assert add_hours(wed, 24) == at(2026, 10, 1, 10, 0)
        assert add_hours(at(2026, 10, 3, 10, 0), 8) == at(2026, 10, 3, 18, 0)  # a holiday Saturday
        cat = Category(code="x", name="x", response_hours=24, resolve_hours=72, working_days=False)
        assert sla_deadlines(cat, wed) == (at(2026, 10, 1, 10, 0), at(2026, 10, 3, 10, 0))
        assert fresh_window(cat, wed, resolve=True) == at(2026, 10, 3, 10, 0)
    assert len(ctx.captured_queries) == 0


def test_one_query_per_computation_however_many_days_it_spans():
    with CaptureQueriesContext(connection) as ctx:
        add_hours(at(2026, 2, 10, 9, 0), 240, working_days=True)  # ten working days across 春节
    assert len(ctx.captured_queries) == 1
    cat = Category(code="x", name="x", response_hours=24, resolve_hours=240, working_days=True)
    with CaptureQueriesContext(connection) as ctx:
        respond_by, resolve_by = sla_deadlines(cat, at(2026, 9, 29, 9, 0))
    assert len(ctx.captured_queries) == 1  # both deadlines from one read
    assert respond_by == at(2026, 9, 30, 9, 0)
    # 29 Sept 15 h + 30 Sept 24 h, 1-7 Oct off, 8-9 Oct 48 h, 10 Oct (Sat, 调休) 24 h, 11 Oct (Sun) off,
    # 12-16 Oct 120 h (231 h so far), 17-18 Oct weekend, the last 9 h on Monday 19 Oct.
    assert resolve_by == at(2026, 10, 19, 9, 0)


def test_a_very_long_run_of_days_off_costs_one_more_query_not_one_per_day():
    WorkCalendarDay.objects.bulk_create(
        WorkCalendarDay(date=datetime.date(2028, 1, 1) + datetime.timedelta(days=i), is_workday=False, name="长假")
        for i in range(90))
    cal = WorkCalendar()
    end = add_hours(at(2028, 1, 1, 0, 0), 24, working_days=True, calendar=cal)
    assert end == at(2028, 4, 1, 0, 0)  # off until Thursday 30 March; Friday 31 March runs
    # The first window covers 23 days; each further 31 days is one more query, never one per day.
    assert cal.queries == 4


def test_the_sla_sweep_reads_the_calendar_once_for_all_its_tickets(world, submit, cats):
    assert cats["repair"].working_days
    for _ in range(4):
        submit(category=cats["repair"])
    assert Ticket.objects.filter(status=Status.SUBMITTED).count() == 4
    later = at(2030, 1, 7, 9, 0)  # long overdue
    with CaptureQueriesContext(connection) as ctx:
        assert sweep(now=later) == 4
    assert calendar_queries(ctx) == 1


def test_new_tickets_in_a_working_day_category_get_holiday_aware_deadlines(world, submit, cats):
    t = submit(category=cats["repair"], now=at(2026, 9, 30, 10, 0))  # 24 h / 120 h on working days
    assert t.respond_by == at(2026, 10, 8, 10, 0)
    # 14 h on 30 Sept, 8-9 Oct 48 h, 10 Oct (调休 Sat) 24 h, 11 Oct (Sun) off, 12 Oct 24 h, 13 Oct 10 h.
    assert t.resolve_by == at(2026, 10, 13, 10, 0)
    t2 = submit(category=cats["sanitation"], now=at(2026, 9, 30, 10, 0))  # clock hours
    assert t2.respond_by == at(2026, 10, 1, 10, 0)


def test_intake_reads_the_calendar_once_per_process_and_a_change_here_applies_at_once(world, submit, cats,
                                                                                    monkeypatch):
    start = at(2027, 3, 1, 10, 0)  # Monday; "repair" answers within 24 working hours
    with CaptureQueriesContext(connection) as ctx:
        assert submit(category=cats["repair"], now=start).respond_by == at(2027, 3, 2, 10, 0)
    assert calendar_queries(ctx) == 1
    with CaptureQueriesContext(connection) as ctx:
        submit(category=cats["repair"], now=start, description="第二件：楼道灯不亮需要维修")
    assert calendar_queries(ctx) == 0  # the next ticket uses the calendar this process already read
    WorkCalendarDay.objects.create(date=datetime.date(2027, 3, 2), is_workday=False, name="临时假日")
    assert submit(category=cats["repair"], now=start, description="第三件：楼道灯不亮需要维修").respond_by == at(
        2027, 3, 3, 10, 0)  # saved in this process: applies to the very next ticket
    # Saved by another process (no signal here): seen once the shared calendar expires.
    WorkCalendarDay.objects.bulk_create([WorkCalendarDay(date=datetime.date(2027, 3, 3), is_workday=False, name="又一天")])
    assert submit(category=cats["repair"], now=start, description="第四件：楼道灯不亮需要维修").respond_by == at(
        2027, 3, 3, 10, 0)
    later = time.time() + 61  # LocMem's clock
    monkeypatch.setattr(time, "time", lambda: later)
    assert submit(category=cats["repair"], now=start, description="第五件：楼道灯不亮需要维修").respond_by == at(
        2027, 3, 4, 10, 0)


# Entering later years ---------------------------------------------------------------------------------

def test_load_holidays_builtin_year_is_idempotent(capsys):
    call_command("load_holidays", "2026")
    assert "0 created, 0 updated, 0 deleted" in capsys.readouterr().out
    with pytest.raises(CommandError, match="2031"):
        call_command("load_holidays", "2031")
    with pytest.raises(CommandError):
        call_command("load_holidays")


def test_load_holidays_from_csv(tmp_path, capsys):
    f = tmp_path / "2030.csv"
    f.write_text("\ufeff日期,类型,名称\n2030-01-01,休,元旦\n\n2030-01-05,班,元旦（调休上班）\n2030-01-02,休,多录的\n",
                 encoding="utf-8")
    call_command("load_holidays", "--csv", str(f))
    assert "3 created" in capsys.readouterr().out
    f.write_text("2030-01-01,休,元旦\n2030-01-05,workday,调休上班\n", encoding="utf-8")
    call_command("load_holidays", "--csv", str(f), "--replace")
    assert "0 created, 1 updated, 1 deleted" in capsys.readouterr().out
    assert list(WorkCalendarDay.objects.filter(date__year=2030).values_list("date", "is_workday")) == [
        (datetime.date(2030, 1, 1), False), (datetime.date(2030, 1, 5), True)]
    assert WorkCalendarDay.objects.filter(date__year=2026).count() == len(OFFICIAL[2026])  # other years kept


def test_load_holidays_reads_what_excel_saves_and_refuses_a_huge_file(tmp_path, capsys):
    f = tmp_path / "2030.csv"
    f.write_bytes("日期,类型,名称\r\n2030/1/1,休,元旦\r\n2030/1/5,班,元旦（调休上班）\r\n".encode("gbk"))  # Excel's plain CSV
    call_command("load_holidays", "--csv", str(f))
    assert "2 created" in capsys.readouterr().out
    assert WorkCalendarDay.objects.get(date="2030-01-05").name == "元旦（调休上班）"
    f.write_bytes(b"2030-01-01,0,x\n" * 10_000)
    with pytest.raises(CommandError, match="文件太大"):
        call_command("load_holidays", "--csv", str(f))


def test_bad_csv_lines_are_named():
    with pytest.raises(CalendarFileError, match="第 2 行"):
        parse_csv("2030-01-01,休,元旦\n2030-13-01,休,x\n")
    with pytest.raises(CalendarFileError, match="类型"):
        parse_csv("2030-01-01,放个假,元旦\n")
    with pytest.raises(CalendarFileError, match="重复"):
        parse_csv("2030-01-01,休\n2030-01-01,班\n")
    with pytest.raises(CalendarFileError, match="第 1 行：日期应在2000年至2100年之间"):
        parse_csv("1900-01-01,休,元旦\n")
    with pytest.raises(CalendarFileError, match="第 1 行：名称不能以"):
        parse_csv("2030-01-01,休,=1+1\n")
    assert [r.date for r in parse_csv("2030/1/1,休\n2030-1-2,休\n")] == [datetime.date(2030, 1, 1),
                                                                         datetime.date(2030, 1, 2)]



@pytest.mark.parametrize("text, message", [
    # A first line with a digit is a day, mistyped or not: refused by its line, never taken for a header.
    ("2027-02-30,休,春节\n2027-02-06,休,春节\n", "第 1 行：日期应为 YYYY-MM-DD，得到“2027-02-30”"),
    ("2027.10.01,休,国庆节\n2027-10-02,休,国庆节\n", "第 1 行：日期应为 YYYY-MM-DD，得到“2027.10.01”"),
    ("日期,类型,名称\n2027.10.01,休,国庆节\n", "第 2 行：日期应为"),
    ("2027年部分节假日安排\n日期,类型,名称\n2027-10-01,休,国庆节\n", "第 1 行：日期应为"),
    # After the header (or the first day) a line without a digit is a bad day, not another header.
    ("日期,类型,名称\n国庆,休,国庆节\n", "第 2 行：日期应为"),
    ("日期,类型,名称\n日期,类型,名称\n", "第 2 行：日期应为"),
    ("2027-10-01,休,国庆节\n日期,类型,名称\n", "第 2 行：日期应为"),
    # A line whose type is a type is a day even without a digit in its date.
    ("国庆,休,国庆节\n2027-10-02,休,国庆节\n", "第 1 行：日期应为"),
])
def test_a_mistyped_first_day_is_refused_by_its_line_not_skipped(text, message):
    with pytest.raises(CalendarFileError, match=message):
        parse_csv(text)


def test_a_title_and_a_header_above_the_days_are_skipped():
    text = "工作日历,,\n\n日期,类型,名称\n2027-10-01,休,国庆节\n"
    assert [(r.date.isoformat(), r.name) for r in parse_csv(text)] == [("2027-10-01", "国庆节")]
    assert len(parse_csv("Date,Type,Name\n2027-10-01,休\n")) == 1
    assert len(parse_csv("2027-10-01,休\n")) == 1  # no header at all

def test_admin_lists_the_calendar_in_chinese(admin_client):
    r = admin_client.get("/admin/tickets/workcalendarday/?date__year=2026&date__month=10")
    html = r.content.decode()
    assert r.status_code == 200
    assert "国庆节" in html and "周六" in html and "工作日历" in html
    r = admin_client.post("/admin/tickets/workcalendarday/add/",
                          {"date": "2031-10-01", "is_workday": "", "name": "国庆节"})
    assert r.status_code == 302
    assert WorkCalendarDay.objects.get(date="2031-10-01").name == "国庆节"


def test_a_calendar_without_working_days_fails_loudly_instead_of_looping(monkeypatch):
    import gongzhi.tickets.deadlines as deadlines

    monkeypatch.setattr(deadlines, "MAX_SKIPPED_DAYS", 5)
    WorkCalendarDay.objects.bulk_create(
        WorkCalendarDay(date=datetime.date(2029, 1, 1) + datetime.timedelta(days=i), is_workday=False)
        for i in range(10))
    with pytest.raises(ValueError, match="no working day"):
        add_hours(at(2029, 1, 1, 9, 0), 8, working_days=True)


def test_one_definition_of_what_starts_a_formula():
    """holidays.name_error refuses what core.excel quotes: the same tuple, defined once."""
    from pathlib import Path

    import gongzhi
    from gongzhi.core import excel
    from gongzhi.tickets import holidays

    defined = [str(p.relative_to(Path(gongzhi.__file__).parent)) for p in Path(gongzhi.__file__).parent.rglob("*.py")
               if "FORMULA_STARTS = " in p.read_text(encoding="utf-8") and "/tests/" not in str(p)]
    assert defined == ["core/excel.py"]
    assert holidays.FORMULA_STARTS is excel.FORMULA_STARTS
    assert all(holidays.name_error(c + "1") is not None for c in excel.FORMULA_STARTS)
