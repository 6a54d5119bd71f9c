import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.core.testing import tiny_image
from gongzhi.tickets.models import Attachment, Ticket

pytestmark = pytest.mark.django_db
PNG = tiny_image("PNG")


def test_resident_submits_from_phone_and_double_submit_makes_one(world, cats, client_for):
    c = client_for(world.users["resident_a1"])
    page = c.get(reverse("tickets:submit"))
    assert page.status_code == 200 and "我要反映" in page.content.decode()
    idem = page.context["form"].initial["idem"]
    data = {"idem": idem, "kind": "demand", "category": cats["repair"].pk, "description": "楼下路灯不亮已经三天了",
            "household": world.hh_a1.pk, "photos": [SimpleUploadedFile("p.png", PNG)]}
    r1 = c.post(reverse("tickets:submit"), data)
    data["photos"] = []
    r2 = c.post(reverse("tickets:submit"), data)
    assert r1.status_code == r2.status_code == 302
    t = Ticket.objects.get()
    assert r1.url == r2.url == reverse("tickets:detail", args=[t.pk])
    assert (t.channel, t.reporter, t.household) == ("self", world.users["resident_a1"], world.hh_a1)
    assert Attachment.objects.filter(ticket=t).count() == 1


def test_submit_bad_input_shows_chinese_errors(world, cats, client_for):
    c = client_for(world.users["resident_a1"])
    r = c.post(reverse("tickets:submit"), {"kind": "demand", "description": ""})
    body = r.content.decode()
    assert r.status_code == 400 and "请选择诉求分类" in body and "请描述诉求内容" in body
    r = c.post(reverse("tickets:submit"), {"kind": "demand", "category": cats["repair"].pk, "description": "短"})
    assert "至少5个字" in r.content.decode()
    assert not Ticket.objects.exists()


def test_staff_form_requires_channel_and_place(world, cats, client_for):
    c = client_for(world.users["community_a"])
    r = c.post(reverse("tickets:submit"), {"kind": "demand", "category": cats["repair"].pk,
                                           "description": "热线反映小区门禁坏了"})
    assert "请选择来源渠道" in r.content.decode()
    r = c.post(reverse("tickets:submit"), {"kind": "demand", "category": cats["repair"].pk, "channel": "hotline",
                                           "description": "热线反映小区门禁坏了", "node": world.compound_a.pk,
                                           "reporter_name": "王阿姨"})
    assert r.status_code == 302
    assert Ticket.objects.get().filed_by == world.users["community_a"]


def test_ticket_page_scoping(world, flow, client_for):
    t = flow("dispatched")
    url = reverse("tickets:detail", args=[t.pk])
    for who in ("resident_a1", "grid_a1", "community_a", "street", "unit_a1", "admin"):
        assert client_for(world.users[who]).get(url).status_code == 200, who
    for who in ("grid_a2", "community_b", "nobody"):
        assert client_for(world.users[who]).get(url).status_code == 404, who


def test_resident_sees_only_own_tickets(world, flow, submit, client_for):
    mine = flow("submitted")
    other = submit(description="别人反映的楼道堆物问题")  # same household, reported by staff for someone else
    c = client_for(world.users["resident_a1"])
    body = c.get(reverse("tickets:mine")).content.decode()
    assert mine.title in body and other.title not in body
    assert c.get(reverse("tickets:detail", args=[other.pk])).status_code == 404


def test_handler_accepts_and_resolves_with_photo(world, flow, client_for):
    t = flow("dispatched")
    c = client_for(world.users["grid_a1"])
    q = c.get(reverse("tickets:queue"))
    assert t.title in q.content.decode()
    c.post(reverse("tickets:act", args=[t.pk, "accept"]))
    r = c.post(reverse("tickets:act", args=[t.pk, "resolve"]), {"result": "已修好", "photos": [SimpleUploadedFile("r.png", PNG)]})
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.status == "resolved"
    photo = Attachment.objects.get(ticket=t, stage="result")
    assert client_for(world.users["resident_a1"]).get(reverse("tickets:attachment", args=[photo.pk])).status_code == 200
    assert client_for(world.users["grid_a2"]).get(reverse("tickets:attachment", args=[photo.pk])).status_code == 404


def test_action_errors_are_messages_not_crashes(world, flow, client_for):
    t = flow("submitted")
    c = client_for(world.users["community_a"])
    r = c.post(reverse("tickets:act", args=[t.pk, "reject"]), {"reason": ""}, follow=True)
    assert "退回必须填写原因" in r.content.decode()
    r = c.post(reverse("tickets:act", args=[t.pk, "accept"]), follow=True)
    assert "没有权限" in r.content.decode()
    assert c.post(reverse("tickets:act", args=[t.pk, "explode"])).status_code == 404
    other = client_for(world.users["grid_a2"]).post(reverse("tickets:act", args=[t.pk, "reject"]), {"reason": "x"})
    assert other.status_code == 404


def test_resident_rates_on_phone(world, flow, client_for):
    t = flow("resolved")
    c = client_for(world.users["resident_a1"])
    assert "请评价办理结果" in c.get(reverse("tickets:detail", args=[t.pk])).content.decode()
    c.post(reverse("tickets:act", args=[t.pk, "rate"]), {"rating": "satisfied"})
    t.refresh_from_db()
    assert t.status == "followed_up" and t.rating == "satisfied"


@pytest.mark.parametrize("name", ["board", "supervision", "follow_ups", "queue", "wall", "orders", "stats", "mine"])
def test_staff_pages_render(world, flow, client_for, name):
    flow("resolved")
    r = client_for(world.users["community_a"]).get(reverse(f"tickets:{name}"))
    assert r.status_code == 200


def test_board_highlights_overdue_and_is_scoped(world, flow, client_for):
    t = flow("dispatched")
    Ticket.objects.filter(pk=t.pk).update(due_at=t.created_at.replace(year=2020))
    body = client_for(world.users["community_a"]).get(reverse("tickets:board") + "?overdue=1").content.decode()
    assert 'class="overdue"' in body and "已超时" in body
    assert t.title not in client_for(world.users["community_b"]).get(reverse("tickets:board")).content.decode()


def test_list_query_counts_do_not_grow_with_rows(world, flow, client_for):
    flow("dispatched")
    pages = {"community_a": "tickets:board", "grid_a1": "tickets:queue", "resident_a1": "tickets:mine"}
    before = {}
    for who, name in pages.items():
        c = client_for(world.users[who])
        c.get(reverse(name))
        with CaptureQueriesContext(connection) as q:
            c.get(reverse(name))
        before[who] = len(q)
    for _ in range(8):
        flow("dispatched")
    for who, name in pages.items():
        c = client_for(world.users[who])
        c.get(reverse(name))
        with CaptureQueriesContext(connection) as q:
            c.get(reverse(name))
        assert len(q) == before[who] <= 12, who


def test_stats_page_and_excel_use_the_same_numbers(world, flow, client_for):
    flow("closed")
    flow("dispatched")
    c = client_for(world.users["community_a"])
    r = c.get(reverse("tickets:stats") + f"?node={world.community_a.pk}")
    m = r.context["m"]
    assert m.total == 2 and m.resolved == 1 and m.satisfaction_rate == 1.0
    x = c.get(reverse("tickets:stats_xlsx") + f"?node={world.community_a.pk}")
    assert x.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook
    ws = load_workbook(BytesIO(b"".join(x.streaming_content) if x.streaming else x.content)).active
    values = {ws.cell(row=i, column=1).value: ws.cell(row=i, column=2).value for i in range(1, ws.max_row + 1)}
    assert values["诉求总数"] == 2 and values["解决率"] == 0.5 and values["满意率"] == 1.0
    assert c.get(reverse("tickets:stats") + f"?node={world.community_b.pk}").status_code == 404
    assert c.get(reverse("tickets:stats") + "?start=2026-13-01").status_code == 400
