import datetime
import re

import pytest
from django.utils import timezone

from gongzhi.activities import codes, services
from gongzhi.activities.models import Activity, Certificate, SignUp
from gongzhi.points.models import Account

from .conftest import make_activity

pytestmark = pytest.mark.django_db


def test_resident_signs_up_scans_and_sees_hours(act, client_for):
    p = act.pts
    Activity.objects.filter(pk=act.activity.pk).update(start_at=timezone.now() - datetime.timedelta(minutes=10))
    c = client_for(p.alice.user)
    r = c.get("/activities/")
    assert r.status_code == 200 and "义诊" in r.content.decode()
    assert c.get(f"/activities/{act.activity.pk}/").status_code == 200
    c.post(f"/activities/shifts/{act.shift.pk}/signup/")
    c.post(f"/activities/shifts/{act.shift.pk}/signup/")  # twice: acts once
    assert SignUp.objects.filter(resident=p.alice).count() == 1
    token = codes.checkin_token(act.activity.pk)
    r = c.get(f"/activities/scan/{token}/")
    assert "签到" in r.content.decode()
    c.post(f"/activities/scan/{token}/")
    assert SignUp.objects.get(resident=p.alice).checked_in_at is not None
    r = c.get("/activities/mine/")
    assert r.status_code == 200 and "累计服务时长" in r.content.decode()
    assert "过期" in c.get("/activities/scan/garbage/").content.decode()


def test_organiser_pages_and_hidden_from_others(act, client_for):
    p = act.pts
    services.signup_create(actor=p.alice.user, shift=act.shift)
    org = client_for(act.organiser)
    r = org.get(f"/activities/{act.activity.pk}/code/")
    assert r.status_code == 200 and "<svg" in r.content.decode()
    assert "/activities/scan/" in r.content.decode()
    assert org.get(f"/activities/{act.activity.pk}/manage/").status_code == 200
    other = client_for(p.world.users["community_b"])
    assert other.get(f"/activities/{act.activity.pk}/manage/").status_code == 404
    assert other.get(f"/activities/{act.activity.pk}/code/").status_code == 404
    assert client_for(p.alice.user).get(f"/activities/{act.activity.pk}/manage/").status_code == 404
    assert client_for(p.carol.user).get(f"/activities/{act.activity.pk}/").status_code == 200  # same street, public


def test_create_page_validates_and_acts_once(pts, client_for):
    c = client_for(pts.world.users["community_a"])
    r = c.get("/activities/new/")
    key = re.search(r'name="client_key" value="([^"]+)"', r.content.decode()).group(1)
    data = {"client_key": key, "title": "免费理发", "kind": "service", "start_at": "2030-01-05T09:00",
            "end_at": "2030-01-05T08:00", "address": "社区广场", "audience": "public", "shifts": "理发师 3",
            "cancel_cutoff_hours": 2}
    r = c.post("/activities/new/", data)
    assert r.status_code == 200 and "结束时间须晚于开始时间" in r.content.decode()
    data["end_at"] = "2030-01-05T11:00"
    r1 = c.post("/activities/new/", {**data, "shifts": "没有人数"})
    assert "每行写岗位名称和人数" in r1.content.decode()
    c.post("/activities/new/", data)
    c.post("/activities/new/", data)
    assert Activity.objects.filter(title="免费理发").count() == 1
    assert client_for(pts.alice.user).get("/activities/new/").status_code == 403


def test_api_signup_conflicts_answer_409_with_code(pts, client_for):
    a = make_activity(pts.world, pts.world.users["community_a"], capacity=1)
    shift = a.shifts.get()
    from gongzhi.points.tests.conftest import many_residents

    rs = many_residents(pts.world, 2)
    c = client_for(pts.alice.user)
    assert c.post(f"/api/activities/shifts/{shift.pk}/signups").status_code == 201
    r = c.post(f"/api/activities/shifts/{shift.pk}/signups")
    assert r.status_code == 409 and r.json()["code"] == "duplicate" and "已报名" in r.json()["detail"]
    assert client_for(rs[0].user).post(f"/api/activities/shifts/{shift.pk}/signups").json()["status"] == "waitlist"
    r = client_for(rs[1].user).post(f"/api/activities/shifts/{shift.pk}/signups")
    assert r.status_code == 409 and r.json()["code"] == "full"
    r = c.post("/api/activities/checkin", data={"token": "nope"}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "bad_code"
    assert c.get("/api/activities/").json()["count"] == 1
    assert client_for(pts.world.users["community_b"]).get(f"/api/activities/{a.pk}/signups").status_code == 404


def test_api_checkin_checkout_and_hours(act, client_for):
    p = act.pts
    s = services.signup_create(actor=p.alice.user, shift=act.shift)
    org = client_for(act.organiser)
    Activity.objects.filter(pk=act.activity.pk).update(start_at=timezone.now() - datetime.timedelta(hours=2))
    assert org.post(f"/api/activities/signups/{s.pk}/tick").json()["action"] == "in"
    r = org.post(f"/api/activities/signups/{s.pk}/hours", data={"minutes": 7, "reason": "x"}, content_type="application/json")
    assert r.status_code == 400
    r = org.post(f"/api/activities/signups/{s.pk}/hours", data={"minutes": 90, "reason": "补登"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["minutes"] == 90
    assert Account.objects.get(resident=p.alice).balance == 15
    r = client_for(p.alice.user).post(f"/api/activities/signups/{s.pk}/hours", data={"minutes": 900, "reason": "x"},
                                      content_type="application/json")
    assert r.status_code == 404


def test_certificate_pages_and_public_verify(act, client_for, client):
    p = act.pts
    s = services.signup_create(actor=p.alice.user, shift=act.shift)
    past = timezone.now() - datetime.timedelta(days=3)
    Activity.objects.filter(pk=act.activity.pk).update(start_at=past, end_at=past + datetime.timedelta(hours=3))
    services.tick(actor=act.organiser, signup=s, now=past)
    services.tick(actor=act.organiser, signup=s, now=past + datetime.timedelta(hours=2))
    org = client_for(act.organiser)
    r = org.get(f"/activities/signups/{s.pk}/certificate/")
    key = re.search(r'name="client_key" value="([^"]+)"', r.content.decode()).group(1)
    day = timezone.localdate()
    data = {"client_key": key, "date_from": (day - datetime.timedelta(days=30)).isoformat(), "date_to": day.isoformat()}
    r = org.post(f"/activities/signups/{s.pk}/certificate/", data)
    org.post(f"/activities/signups/{s.pk}/certificate/", data)
    cert = Certificate.objects.get()
    assert r.status_code == 302
    page = client_for(p.alice.user).get(f"/activities/certificates/{cert.pk}/").content.decode()
    assert cert.number in page and "2.00" in page and p.alice.id_number not in page
    assert client_for(p.bob.user).get(f"/activities/certificates/{cert.pk}/").status_code == 404
    r = client.get("/activities/verify/", {"number": cert.number.lower()})
    assert "真实有效" in r.content.decode() and p.alice.id_number not in r.content.decode()
    assert "查无此编号" in client.get("/activities/verify/", {"number": "ZY0000"}).content.decode()
    assert client.get(f"/api/activities/certificates/verify/{cert.number}").json()["total_minutes"] == 120
    assert client.get("/api/activities/certificates/verify/NOPE").status_code == 404


def test_board_calendar_and_ledger(act, client_for, client):
    month = timezone.localtime(act.activity.start_at).strftime("%Y-%m")
    r = client.get(f"/activities/board/{act.pts.world.compound_a.pk}/", {"month": month})
    assert r.status_code == 200 and "义诊" in r.content.decode()
    assert client.get(f"/activities/board/{act.pts.world.compound_a.pk}/", {"month": "9999-99"}).status_code == 200
    Activity.objects.filter(pk=act.activity.pk).update(title="=HYPERLINK(\"x\")")
    org = client_for(act.organiser)
    start = timezone.localdate(act.activity.start_at)
    r = org.get("/activities/ledger.xlsx", {"node": act.pts.world.community_a.pk, "from": start.isoformat(),
                                             "to": start.isoformat()})
    assert r.status_code == 200
    import io

    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.cell(3, 4).value == '=HYPERLINK("x")' and ws.cell(3, 4).data_type == "s"
    assert client_for(act.pts.world.users["community_b"]).get(
        "/activities/ledger.xlsx", {"node": act.pts.world.community_a.pk}).status_code == 404


def test_double_submitted_check_in_does_not_check_out(act, client_for):
    p = act.pts
    s = services.signup_create(actor=p.alice.user, shift=act.shift)
    Activity.objects.filter(pk=act.activity.pk).update(start_at=timezone.now() - datetime.timedelta(minutes=5))
    c = client_for(p.alice.user)
    token = codes.checkin_token(act.activity.pk)
    c.post(f"/activities/scan/{token}/", {"expect": "in"})
    c.post(f"/activities/scan/{token}/", {"expect": "in"})
    s.refresh_from_db()
    assert s.checked_in_at is not None and s.checked_out_at is None
    org = client_for(act.organiser)
    org.post(f"/activities/signups/{s.pk}/tick/", {"expect": "out"})
    org.post(f"/activities/signups/{s.pk}/tick/", {"expect": "out"})
    s.refresh_from_db()
    assert s.checked_out_at is not None
    from gongzhi.activities.models import HoursCorrection

    for _ in range(2):
        org.post(f"/activities/signups/{s.pk}/hours/", {"minutes": 60, "reason": "补录"})
    assert HoursCorrection.objects.count() == 1


def test_list_pages_query_counts_do_not_grow(pts, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff = pts.world.users["community_a"]
    c = client_for(pts.alice.user)

    def count(url):
        with CaptureQueriesContext(connection) as q:
            assert c.get(url).status_code == 200
        return len(q)

    make_activity(pts.world, staff)
    count("/activities/"), count("/points/")  # the first visit opens the points account
    first = count("/activities/"), count("/points/")
    for _ in range(5):
        a = make_activity(pts.world, staff)
        services.signup_create(actor=pts.alice.user, shift=a.shifts.get()) if _ == 0 else None
    assert (count("/activities/"), count("/points/")) == first
