"""The page 工作日历 (/tickets/calendar/): staff read it, administrators keep it (one day, a block of
days, a CSV checked and then confirmed); every write is audited and reaches the next deadline."""

import datetime
import io
import zoneinfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from gongzhi.accounts.models import AuditLog
from gongzhi.tickets.holidays import OFFICIAL, parse_csv
from gongzhi.tickets.models import WorkCalendarDay

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
LIST = reverse("tickets:calendar")
NEW = reverse("tickets:calendar_day_new")
RANGE = reverse("tickets:calendar_range")
IMPORT = reverse("tickets:calendar_import")
XLSX = reverse("tickets:calendar_xlsx")


def at(*args):
    return datetime.datetime(*args, tzinfo=SH)


def audits():
    return AuditLog.objects.filter(target_type="tickets.workcalendarday")


def day(iso: str) -> WorkCalendarDay | None:
    return WorkCalendarDay.objects.filter(date=iso).first()


def upload(data: bytes, name: str = "2030.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin(world, client_for):
    return client_for(world.users["admin"])


# --- who may open it ---------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["resident_a1", "grid_a1", "micro_a1", "nobody"])
def test_residents_and_grid_workers_find_no_calendar(world, client_for, who):
    c = client_for(world.users[who])
    row = WorkCalendarDay.objects.get(date="2026-10-01")
    for url in (LIST, XLSX, NEW, RANGE, IMPORT, reverse("tickets:calendar_day", args=[row.pk])):
        assert c.get(url).status_code == 404, url
    for url, data in ((NEW, {"date": "2030-01-01", "kind": "off", "name": "元旦"}),
                      (RANGE, {"first": "2030-01-01", "last": "2030-01-03", "kind": "off", "name": "元旦"}),
                      (reverse("tickets:calendar_day_delete", args=[row.pk]), {})):
        assert c.post(url, data).status_code == 404, url
    assert day("2026-10-01") is not None and day("2030-01-01") is None
    assert "工作日历" not in c.get(reverse("dashboard:home")).content.decode()  # not in their menu


def test_anonymous_is_sent_to_log_in(client):
    r = client.get(LIST)
    assert r.status_code == 302 and "login" in r["Location"]


@pytest.mark.parametrize("who", ["community_a", "street"])
def test_staff_read_the_calendar_and_change_nothing(world, client_for, who):
    c = client_for(world.users[who])
    r = c.get(LIST + "?year=2026")
    html = r.content.decode()
    assert r.status_code == 200
    assert "国庆节" in html and "春节（调休上班）" in html and "周六" in html
    assert len(r.context["days"]) == len(OFFICIAL[2026])
    assert NEW not in html and IMPORT not in html and "calendar_day_delete" not in html and "删除" not in html
    assert c.get(XLSX + "?year=2026").status_code == 200
    row = WorkCalendarDay.objects.get(date="2026-10-01")
    assert c.get(NEW).status_code == 403
    assert c.post(NEW, {"date": "2030-01-01", "kind": "off", "name": "元旦"}).status_code == 403
    assert c.post(RANGE, {"first": "2030-01-01", "last": "2030-01-02", "kind": "off"}).status_code == 403
    assert c.post(IMPORT, {"file": upload(b"2030-01-01,\xe4\xbc\x91,x\n")}).status_code == 403
    assert c.post(reverse("tickets:calendar_day", args=[row.pk]),
                  {"date": "2026-10-01", "kind": "work", "name": "x"}).status_code == 403
    assert c.post(reverse("tickets:calendar_day_delete", args=[row.pk])).status_code == 403
    assert day("2030-01-01") is None and day("2026-10-01").name == "国庆节"
    assert not audits().exclude(action=AuditLog.Action.EXPORT).exists()
    assert 'href="/tickets/calendar/"' in c.get(reverse("dashboard:home")).content.decode()  # in the staff menu


def test_the_newest_year_with_rows_is_shown_first_and_years_switch(admin):
    r = admin.get(LIST)
    assert r.context["year"] == 2026 and len(r.context["days"]) == len(OFFICIAL[2026])  # the only year with rows
    WorkCalendarDay.objects.create(date="2031-01-01", name="元旦")
    r = admin.get(LIST)
    assert r.context["year"] == 2031 and [d.name for d in r.context["days"]] == ["元旦"]
    assert 2026 in r.context["years"] and 2031 in r.context["years"]
    assert len(admin.get(LIST + "?year=2026").context["days"]) == len(OFFICIAL[2026])
    r = admin.get(LIST + "?year=2040")
    assert r.status_code == 200 and r.context["days"] == [] and "2040 年还没有登记" in r.content.decode()



def test_the_page_promises_no_more_than_the_per_process_cache_gives(admin, settings):
    """Other server processes keep their cached calendar up to TICKETS_CALENDAR_SECONDS: not 立即."""
    html = admin.get(LIST).content.decode()
    assert "立即" not in html and "修改后 60 秒内对新登记的诉求生效" in html
    settings.TICKETS_CALENDAR_SECONDS = 300
    assert "修改后 300 秒内" in admin.get(LIST).content.decode()

def test_list_queries_do_not_grow_with_the_rows(admin, django_assert_max_num_queries):
    admin.get(LIST + "?year=2026")
    with django_assert_max_num_queries(7) as ctx:
        admin.get(LIST + "?year=2026")
    before = len(ctx.captured_queries)
    WorkCalendarDay.objects.bulk_create(WorkCalendarDay(date=datetime.date(2026, 11, d), name="测试") for d in range(1, 29))
    with django_assert_max_num_queries(before):
        r = admin.get(LIST + "?year=2026")
    assert len(r.context["days"]) == len(OFFICIAL[2026]) + 28


def test_staff_list_queries_are_bounded(world, client_for, django_assert_max_num_queries):
    c = client_for(world.users["community_a"])
    c.get(LIST)
    with django_assert_max_num_queries(9):  # session, user, staff roles, menu scope, years, days, session save
        assert c.get(LIST + "?year=2026").status_code == 200


# --- writes -------------------------------------------------------------------------------------------

def test_admin_adds_edits_and_deletes_one_day(admin, world):
    r = admin.post(NEW, {"date": "2030-01-01", "kind": "off", "name": " 元旦 "})
    assert r.status_code == 302 and r["Location"] == LIST + "?year=2030"
    row = day("2030-01-01")
    assert (row.is_workday, row.name) == (False, "元旦")
    a = audits().get()
    assert (a.action, a.actor, a.target_id) == (AuditLog.Action.CREATE, world.users["admin"], str(row.pk))
    # Editing: the type, the name and the date.
    url = reverse("tickets:calendar_day", args=[row.pk])
    assert admin.get(url).status_code == 200
    assert admin.post(url, {"date": "2030-01-05", "kind": "work", "name": "元旦（调休上班）"}).status_code == 302
    row.refresh_from_db()
    assert (row.date, row.is_workday, row.name) == (datetime.date(2030, 1, 5), True, "元旦（调休上班）")
    assert day("2030-01-01") is None
    changed = audits().filter(action=AuditLog.Action.UPDATE).get().detail["changed"]
    assert changed["date"] == ["2030-01-01", "2030-01-05"] and changed["is_workday"] == [False, True]
    # Not onto a date that has its own row.
    r = admin.post(url, {"date": "2026-10-01", "kind": "work", "name": "x"})
    assert r.status_code == 400 and "已在工作日历中" in r.content.decode()
    # Deleting, behind a confirmation on the page.
    html = admin.get(LIST + "?year=2030").content.decode()
    assert 'data-confirm="确定删除 2030-01-05 吗？' in html
    r = admin.post(reverse("tickets:calendar_day_delete", args=[row.pk]))
    assert r.status_code == 302 and day("2030-01-05") is None
    a = audits().filter(action=AuditLog.Action.DELETE).get()
    assert a.detail == {"date": "2030-01-05", "is_workday": True, "name": "元旦（调休上班）"}


def test_adding_a_listed_date_updates_it_and_a_second_submit_changes_nothing(admin):
    data = {"date": "2026-10-08", "kind": "off", "name": "国庆节（延长）"}
    assert admin.post(NEW, data).status_code == 302
    assert admin.post(NEW, data).status_code == 302  # the same form again
    assert WorkCalendarDay.objects.filter(date="2026-10-08").count() == 1
    assert audits().count() == 1
    assert admin.post(NEW, {**data, "date": "2026-10-01", "name": "国庆节"}).status_code == 302  # listed, unchanged
    assert WorkCalendarDay.objects.filter(date="2026-10-01").count() == 1 and audits().count() == 1
    assert admin.post(NEW, {**data, "date": "2026-10-01", "name": "国庆"}).status_code == 302
    assert day("2026-10-01").name == "国庆" and audits().filter(action=AuditLog.Action.UPDATE).count() == 1


def test_deleting_twice_says_so_and_writes_nothing_more(admin):
    row = WorkCalendarDay.objects.get(date="2026-10-07")
    url = reverse("tickets:calendar_day_delete", args=[row.pk])
    assert admin.post(url).status_code == 302
    r = admin.post(url, follow=True)
    assert r.status_code == 200 and "这一天已不在工作日历中" in r.content.decode()
    assert audits().count() == 1
    assert admin.get(reverse("tickets:calendar_day", args=[row.pk])).status_code == 302  # gone: back to the list


def test_admin_enters_a_holiday_block_in_one_step(admin):
    data = {"first": "2027-02-06", "last": "2027-02-12", "kind": "off", "name": "春节"}
    r = admin.post(RANGE, data, follow=True)
    assert r.status_code == 200 and "新增 7 天" in r.content.decode()
    rows = list(WorkCalendarDay.objects.filter(date__range=("2027-02-06", "2027-02-12")).values_list("name", "is_workday"))
    assert rows == [("春节", False)] * 7
    a = audits().get()
    assert a.action == AuditLog.Action.CREATE and a.detail["created"] == 7 and a.detail["first"] == "2027-02-06"
    # Again: nothing new, nothing audited. Widened by a day: one new, the rest unchanged.
    assert "无变化 7 天" in admin.post(RANGE, data, follow=True).content.decode()
    assert audits().count() == 1
    admin.post(RANGE, {**data, "last": "2027-02-13"})
    assert WorkCalendarDay.objects.filter(date__year=2027).count() == 8 and audits().count() == 2


def test_a_holiday_entered_on_the_page_moves_the_next_deadline(admin, submit, cats):
    start = at(2027, 3, 1, 10, 0)  # Monday; "repair" answers within 24 working hours
    assert cats["repair"].working_days
    assert submit(category=cats["repair"], now=start).respond_by == at(2027, 3, 2, 10, 0)  # the calendar is cached now
    # A block is written in bulk (no model signal): the page's service forgets the cached calendar.
    admin.post(RANGE, {"first": "2027-03-02", "last": "2027-03-03", "kind": "off", "name": "临时假日"})
    t = submit(category=cats["repair"], now=start, description="第二件：楼道灯不亮需要维修")
    assert t.respond_by == at(2027, 3, 4, 10, 0)
    # One day, a CSV, a deletion: each applies to the very next ticket.
    admin.post(NEW, {"date": "2027-03-04", "kind": "off", "name": "临时假日"})
    t = submit(category=cats["repair"], now=start, description="第三件：楼道灯不亮需要维修")
    assert t.respond_by == at(2027, 3, 5, 10, 0)
    admin.post(IMPORT, {"file": upload("2027-03-05,休,临时假日\n".encode())})
    admin.post(IMPORT, {"confirm": admin.session["work_calendar_pending"]["token"]})
    t = submit(category=cats["repair"], now=start, description="第四件：楼道灯不亮需要维修")
    assert t.respond_by == at(2027, 3, 8, 10, 0)  # Friday off, then the weekend
    for iso in ("2027-03-02", "2027-03-03", "2027-03-04", "2027-03-05"):
        admin.post(reverse("tickets:calendar_day_delete", args=[day(iso).pk]))
    t = submit(category=cats["repair"], now=start, description="第五件：楼道灯不亮需要维修")
    assert t.respond_by == at(2027, 3, 2, 10, 0)


def test_the_cache_is_forgotten_again_after_the_commit(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        admin.post(RANGE, {"first": "2027-05-03", "last": "2027-05-05", "kind": "off", "name": "劳动节"})
    assert any(getattr(cb, "__name__", "") == "forget_shared_calendar" for cb in callbacks)


# --- the CSV: check, then confirm -------------------------------------------------------------------------

CSV_2030 = "日期,类型,名称\n2030-01-01,休,元旦\n\n2030/1/5,班,元旦（调休上班）\n2026-10-01,休,国庆\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_csv_is_checked_shown_and_imported_only_when_confirmed(admin, encoding):
    r = admin.post(IMPORT, {"file": upload(CSV_2030.encode(encoding))})
    html = r.content.decode()
    assert r.status_code == 200, html
    assert "将新增 2 天，修改 1 天，删除 0 天" in html
    assert "元旦（调休上班）" in html and "国庆节" in html and "国庆" in html  # before and after
    assert day("2030-01-01") is None and not audits().exists()  # nothing written yet
    token = r.context["confirm_token"]
    r = admin.post(IMPORT, {"confirm": token}, follow=True)
    assert "新增 2 天，修改 1 天，删除 0 天" in r.content.decode()
    assert (day("2030-01-05").is_workday, day("2030-01-05").name) == (True, "元旦（调休上班）")
    assert day("2026-10-01").name == "国庆"
    a = audits().get()
    assert a.action == AuditLog.Action.IMPORT and a.detail["created"] == 2 and a.detail["filename"] == "2030.csv"
    # The same confirmation again (a second tap, the back button): the file is gone, nothing happens.
    r = admin.post(IMPORT, {"confirm": token}, follow=True)
    assert "待导入的文件已失效" in r.content.decode() and audits().count() == 1




def test_the_checked_file_waits_in_the_pending_store_not_in_the_session(admin, settings):
    text = "日期,类型,名称\n" + "".join(f"{datetime.date(2030, 1, 1) + datetime.timedelta(days=i)},休,{'节' * 20}\n"
                                      for i in range(365))
    r = admin.post(IMPORT, {"file": upload(text.encode("gbk"))})
    assert r.status_code == 200 and r.context["plan"].counts["created"] == 365
    pending = admin.session["work_calendar_pending"]
    assert set(pending) == {"token", "replace", "filename"}  # no text: the session stays small
    folder = settings.MEDIA_ROOT / "work-calendar-pending"
    assert [p.name for p in folder.iterdir()] == [pending["token"] + ".csv"]
    admin.post(IMPORT, {"confirm": pending["token"]})
    assert WorkCalendarDay.objects.filter(date__year=2030).count() == 365
    assert not list(folder.iterdir()) and "work_calendar_pending" not in admin.session
    # A file checked and then abandoned (放弃，重新选择文件, or another upload) is removed, not left behind.
    admin.post(IMPORT, {"file": upload("2031-01-01,休,元旦\n".encode())})
    admin.post(IMPORT, {"file": upload("2031-01-02,休,元旦\n".encode())})
    assert len(list(folder.iterdir())) == 1
    admin.get(IMPORT)
    assert not list(folder.iterdir())

def test_starting_over_forgets_the_checked_file(admin):
    r = admin.post(IMPORT, {"file": upload("2030-01-01,休,元旦\n".encode())})
    token = r.context["confirm_token"]
    assert admin.get(IMPORT).status_code == 200  # 放弃，重新选择文件
    assert "work_calendar_pending" not in admin.session
    assert "已失效" in admin.post(IMPORT, {"confirm": token}, follow=True).content.decode()
    assert day("2030-01-01") is None


def test_a_csv_can_replace_its_years(admin):
    WorkCalendarDay.objects.create(date="2030-10-01", name="旧通知")
    r = admin.post(IMPORT, {"file": upload("2030-01-01,休,元旦\n".encode()), "replace": "on"})
    assert "删除 1 天" in r.content.decode()
    admin.post(IMPORT, {"confirm": r.context["confirm_token"]})
    assert day("2030-10-01") is None and day("2030-01-01") is not None
    assert WorkCalendarDay.objects.filter(date__year=2026).count() == len(OFFICIAL[2026])  # other years kept



def test_an_import_audit_row_lists_the_days_so_a_replacement_can_be_undone(admin):
    WorkCalendarDay.objects.create(date="2030-10-01", name="旧通知")
    WorkCalendarDay.objects.create(date="2030-01-05", is_workday=True, name="调休")
    r = admin.post(IMPORT, {"file": upload("2030-01-01,休,元旦\n2030-01-05,休,元旦\n".encode()), "replace": "on"})
    admin.post(IMPORT, {"confirm": r.context["confirm_token"]})
    d = audits().get().detail
    assert (d["created"], d["updated"], d["deleted"]) == (1, 1, 1)
    assert d["days_added"] == [["2030-01-01", "休", "元旦"]]
    assert d["days_changed"] == [["2030-01-05", ["班", "调休"], ["休", "元旦"]]]
    assert d["days_deleted"] == [["2030-10-01", "休", "旧通知"]]
    assert "days_left_out" not in d


def test_an_import_audit_row_lists_at_most_max_audit_days(world, monkeypatch):
    from gongzhi.tickets.holidays import CalendarRow
    from gongzhi.tickets.services import calendar as svc

    monkeypatch.setattr(svc, "MAX_AUDIT_DAYS", 3)
    WorkCalendarDay.objects.create(date="2030-12-31", name="旧")
    rows = [CalendarRow(datetime.date(2030, 1, i), False, "假") for i in range(1, 5)]
    svc.calendar_import(actor=world.users["admin"], rows=rows, replace_years=True)
    d = audits().get().detail
    assert len(d["days_added"]) == 3 and d["days_changed"] == d["days_deleted"] == []
    assert d["days_left_out"] == 2
    assert (d["created"], d["deleted"]) == (4, 1)  # the counts stay whole

def test_a_csv_that_changes_nothing_offers_no_confirmation(admin):
    r = admin.post(IMPORT, {"file": upload("2026-10-01,休,国庆节\n".encode())})
    assert r.status_code == 200 and "无需导入" in r.content.decode() and 'name="confirm"' not in r.content.decode()


def test_a_forged_or_foreign_token_imports_nothing(admin, world, client_for):
    r = admin.post(IMPORT, {"file": upload("2030-01-01,休,元旦\n".encode())})
    token = r.context["confirm_token"]
    other = client_for(world.users["admin"])  # another session of the same administrator
    assert "已失效" in other.post(IMPORT, {"confirm": token}, follow=True).content.decode()
    for forged in ("x", "令牌", "a" * 5000):
        assert admin.post(IMPORT, {"confirm": forged}).status_code == 302
    assert day("2030-01-01") is None
    admin.post(IMPORT, {"confirm": token})
    assert day("2030-01-01") is not None


def test_the_excel_export_reimports_as_csv(admin):
    WorkCalendarDay.objects.create(date="2026-12-31", name="=HYPERLINK(\"http://x\")")  # an old row, from elsewhere
    r = admin.get(XLSX + "?year=2026")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("日期", "类型", "名称", "星期")
    assert ("2026-10-10", "班", "国庆节（调休上班）", "周六") in rows
    assert len(rows) == 1 + len(OFFICIAL[2026]) + 1
    cell = ws.cell(row=len(rows), column=3)
    assert cell.data_type == "s" and cell.quotePrefix  # text, not a formula
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, target_type="tickets.workcalendarday").exists()


# --- hostile input: a Chinese message, status 400, nothing written ----------------------------------------

def nothing_written():
    return day("2030-01-01") is None and not audits().exists() and \
        WorkCalendarDay.objects.count() == len(OFFICIAL[2026])


@pytest.mark.parametrize("data, message", [
    ({"date": "1999-12-31"}, "日期应在2000年至2100年之间"),
    ({"date": "2101-01-01"}, "日期应在2000年至2100年之间"),
    ({"date": "0001-01-01"}, "日期应在2000年至2100年之间"),
    ({"date": "99999-01-01"}, "请填写有效的日期"),
    ({"date": "2030-02-30"}, "请填写有效的日期"),
    ({"date": ""}, "此项必填"),
    ({"kind": "maybe"}, "请选择放假或调休上班"),
    ({"name": "节" * 41}, "名称不能超过40个字"),
    ({"name": "元旦\x07"}, "控制字符"),
    ({"name": "元\n旦"}, "控制字符"),
    ({"name": "元\u202e旦"}, "控制字符"),
    ({"name": "元\x00旦"}, "空字符"),
    ({"name": "=HYPERLINK(\"http://x\")"}, "名称不能以 = + - @ 开头"),
    ({"name": "@SUM(A1)"}, "名称不能以 = + - @ 开头"),
])
def test_a_bad_day_is_refused_in_chinese(admin, data, message):
    r = admin.post(NEW, {"date": "2030-01-01", "kind": "off", "name": "元旦", **data})
    assert r.status_code == 400
    assert message in r.content.decode()
    assert nothing_written()


@pytest.mark.parametrize("data, message", [
    ({"last": "2029-12-31"}, "结束日期不能早于开始日期"),
    ({"last": "2030-02-01"}, "一次最多登记31天"),
    ({"first": "1999-12-25", "last": "2000-01-02"}, "日期应在2000年至2100年之间"),
    ({"last": "2101-01-01"}, "日期应在2000年至2100年之间"),
    ({"last": "x"}, "请填写有效的日期"),
    ({"name": "春节\x1b[31m"}, "控制字符"),
])
def test_a_bad_block_is_refused_in_chinese(admin, data, message):
    r = admin.post(RANGE, {"first": "2030-01-01", "last": "2030-01-07", "kind": "off", "name": "元旦", **data})
    assert r.status_code == 400
    assert message in r.content.decode()
    assert nothing_written()


def test_a_31_day_block_is_the_longest(admin):
    assert admin.post(RANGE, {"first": "2030-01-01", "last": "2030-01-31", "kind": "off", "name": "寒假"}).status_code == 302
    assert WorkCalendarDay.objects.filter(date__year=2030).count() == 31


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"


@pytest.mark.parametrize("data, message", [
    (b"2030-01-01,\xe4\xbc\x91,x\n" + b"#" * 70_000, "文件太大"),
    (PNG, "不是文本"),
    (b"PK\x03\x04\x14\x00\x06\x00" + b"x" * 100, "Excel 工作簿"),
    ("日期,类型,名称\n2030-01-01,休,元旦\n".encode("utf-16"), "不是文本"),
    (b"2030-01-01,\x80\x80,x\n", "无法识别文件的编码"),
    (b"2030-01-01,\xe4\xbc\x91,\x07\n", "控制字符"),
    ("2030-01-01,休,=HYPERLINK(\"http://x\")\n".encode(), "第 1 行：名称不能以 = + - @ 开头"),
    ("2030-01-01,休,元旦\n=1+1,休,元旦\n".encode(), "第 2 行：日期应为 YYYY-MM-DD"),
    ("2030-01-01,=1+1,元旦\n".encode(), "第 1 行：类型应为“休”或“班”"),
    ("2030-01-01,休,元旦\n2030-01-01,班,元旦\n".encode(), "第 2 行：日期 2030-01-01 重复"),
    ("2030-01-01,休,元旦\n1999-01-01,休,元旦\n".encode(), "第 2 行：日期应在2000年至2100年之间"),
    (("2030-01-01,休," + "节" * 41 + "\n").encode(), "第 1 行：名称不能超过40个字"),
    ("日期,类型,名称\n".encode(), "文件中没有日期行"),
    (b"   \n", "文件是空的"),
    (b"", "文件是空的"),
    ("".join(f"{datetime.date(2030, 1, 1) + datetime.timedelta(days=i)},休\n" for i in range(1101)).encode(),
     "行数太多"),
    ('2030-01-01,休,"元\n旦"\n'.encode(), "第 1 行：名称不能包含控制字符或换行"),
])
def test_a_bad_csv_is_refused_in_chinese_and_nothing_is_written(admin, data, message):
    r = admin.post(IMPORT, {"file": upload(data)})
    assert r.status_code == 400, r.content.decode()[:300]
    assert message in r.content.decode()
    assert "work_calendar_pending" not in admin.session
    assert nothing_written()



def test_a_csv_error_is_told_in_chinese_not_in_the_csv_modules_english(admin):
    import csv

    old = csv.field_size_limit(10)  # what a field longer than the module's limit (131072) meets
    try:
        r = admin.post(IMPORT, {"file": upload("2030-01-01,休,这是一个超过十个字的很长的名称\n".encode())})
    finally:
        csv.field_size_limit(old)
    html = r.content.decode()
    assert r.status_code == 400 and "第 1 行：无法按 CSV 读取，某一格太长" in html
    assert "field limit" not in html and "131072" not in html and nothing_written()


def test_the_weekday_labels_are_translated(monkeypatch):
    from django.utils import translation

    from gongzhi.tickets.holidays import weekday_label

    english = {"周一": "Mon", "周六": "Sat", "周日": "Sun"}
    monkeypatch.setattr(translation._trans, "gettext", lambda s: english.get(s, s), raising=False)
    assert [weekday_label(datetime.date(2026, 10, d)) for d in (10, 11, 12)] == ["Sat", "Sun", "Mon"]


def test_the_example_lines_are_not_offered_for_translation(admin):
    from pathlib import Path

    import gongzhi.tickets

    source = (Path(gongzhi.tickets.__file__).parent / "templates/tickets/calendar_import.html").read_text()
    assert "“休”" not in source and ",休," not in source and ",班," not in source  # from holidays.kind_code
    r = admin.get(IMPORT)
    example = r.content.decode().split('data-testid="calendar-example">')[1].split("</pre>")[0]
    assert example.splitlines() == ["日期,类型,名称", "2026-02-14,班,春节（调休上班）", "2026-02-15,休,春节",
                                    "2026-02-16,休,春节", "…", "2026-02-23,休,春节",
                                    "2026-02-28,班,春节（调休上班）"]
    assert "类型写“休”（放假）或“班”（调休上班）" in r.content.decode()
    rows = parse_csv(example.replace("…\n", ""))  # and it is a file the import reads
    assert [r.is_workday for r in rows] == [True, False, False, False, True]

def test_old_mac_line_endings_and_excel_dates_are_read(admin):
    r = admin.post(IMPORT, {"file": upload("日期,类型,名称\r2030/1/1,休,元旦\r2030-1-5,班,调休\r".encode("gbk"))})
    assert r.status_code == 200 and r.context["plan"].counts["created"] == 2


@pytest.mark.parametrize("year", ["abc", "1999", "2101", "²⁰²⁷", "20270", "-2027", "2027.0"])
def test_a_bad_year_is_400_with_a_message(admin, year):
    r = admin.get(LIST + "?year=" + year)
    assert r.status_code == 400 and "年份应为2000至2100之间的四位数字" in r.content.decode()
    assert admin.get(XLSX + "?year=" + year).status_code == 400


def test_a_bad_edit_writes_nothing(admin):
    row = WorkCalendarDay.objects.get(date="2026-10-01")
    url = reverse("tickets:calendar_day", args=[row.pk])
    for bad in ({"date": "1999-10-01"}, {"name": "=1"}, {"kind": ""}, {"name": "x" * 10_000}):
        r = admin.post(url, {"date": "2026-10-01", "kind": "off", "name": "国庆节", **bad})
        assert r.status_code == 400
    row.refresh_from_db()
    assert (row.date, row.name) == (datetime.date(2026, 10, 1), "国庆节") and not audits().exists()


def test_the_services_refuse_anyone_but_an_administrator(world):
    from django.core.exceptions import PermissionDenied

    from gongzhi.tickets.holidays import CalendarRow
    from gongzhi.tickets.services import calendar as svc

    row = WorkCalendarDay.objects.get(date="2026-10-01")
    d = datetime.date(2030, 1, 1)
    calls = [
        lambda actor: svc.calendar_day_save(actor=actor, date=d, is_workday=False, name="元旦"),
        lambda actor: svc.calendar_day_update(actor=actor, day=row, date=d, is_workday=False, name="元旦"),
        lambda actor: svc.calendar_day_delete(actor=actor, day=row),
        lambda actor: svc.calendar_range_save(actor=actor, first=d, last=d, is_workday=False, name="元旦"),
        lambda actor: svc.calendar_import(actor=actor, rows=[CalendarRow(d, False, "元旦")]),
    ]
    for who in ("street", "community_a", "grid_a1", "resident_a1", "auditor"):
        for call in calls:
            with pytest.raises(PermissionDenied):
                call(world.users[who])
    assert nothing_written()


def test_the_services_check_what_a_caller_builds_itself(world):
    from django.core.exceptions import ValidationError

    from gongzhi.tickets.holidays import CalendarRow
    from gongzhi.tickets.services import calendar as svc

    admin = world.users["admin"]
    d = datetime.date(2030, 1, 1)
    for bad in ([CalendarRow(d, False, "元旦"), CalendarRow(d, True, "元旦")], [CalendarRow(datetime.date(1999, 1, 1), False, "")],
                [CalendarRow(d, "yes", "元旦")], [CalendarRow(d, False, "\x00")], []):
        with pytest.raises(ValidationError):
            svc.calendar_import(actor=admin, rows=bad)
    for bad in ({"date": "2030-01-01"}, {"date": datetime.datetime(2030, 1, 1, 8)}, {"is_workday": "yes"}, {"name": 5}):
        with pytest.raises(ValidationError):
            svc.calendar_day_save(actor=admin, **{"date": d, "is_workday": False, "name": "元旦", **bad})
    assert nothing_written()


def test_the_admin_writes_through_the_same_services(admin):
    r = admin.post("/admin/tickets/workcalendarday/add/", {"date": "2031-10-01", "is_workday": "", "name": "国庆节"})
    assert r.status_code == 302
    row = day("2031-10-01")
    assert audits().filter(action=AuditLog.Action.CREATE, target_id=str(row.pk)).exists()
    for bad, message in (({"date": "1999-10-01"}, "日期应在2000年至2100年之间"), ({"name": "=1+1"}, "名称不能以")):
        r = admin.post(f"/admin/tickets/workcalendarday/{row.pk}/change/", {"date": "2031-10-01", "name": "国庆节", **bad})
        assert r.status_code == 200 and message in r.content.decode()
    r = admin.post(f"/admin/tickets/workcalendarday/{row.pk}/change/", {"date": "2031-10-01", "is_workday": "on",
                                                                        "name": "国庆节（调休上班）"})
    assert r.status_code == 302 and day("2031-10-01").is_workday
    r = admin.post("/admin/tickets/workcalendarday/", {"action": "delete_selected", "_selected_action": [row.pk],
                                                       "post": "yes"})
    assert r.status_code == 302 and day("2031-10-01") is None
    assert list(audits().order_by("id").values_list("action", flat=True)) == ["create", "update", "delete"]


def test_back_office_staff_without_superuser_only_read_it_in_the_admin(world, client_for):
    from django.contrib.auth.models import Permission

    user = world.users["street"]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(codename__endswith="workcalendarday"))
    c = client_for(user)
    assert c.get("/admin/tickets/workcalendarday/").status_code == 200
    assert c.post("/admin/tickets/workcalendarday/add/", {"date": "2031-10-01", "name": "国庆节"}).status_code == 403
    assert day("2031-10-01") is None
