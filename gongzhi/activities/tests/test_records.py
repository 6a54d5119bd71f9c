"""Training (培训), commendation (表彰) and evaluation (评价) records, recorded by the organiser that records the service
(谁记录谁证明), listed for the volunteer and printed on that organiser's certificates."""

import datetime
import re
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.activities import services
from gongzhi.activities.issuers import Issuer, get_issuer, get_volunteer
from gongzhi.activities.models import Activity, Certificate, Kind, VolunteerRecord
from gongzhi.people.models import Organisation, OrganisationMember
from gongzhi.points.tests.conftest import many_residents
from gongzhi.territory.testing import make_user

from .conftest import make_activity

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def served(act, resident, hours=2):
    """The resident served `hours` in the activity, three days ago."""
    s = services.signup_create(actor=resident.user, shift=act.shift)
    past = timezone.now() - datetime.timedelta(days=3)
    Activity.objects.filter(pk=act.activity.pk).update(start_at=past, end_at=past + datetime.timedelta(hours=4))
    act.activity.refresh_from_db()
    services.tick(actor=act.organiser, signup=s, now=past)
    services.tick(actor=act.organiser, signup=s, now=past + datetime.timedelta(hours=hours))
    return s


def add(act, resident, **kw):
    kw.setdefault("kind", "training")
    kw.setdefault("title", "应急救护培训")
    kw.setdefault("on", TODAY() - datetime.timedelta(days=10))
    kw.setdefault("hours", Decimal("4"))
    kw.setdefault("client_key", uuid.uuid4().hex)
    return services.volunteer_record_add(actor=kw.pop("actor", act.organiser),
                                         issuer=kw.pop("issuer", Issuer(act.pts.world.community_a)),
                                         resident=resident, **kw)


def test_record_once_per_form_with_the_issuer(act):
    alice = act.pts.alice
    served(act, alice)
    key = uuid.uuid4().hex
    r = add(act, alice, client_key=key, grantor="区红十字会")
    assert add(act, alice, client_key=key).pk == r.pk
    assert (r.organiser, r.community, r.kind, r.hours, r.grantor) == (None, act.pts.world.community_a, "training",
                                                                      Decimal("4.00"), "区红十字会")
    c = add(act, alice, kind="commendation", title="优秀志愿者", hours=None)
    assert c.hours is None
    assert VolunteerRecord.objects.count() == 2
    with pytest.raises(ValidationError):  # someone else's form key
        add(act, act.pts.bob, client_key=key, actor=act.pts.world.users["community_a"])


@pytest.mark.parametrize(("field", "value", "message"), [
    ("on", "future", "日期不能晚于今天"),
    ("on", datetime.date(1999, 12, 31), "日期无效"),
    ("hours", Decimal("-1"), "培训时长须在0到200小时之间"),
    ("hours", Decimal("200.01"), "培训时长须在0到200小时之间"),
    ("hours", Decimal("1.234"), "最多两位小数"),
    ("hours", "NaN", "请填写培训时长"),
    ("hours", None, "请填写培训时长"),
    ("title", "训" * 101, "不超过100个字"),
    ("title", "培训\x00", "不能包含控制字符"),
    ("title", "培训\n第二行", "不能包含控制字符"),
    ("title", "培训\u202e训培", "不能包含控制字符"),
    ("title", " ", "请填写名称"),
    ("grantor", "单" * 101, "不超过100个字"),
    ("note", "x" * 201, "不超过200个字"),
    ("kind", "medal", "请选择培训、表彰或评价"),
])
def test_hostile_input_is_refused_and_nothing_written(act, field, value, message):
    served(act, act.pts.alice)
    if value == "future":
        value = TODAY() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as e:
        add(act, act.pts.alice, **{field: value})
    assert message in str(e.value)
    with pytest.raises(ValidationError, match="表彰记录不填时长"):
        add(act, act.pts.alice, kind="commendation", hours=Decimal("2"))
    assert not VolunteerRecord.objects.exists()


@pytest.mark.parametrize("hours", [Decimal("2"), "1.5", Decimal("0.01")])
def test_an_evaluation_has_no_hours(act, hours):
    alice = act.pts.alice
    served(act, alice)
    with pytest.raises(ValidationError) as e:
        add(act, alice, kind="evaluation", title="服务评价：优秀", hours=hours)
    assert e.value.message_dict == {"hours": ["评价记录不填时长"]}
    assert not VolunteerRecord.objects.exists()
    r = add(act, alice, kind="evaluation", title="服务评价：优秀", hours=None, grantor="甲社区志愿服务站")
    assert (r.kind, r.hours, r.grantor, r.get_kind_display()) == ("evaluation", None, "甲社区志愿服务站", "评价")
    # the database refuses it too (volunteer_record_hours), whoever writes
    with pytest.raises(IntegrityError), transaction.atomic():
        VolunteerRecord.objects.filter(pk=r.pk).update(hours=Decimal("1"))
    assert VolunteerRecord.objects.get(pk=r.pk).hours is None


def test_only_the_recording_organiser_and_its_volunteers(act):
    w = act.pts.world
    alice, carol = act.pts.alice, act.pts.carol
    served(act, alice)
    with pytest.raises(PermissionDenied):  # 乙社区's staff record for 甲社区's community
        add(act, alice, actor=w.users["community_b"])
    with pytest.raises(PermissionDenied):  # carol lives in 乙社区 and never served 甲社区
        add(act, carol)
    with pytest.raises(Http404):
        get_volunteer(get_issuer(w.users["community_b"], f"c{w.community_b.pk}"), alice.pk)
    with pytest.raises(Http404):
        get_issuer(w.users["community_b"], f"c{w.community_a.pk}")
    for junk in ("", "x1", "c0", "c" + "9" * 30, "c1/../2", "o-1"):
        with pytest.raises(Http404):
            get_issuer(w.users["community_a"], junk)
    # an organisation: its head records for its members and those who served in its activities
    team = Organisation.objects.create(name="栗·邻帮", kind="volunteer", community=w.community_a)
    head = make_user("team_head")
    OrganisationMember.objects.create(organisation=team, user=head, is_admin=True)
    issuer = get_issuer(head, f"o{team.pk}")
    with pytest.raises(PermissionDenied):
        add(act, alice, actor=head, issuer=issuer)
    OrganisationMember.objects.create(organisation=team, user=alice.user)
    assert add(act, alice, actor=head, issuer=issuer).organiser == team
    with pytest.raises(Http404):
        get_issuer(w.users["resident_a1"], f"o{team.pk}")


def test_pages_list_add_masked_and_hidden(act, client_for):
    w, alice = act.pts.world, act.pts.alice
    served(act, alice)
    org = client_for(act.organiser)
    page = org.get("/activities/records/").content.decode()
    assert alice.name in page and alice.masked_id_number in page and alice.id_number not in page
    url = f"/activities/records/c{w.community_a.pk}/{alice.pk}/"
    assert url in org.get(f"/activities/{act.activity.pk}/manage/").content.decode()
    page = org.get(url).content.decode()
    assert alice.id_number not in page and "2.00" in page  # hours served with this organiser
    key = re.search(r'name="client_key" value="([^"]+)"', page).group(1)
    data = {"client_key": key, "kind": "training", "title": "防汛知识培训", "on": (TODAY() - datetime.timedelta(days=2)).isoformat(),
            "hours": "1.5", "grantor": "", "note": ""}
    bad = org.post(url, {**data, "on": (TODAY() + datetime.timedelta(days=5)).isoformat()})
    assert bad.status_code == 200 and "日期不能晚于今天" in bad.content.decode()
    bad = org.post(url, {**data, "hours": "-3"})
    assert bad.status_code == 200 and "确保该值大于或等于0" in bad.content.decode()
    assert not VolunteerRecord.objects.exists()
    assert org.post(url, data).status_code == 302
    org.post(url, data)
    assert VolunteerRecord.objects.count() == 1
    assert "防汛知识培训" in org.get(url).content.decode()
    other = client_for(w.users["community_b"])
    assert other.get(url).status_code == 404
    assert other.post(url, {**data, "client_key": uuid.uuid4().hex}).status_code == 404
    assert other.get(f"/activities/records/c{w.community_b.pk}/{alice.pk}/").status_code == 404
    assert client_for(act.pts.bob.user).get("/activities/records/").status_code == 403
    assert client_for(act.pts.bob.user).get(url).status_code == 404
    assert org.get("/activities/records/?issuer=zz").status_code == 404
    mine = client_for(alice.user).get("/activities/mine/").content.decode()
    assert "防汛知识培训" in mine and w.community_a.name in mine


def test_certificate_prints_the_issuers_training_and_commendations(act, client_for, client):
    w, alice = act.pts.world, act.pts.alice
    s = served(act, alice)
    add(act, alice, title="应急救护培训", hours=Decimal("3.5"))
    add(act, alice, kind="commendation", title="优秀志愿者", hours=None, grantor="测试街道")
    add(act, alice, title="去年的培训", on=TODAY() - datetime.timedelta(days=400))  # outside the period
    team = Organisation.objects.create(name="栗·邻帮", kind="volunteer", community=w.community_a)
    OrganisationMember.objects.create(organisation=team, user=alice.user)
    add(act, alice, title="别的单位的培训", issuer=Issuer(w.community_a, team))  # another issuer's record
    cert = services.certificate_issue(actor=act.organiser, resident=alice, community=w.community_a,
                                      date_from=TODAY() - datetime.timedelta(days=30), date_to=TODAY(),
                                      client_key=uuid.uuid4().hex)
    assert [r["title"] for r in cert.trainings] == ["应急救护培训"]
    assert [(r["title"], r["grantor"]) for r in cert.commendations] == [("优秀志愿者", "测试街道")]
    page = client_for(alice.user).get(f"/activities/certificates/{cert.pk}/").content.decode()
    assert "培训情况" in page and "应急救护培训" in page and "3.50" in page and "优秀志愿者" in page
    assert "去年的培训" not in page and "别的单位的培训" not in page
    assert "应急救护培训" in client.get("/activities/verify/", {"number": cert.number}).content.decode()
    # the certificate is a snapshot: a record added later is not on it
    add(act, alice, title="后来的培训")
    assert "后来的培训" not in client_for(alice.user).get(f"/activities/certificates/{cert.pk}/").content.decode()
    assert Certificate.objects.get(pk=cert.pk).records == cert.records
    assert cert.total_minutes == 120 and s.pk


def test_api_paginated_validated_and_scoped(act, client_for):
    w, alice = act.pts.world, act.pts.alice
    served(act, alice)
    org = client_for(act.organiser)
    issuers = org.get("/api/activities/records/issuers").json()
    assert issuers["items"][0] == {"key": f"c{w.community_a.pk}", "name": w.community_a.name}
    vols = org.get(f"/api/activities/records/c{w.community_a.pk}/volunteers").json()
    assert vols["count"] == 1 and vols["items"][0] == {"id": alice.pk, "name": alice.name,
                                                       "masked_id": alice.masked_id_number}
    url = f"/api/activities/records/c{w.community_a.pk}/volunteers/{alice.pk}"
    body = {"kind": "commendation", "title": "五星志愿者", "on": TODAY().isoformat(), "client_key": uuid.uuid4().hex}
    r = org.post(url, body, content_type="application/json")
    assert r.status_code == 201 and r.json()["hours"] is None and r.json()["issuer"] == w.community_a.name
    assert org.post(url, body, content_type="application/json").json()["id"] == r.json()["id"]
    bad = org.post(url, {**body, "client_key": uuid.uuid4().hex, "title": "表彰\x07"}, content_type="application/json")
    assert bad.status_code == 400 and "title" in bad.json()["errors"]
    bad = org.post(url, {**body, "client_key": uuid.uuid4().hex, "kind": "training", "hours": "1e9"},
                   content_type="application/json")
    assert bad.status_code == 400 and "hours" in bad.json()["errors"]
    assert org.post(url, {**body, "on": "2026-02-30"}, content_type="application/json").status_code == 422
    bogus = org.post(url, {**body, "client_key": uuid.uuid4().hex, "kind": "bogus"}, content_type="application/json")
    assert bogus.status_code == 422  # the kinds are an enum in the OpenAPI document, checked before the service
    schema = org.get("/api/openapi.json").json()["components"]["schemas"]
    assert schema["RecordIn"]["properties"]["kind"]["enum"] == list(VolunteerRecord.Kind.values)
    assert schema["ActivityIn"]["properties"]["kind"]["enum"] == list(Kind.values)
    listed = org.get(url, {"page": 1}).json()
    assert listed["count"] == 1 and listed["items"][0]["title"] == "五星志愿者"
    mine = client_for(alice.user).get("/api/activities/records/mine").json()
    assert mine["count"] == 1 and mine["items"][0]["issuer"] == w.community_a.name
    other = client_for(w.users["community_b"])
    assert other.get(url).status_code == 404
    assert other.post(url, {**body, "client_key": uuid.uuid4().hex}, content_type="application/json").status_code == 404
    assert other.get(f"/api/activities/records/c{w.community_b.pk}/volunteers/{alice.pk}").status_code == 404
    assert client_for(alice.user).get(f"/api/activities/records/c{w.community_a.pk}/volunteers").status_code == 404
    assert VolunteerRecord.objects.count() == 1


def test_volunteer_list_query_count_does_not_grow(act, client_for):
    org = client_for(act.organiser)
    served(act, act.pts.alice)

    def count():
        with CaptureQueriesContext(connection) as q:
            assert org.get("/activities/records/").status_code == 200
        return len(q)

    first = count()
    for i, resident in enumerate(many_residents(act.pts.world, 6)):
        a = make_activity(act.pts.world, act.organiser, title=f"活动{i}")
        services.signup_create(actor=resident.user, shift=a.shifts.get())
    assert count() == first
    assert "居民r5" in org.get("/activities/records/").content.decode()


def test_evaluation_through_page_and_api_shown_and_printed(act, client_for, client):
    """评价情况: recorded on the page and through the API, listed for the volunteer, printed on a later certificate."""
    w, alice = act.pts.world, act.pts.alice
    served(act, alice)
    org = client_for(act.organiser)
    assert "培训、表彰与评价" in org.get("/activities/records/").content.decode()
    url = f"/activities/records/c{w.community_a.pk}/{alice.pk}/"
    page = org.get(url).content.decode()
    assert 'value="evaluation"' in page and "培训、表彰与评价" in page
    key = re.search(r'name="client_key" value="([^"]+)"', page).group(1)
    data = {"client_key": key, "kind": "evaluation", "title": "优秀志愿者",
            "on": (TODAY() - datetime.timedelta(days=2)).isoformat(), "hours": "", "grantor": "甲社区志愿服务站",
            "note": ""}
    bad = org.post(url, {**data, "hours": "2"})
    assert bad.status_code == 200 and "评价记录不填时长" in bad.content.decode()
    assert not VolunteerRecord.objects.exists()
    assert org.post(url, data).status_code == 302
    api = f"/api/activities/records/c{w.community_a.pk}/volunteers/{alice.pk}"
    body = {"kind": "evaluation", "title": "服务评价：优秀", "on": TODAY().isoformat(), "client_key": uuid.uuid4().hex}
    bad = org.post(api, {**body, "hours": "1.5"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["errors"]["hours"] == ["评价记录不填时长"]
    assert VolunteerRecord.objects.count() == 1
    r = org.post(api, body, content_type="application/json")
    assert r.status_code == 201 and (r.json()["kind"], r.json()["hours"], r.json()["grantor"]) == ("evaluation", None, "")
    assert VolunteerRecord.objects.filter(kind="evaluation").count() == 2
    me = client_for(alice.user)
    mine = me.get("/activities/mine/").content.decode()
    assert "我的培训、表彰与评价" in mine and "优秀志愿者" in mine and "服务评价：优秀" in mine
    assert '<span class="tag">评价</span>' in mine
    listed = me.get("/api/activities/records/mine").json()
    assert sorted(i["title"] for i in listed["items"] if i["kind"] == "evaluation") == ["优秀志愿者", "服务评价：优秀"]
    cert = services.certificate_issue(actor=act.organiser, resident=alice, community=w.community_a,
                                      date_from=TODAY() - datetime.timedelta(days=30), date_to=TODAY(),
                                      client_key=uuid.uuid4().hex)
    assert [(r["date"], r["title"], r["grantor"]) for r in cert.evaluations] == [
        ((TODAY() - datetime.timedelta(days=2)).isoformat(), "优秀志愿者", "甲社区志愿服务站"),
        (TODAY().isoformat(), "服务评价：优秀", w.community_a.name)]  # no grantor: the issuer evaluated
    assert cert.trainings == [] and cert.commendations == []
    for page in (me.get(f"/activities/certificates/{cert.pk}/").content.decode(),
                 client.get("/activities/verify/", {"number": cert.number}).content.decode()):
        assert "评价情况" in page and "评价单位" in page and "优秀志愿者" in page and "甲社区志愿服务站" in page
        assert "服务评价：优秀" in page and "培训情况" not in page and "表彰情况" not in page
    verified = client.get(f"/api/activities/certificates/verify/{cert.number}").json()
    assert [(r["kind"], r["title"]) for r in verified["records"]] == [
        ("evaluation", "优秀志愿者"), ("evaluation", "服务评价：优秀")]
