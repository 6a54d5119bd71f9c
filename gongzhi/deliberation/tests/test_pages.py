import datetime
import io

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from gongzhi.deliberation import services
from gongzhi.deliberation.models import Owner, Step, Topic

from .conftest import make_register, make_topic, to_consultation


def test_staff_index_by_step_with_overdue_and_bounded_queries(d, client_for):
    c = client_for(d.staff)
    t = make_topic(d)
    services.topic_publish_notice(actor=d.staff, topic=t)
    Topic.objects.filter(pk=t.pk).update(notice_until=timezone.localdate() - datetime.timedelta(days=1))
    r = c.get(f"/deliberation/?place={d.world.compound_a.pk}")
    assert r.status_code == 200
    body = r.content.decode()
    assert "加装健身器材" in body and "公告期满未组织协商" in body
    for i in range(5):
        make_topic(d, title=f"议题{i}")
    with CaptureQueriesContext(connection) as q1:
        c.get("/deliberation/")
    for i in range(10):
        make_topic(d, title=f"更多议题{i}")
    with CaptureQueriesContext(connection) as q2:
        c.get("/deliberation/")
    assert len(q2) == len(q1)


def test_topic_page_actions_and_history(d, client_for):
    c = client_for(d.staff)
    t = make_topic(d)
    r = c.post(f"/deliberation/topics/{t.pk}/do/notice/", {"days": "3"}, follow=True)
    assert "公告期不能少于 7 天" in r.content.decode()
    r = c.post(f"/deliberation/topics/{t.pk}/do/notice/", {}, follow=True)
    assert "公告已发布" in r.content.decode()
    r = c.post(f"/deliberation/topics/{t.pk}/do/withdraw/", {"reason": ""}, follow=True)
    assert "请填写撤回原因" in r.content.decode()
    t.refresh_from_db()
    assert t.step == Step.NOTICE
    assert c.get(f"/deliberation/topics/{t.pk}/print/").status_code == 200
    other = client_for(d.world.users["community_b"])
    assert other.get(f"/deliberation/topics/{t.pk}/").status_code == 404
    assert other.post(f"/deliberation/topics/{t.pk}/do/withdraw/", {"reason": "x"}).status_code == 404


def test_resident_proposes_comments_and_sees_no_history(d, client_for):
    rc = client_for(d.resident)
    r = rc.post("/deliberation/my/propose/", {"title": "增设充电桩", "plan_how": "北门车棚"}, follow=True)
    assert r.status_code == 200 and "联署" in r.content.decode()
    t = Topic.objects.get(title="增设充电桩")
    assert t.step == Step.PROPOSAL
    assert "办理记录" not in r.content.decode()
    assert rc.get("/deliberation/my/").status_code == 200
    topic = make_topic(d)
    services.topic_publish_notice(actor=d.staff, topic=topic)
    r = rc.post(f"/deliberation/topics/{topic.pk}/do/comment/", {"text": "支持"}, follow=True)
    assert "意见已提交" in r.content.decode()


def test_public_board_without_login_or_personal_data(d):
    t = make_topic(d, title="安装道闸")
    services.topic_publish_notice(actor=d.staff, topic=t)
    services.comment_add(actor=d.resident, topic=t, text="私密意见")
    anon = Client()
    r = anon.get(f"/deliberation/board/{d.world.community_a.pk}/")
    assert r.status_code == 200 and "安装道闸" in r.content.decode()
    r = anon.get(f"/deliberation/board/{d.world.community_a.pk}/{t.pk}/")
    body = r.content.decode()
    assert "安装道闸" in body and "私密意见" not in body and "resident_a1" not in body
    assert anon.get(f"/deliberation/board/{d.world.community_b.pk}/{t.pk}/").status_code == 404
    draft = make_topic(d, title="草稿议题")
    assert anon.get(f"/deliberation/board/{d.world.community_a.pk}/{draft.pk}/").status_code == 404


def test_board_query_count_is_bounded(d):
    for i in range(3):
        services.topic_publish_notice(actor=d.staff, topic=make_topic(d, title=f"a{i}"))
    anon = Client()
    with CaptureQueriesContext(connection) as q1:
        anon.get(f"/deliberation/board/{d.world.community_a.pk}/")
    for i in range(10):
        services.topic_publish_notice(actor=d.staff, topic=make_topic(d, title=f"b{i}"))
    with CaptureQueriesContext(connection) as q2:
        anon.get(f"/deliberation/board/{d.world.community_a.pk}/")
    assert len(q1) == len(q2)


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


HEAD = ["楼栋", "单元", "房号", "业主姓名", "专有面积", "身份证号"]
ID1, ID2 = "11010119900307001X", "110101199003070027"


def _valid_id(first17):
    from gongzhi.core.validators import id_number_check_digit

    return first17 + id_number_check_digit(first17)


def test_register_import_counts_owner_once_and_row_errors(d, client_for):
    c = client_for(d.staff)
    a, b = _valid_id("11010119900307001"), _valid_id("11010119850101002")
    data = _xlsx([HEAD, ["1栋", "1单元", "101", "张三", "89.37", a], ["1栋", "1单元", "102", "张三", 120.5, a],
                  ["2栋", "", "201", "李四", "100", b]])
    r = c.post(f"/deliberation/register/{d.world.compound_a.pk}/", {"file": io.BytesIO(data)}, follow=True)
    assert "已导入 2 位业主、3 套房屋" in r.content.decode()
    from gongzhi.accounts.models import AuditLog

    assert AuditLog.objects.filter(action="import", actor=d.staff).count() == 1
    zhang = Owner.objects.get(name="张三")
    assert zhang.area_c == 8937 + 12050 and a not in zhang.id_masked
    bad = _xlsx([HEAD, ["1栋", "1单元", "101", "王五", "-3", a], ["1栋", "1单元", "101", "=cmd", "1e999", "123"],
                 ["1栋", "1单元", "103", "赵六", "12.345", b]])
    r = c.post(f"/deliberation/register/{d.world.compound_a.pk}/", {"file": io.BytesIO(bad)})
    body = r.content.decode()
    assert "第2行" in body and "第3行" in body and "房屋与第2行重复" in body and "第4行" in body
    assert Owner.objects.count() == 2  # nothing half-written
    r = c.post(f"/deliberation/register/{d.world.compound_a.pk}/", {"file": io.BytesIO(b"not a workbook")})
    assert "无法读取文件" in r.content.decode()
    assert client_for(d.world.users["community_b"]).get(f"/deliberation/register/{d.world.compound_a.pk}/").status_code == 404


def test_register_refuses_huge_declared_dimensions(d, client_for):
    wb = Workbook()
    ws = wb.active
    ws.append(HEAD)
    ws["XFD1048576"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    r = client_for(d.staff).post(f"/deliberation/register/{d.world.compound_a.pk}/", {"file": io.BytesIO(buf.getvalue())})
    assert "表格范围过大" in r.content.decode()


def test_ledger_and_tally_exports_are_text_only(d, client_for):
    t = make_topic(d, title="=HYPERLINK(\"http://x\")", matter="fund_use")
    t = to_consultation(d, t)
    owners = make_register(d, [10000, 5000])
    vote = services.vote_open(actor=d.staff, topic=t, form="owner", closes_at=timezone.now() + datetime.timedelta(days=1))
    services.ballot_enter_paper(actor=d.staff, vote=vote, owner=owners[0], choice="yes")
    services.meeting_minutes(actor=d.staff, topic=t, minutes="记录")
    c = client_for(d.staff)
    r = c.get("/deliberation/ledger.xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.cell(row=2, column=4).value == t.title and ws.cell(row=2, column=4).data_type == "s"
    r = c.get(f"/deliberation/votes/{vote.pk}/tally.xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    values = [c.value for row in ws.iter_rows() for c in row]
    assert t.title in values and "业主0" not in values  # the voter list is never exported
    assert all(c.data_type == "s" for row in ws.iter_rows() for c in row if c.value is not None)
    assert client_for(d.resident).get(f"/deliberation/votes/{vote.pk}/tally.xlsx").status_code == 404


def test_ticket_page_links_to_new_topic(d, client_for):
    from gongzhi.tickets import services as ticket_services
    from gongzhi.tickets.testing import ensure_catalogue

    cats = ensure_catalogue()
    cat = next(iter(cats.values()))
    ticket = ticket_services.ticket_submit(actor=d.resident, channel="self", category=cat, title="小区缺少健身器材",
                                           description="希望在花园装健身器材", household=d.world.hh_a1)
    c = client_for(d.staff)
    body = c.get(f"/tickets/{ticket.pk}/").content.decode()
    assert f"/deliberation/topics/new/?ticket={ticket.pk}" in body
    c.post(f"/deliberation/topics/new/?ticket={ticket.pk}", {"title": "健身器材", "matter": "ordinary",
                                                                 "plan_how": "装"}, follow=True)
    topic = Topic.objects.get(title="健身器材")
    assert topic.source_ticket == ticket and topic.place == d.world.compound_a


def test_sign_in_qr_code_and_place_settings(d, client_for):
    c = client_for(d.staff)
    t = make_topic(d)
    services.topic_publish_notice(actor=d.staff, topic=t)
    services.meeting_schedule(actor=d.staff, topic=t, kind="bench", location="楼下",
                              starts_at=timezone.now() + datetime.timedelta(days=8))
    body = c.get(f"/deliberation/topics/{t.pk}/").content.decode()
    assert 'data-testid="signin-qr"' in body and f"/deliberation/topics/{t.pk}/signin/" in body
    resident_page = client_for(d.resident).get(f"/deliberation/topics/{t.pk}/").content.decode()
    assert 'data-testid="signin-qr"' not in resident_page and "/signin/" not in resident_page
    r = c.post(f"/deliberation/places/{d.world.compound_a.pk}/settings/", {"notice_days": "0", "cosign_threshold": "3"},
               follow=True)
    assert "公告天数应在 1 至 90 天之间" in r.content.decode()
    c.post(f"/deliberation/places/{d.world.compound_a.pk}/settings/", {"notice_days": "10", "cosign_threshold": "3"})
    assert services.place_settings(d.world.compound_a).notice_days == 10
    r = client_for(d.world.users["community_b"]).put(
        f"/api/deliberation/places/{d.world.compound_a.pk}/settings", {"notice_days": 9, "cosign_threshold": 3},
        content_type="application/json")
    assert r.status_code == 404


def test_paper_ballot_by_flat_on_the_page(d, client_for):
    from gongzhi.deliberation.models import Ballot, Flat

    t = to_consultation(d, make_topic(d, matter="fund_use"))
    owners = make_register(d, [10000, 5000])
    Flat.objects.create(register=owners[0].register, owner=owners[0], building="1栋", unit="1单元", room="101", area_c=10000)
    vote = services.vote_open(actor=d.staff, topic=t, form="owner", closes_at=timezone.now() + datetime.timedelta(days=1))
    c = client_for(d.staff)
    url = f"/deliberation/topics/{t.pk}/do/paper/"
    r = c.post(url, {"vote": vote.pk, "building": "1栋", "unit": "1单元", "room": "999", "choice": "yes"}, follow=True)
    assert "业主名册中没有这套房屋" in r.content.decode()
    c.post(url, {"vote": vote.pk, "building": "1栋", "unit": "1单元", "room": "101", "choice": "yes"})
    r = c.post(url, {"vote": vote.pk, "building": "1栋", "unit": "1单元", "room": "101", "choice": "no"}, follow=True)
    assert "只能投一次" in r.content.decode()
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_owners_vote_ballot_form_only_for_owners_in_the_register(d, client_for):
    """A resident outside the owners' register is not offered the owners' ballot (it would answer 403);
    a household vote is offered to the resident."""
    topic = to_consultation(d, make_topic(d, matter="fund_use"))
    make_register(d, [10000], users=True)
    vote = services.vote_open(actor=d.staff, topic=topic, form="owner",
                              closes_at=timezone.now() + datetime.timedelta(days=1))
    url = f"/deliberation/topics/{topic.pk}/"
    ballot = f'name="vote" value="{vote.pk}"'
    page = client_for(d.resident).get(url)
    assert page.status_code == 200 and f'id="vote-{vote.pk}"' in page.content.decode()
    assert ballot not in page.content.decode()
    household = services.vote_open(actor=d.staff, topic=make_household_vote_topic(d), form="household",
                                   closes_at=timezone.now() + datetime.timedelta(days=1))
    page = client_for(d.resident).get(f"/deliberation/topics/{household.topic_id}/")
    assert f'name="vote" value="{household.pk}"' in page.content.decode()


def make_household_vote_topic(d):
    return to_consultation(d, make_topic(d, title="加装充电桩"))
