import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from gongzhi.accounts.models import Notification
from gongzhi.activities import codes, services
from gongzhi.activities.models import Activity, Certificate, HoursCorrection, SignUp
from gongzhi.core.errors import Conflict
from gongzhi.core.testing import race
from gongzhi.points.models import Account, Entry, EntryKind
from gongzhi.points.selectors import balance_differences
from gongzhi.points.tests.conftest import many_residents, resident_with_user

from .conftest import make_activity

pytestmark = pytest.mark.django_db


def test_quarter_hour_rounding():
    t = timezone.now()
    m = lambda mins: services.quarter_minutes(t, t + datetime.timedelta(minutes=mins, seconds=59))  # noqa: E731
    assert [m(0), m(14), m(15), m(44), m(136)] == [0, 0, 15, 30, 135]


def test_create_validates_and_acts_once(pts):
    staff = pts.world.users["community_a"]
    start = timezone.now()
    with pytest.raises(ValidationError) as e:
        services.activity_create(actor=staff, community=pts.world.community_a, title=" ", kind="bogus",
                                 start_at=start, end_at=start, shifts=[services.ShiftInput("", 0)],
                                 client_key=uuid.uuid4().hex, place=pts.world.building_b1)
    assert {"title", "kind", "end_at", "shifts", "place"} <= set(e.value.message_dict)
    assert not Activity.objects.exists()
    with pytest.raises(PermissionDenied):
        make_activity(pts.world, pts.alice.user)
    with pytest.raises(PermissionDenied):
        make_activity(pts.world, pts.world.users["community_b"])
    key = uuid.uuid4().hex
    kw = dict(actor=staff, community=pts.world.community_a, title="理发", kind="service", start_at=start,
              end_at=start + datetime.timedelta(hours=2), shifts=[services.ShiftInput("理发师", 3)], client_key=key)
    assert services.activity_create(**kw).pk == services.activity_create(**kw).pk
    assert Activity.objects.count() == 1
    other = pts.world.users["community_b"]
    with pytest.raises(ValidationError) as e:  # another person's key: refused, never answered with their activity
        services.activity_create(**{**kw, "actor": other, "community": pts.world.community_b})
    assert "提交编号已被使用" in str(e.value)
    assert Activity.objects.count() == 1


def test_signup_waitlist_promotion_and_notices(act):
    p = act.pts
    s1 = services.signup_create(actor=p.alice.user, shift=act.shift)
    s2 = services.signup_create(actor=p.bob.user, shift=act.shift)
    carol_like = resident_with_user(p.world.hh_a2, "赵六", "zhao", relation="spouse")
    s3 = services.signup_create(actor=carol_like.user, shift=act.shift)
    assert [s1.status, s2.status, s3.status] == ["confirmed", "confirmed", "waitlist"]
    with pytest.raises(Conflict) as c:
        services.signup_create(actor=p.alice.user, shift=act.shift)
    assert c.value.conflict_code == "duplicate"
    services.signup_cancel(actor=p.alice.user, signup=s1)
    s3.refresh_from_db()
    assert s3.status == "confirmed"
    assert Notification.objects.filter(user=carol_like.user, title__startswith="候补转正").exists()
    # signing up again after cancelling is allowed (goes to the back)
    assert services.signup_create(actor=p.alice.user, shift=act.shift).status == "waitlist"


def test_waitlist_has_a_limit(pts):
    staff = pts.world.users["community_a"]
    a = make_activity(pts.world, staff, capacity=1)
    shift = a.shifts.get()
    rs = many_residents(pts.world, 3)
    assert [services.signup_create(actor=r.user, shift=shift).status for r in rs[:2]] == ["confirmed", "waitlist"]
    with pytest.raises(Conflict) as c:
        services.signup_create(actor=rs[2].user, shift=shift)
    assert c.value.conflict_code == "full"


def test_cancel_cutoff_and_invited_only(pts):
    staff = pts.world.users["community_a"]
    soon = make_activity(pts.world, staff, start=timezone.now() + datetime.timedelta(hours=1))
    s = services.signup_create(actor=pts.alice.user, shift=soon.shifts.get())
    with pytest.raises(Conflict) as c:
        services.signup_cancel(actor=pts.alice.user, signup=s)
    assert c.value.conflict_code == "cutoff_passed"
    services.signup_cancel(actor=staff, signup=s)  # the organiser still can
    from gongzhi.people.models import Organisation, OrganisationMember

    team = Organisation.objects.create(name="栗·邻帮", kind="volunteer", community=pts.world.community_a)
    OrganisationMember.objects.create(organisation=team, user=pts.bob.user)
    inv = make_activity(pts.world, staff, audience="invited", organiser=team)
    with pytest.raises(PermissionDenied):
        services.signup_create(actor=pts.alice.user, shift=inv.shifts.get())
    assert services.signup_create(actor=pts.bob.user, shift=inv.shifts.get()).status == "confirmed"
    with pytest.raises(PermissionDenied):  # a user who is no resident
        services.signup_create(actor=pts.world.users["nobody"], shift=inv.shifts.get())


def test_scan_checks_in_then_out_and_codes_expire(pts):
    staff = pts.world.users["community_a"]
    a = make_activity(pts.world, staff, start=timezone.now() - datetime.timedelta(minutes=30))
    s = services.signup_create(actor=pts.alice.user, shift=a.shifts.get())
    token = codes.checkin_token(a.pk)
    assert services.scan(actor=pts.alice.user, token=token)[1] == "in"
    assert services.scan(actor=pts.alice.user, token=token)[1] == "out"
    s.refresh_from_db()
    assert s.minutes == 0 and s.checked_in_at and s.checked_out_at
    with pytest.raises(Conflict) as c:
        services.scan(actor=pts.alice.user, token=token)
    assert c.value.conflict_code == "already_out"
    for bad in ("", "1.1:abc:def", token[:-2] + "xx"):
        with pytest.raises(Conflict) as c:
            services.scan(actor=pts.alice.user, token=bad)
        assert c.value.conflict_code == "bad_code"
    from django.core import signing

    old = signing.TimestampSigner(salt=codes.SALT)
    stale = old.sign(f"{a.pk}.1")
    import time

    real = time.time
    try:
        time.time = lambda: real() + 600
        assert codes.activity_from_token(stale) is None
    finally:
        time.time = real
    with pytest.raises(Conflict) as c:  # not signed up
        services.scan(actor=pts.bob.user, token=token)
    assert c.value.conflict_code == "not_signed_up"


def test_checkout_grants_hour_points_once_and_correction_follows(act):
    p = act.pts
    s = services.signup_create(actor=p.alice.user, shift=act.shift)
    start = act.activity.start_at
    with pytest.raises(PermissionDenied):  # nobody ticks their own name
        services.tick(actor=p.alice.user, signup=s)
    assert services.tick(actor=act.organiser, signup=s, now=start) == "in"
    assert services.tick(actor=act.organiser, signup=s, now=start + datetime.timedelta(minutes=100)) == "out"
    s.refresh_from_db()
    assert s.minutes == 90
    acc = Account.objects.get(resident=p.alice)
    assert acc.balance == 15  # 10 per hour × 1.5 h
    with pytest.raises(PermissionDenied):
        services.hours_correct(actor=p.alice.user, signup=s, minutes=600, reason="我多干了")
    with pytest.raises(ValidationError):
        services.hours_correct(actor=act.organiser, signup=s, minutes=100, reason="")
    services.hours_correct(actor=act.organiser, signup=s, minutes=120, reason="签退时忘了扫码")
    acc.refresh_from_db()
    assert acc.balance == 20
    assert list(Entry.objects.filter(account=acc).order_by("id").values_list("kind", "amount")) == [
        (EntryKind.EARN, 15), (EntryKind.CORRECT, -15), (EntryKind.EARN, 20)]
    hc = HoursCorrection.objects.get()
    assert (hc.old_minutes, hc.new_minutes, hc.reason, hc.actor) == (90, 120, "签退时忘了扫码", act.organiser)
    assert not balance_differences()


def test_certificate_by_the_recording_organiser(act):
    p = act.pts
    s = services.signup_create(actor=p.alice.user, shift=act.shift)
    services.tick(actor=act.organiser, signup=s, now=act.activity.start_at)
    services.tick(actor=act.organiser, signup=s, now=act.activity.start_at + datetime.timedelta(hours=2))
    day = timezone.localtime(act.activity.start_at).date()
    kw = dict(resident=p.alice, date_from=day, date_to=day, community=p.world.community_a, client_key="cert-key-1")
    with pytest.raises(ValidationError):  # the period must be over
        services.certificate_issue(actor=act.organiser, **kw)
    Activity.objects.filter(pk=act.activity.pk).update(start_at=act.activity.start_at - datetime.timedelta(days=5),
                                                        end_at=act.activity.end_at - datetime.timedelta(days=5))
    day = day - datetime.timedelta(days=5)
    kw.update(date_from=day, date_to=day)
    with pytest.raises(PermissionDenied):
        services.certificate_issue(actor=p.world.users["community_b"], **kw)
    cert = services.certificate_issue(actor=act.organiser, **kw)
    assert services.certificate_issue(actor=act.organiser, **kw).pk == cert.pk
    with pytest.raises(ValidationError, match="提交编号已被使用"):  # the same key for someone else
        services.certificate_issue(actor=act.organiser, **{**kw, "resident": p.bob})
    assert cert.total_minutes == 120 and cert.lines[0]["activity"] == "义诊"
    assert "*" in cert.masked_id and cert.masked_id != p.alice.id_number
    assert Certificate.objects.count() == 1
    with pytest.raises(Conflict):
        services.certificate_issue(actor=act.organiser, **{**kw, "client_key": "cert-key-2",
                                                           "date_from": day - datetime.timedelta(days=30),
                                                           "date_to": day - datetime.timedelta(days=20)})


def test_beneficiaries(act):
    services.beneficiaries_record(actor=act.organiser, activity=act.activity, count=40, names=["王奶奶", " ", "李爷爷"])
    act.activity.refresh_from_db()
    assert act.activity.served_count == 40 and act.activity.beneficiaries.count() == 2
    with pytest.raises(ValidationError):
        services.beneficiaries_record(actor=act.organiser, activity=act.activity, count=-1)
    with pytest.raises(PermissionDenied):
        services.beneficiaries_record(actor=act.pts.alice.user, activity=act.activity, count=1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_signups_fill_exactly_the_capacity(pts):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are tested on PostgreSQL")
    staff = pts.world.users["community_a"]
    a = make_activity(pts.world, staff, capacity=5)
    shift = a.shifts.get()
    rs = many_residents(pts.world, 30)

    def go(i):
        out = []
        for r in rs[i::15]:
            try:
                out.append(services.signup_create(actor=r.user, shift=shift).status)
            except Conflict as c:
                out.append(c.conflict_code)
        return out

    results = [x for b in race(15, go) for x in b]
    assert results.count("confirmed") == 5 and results.count("waitlist") == 5 and results.count("full") == 20
    assert SignUp.objects.filter(shift=shift, status="confirmed").count() == 5


def test_activity_cancel_notifies_and_refuses_after_check_in(act, client_for):
    p = act.pts
    services.signup_create(actor=p.alice.user, shift=act.shift)
    r = client_for(p.alice.user).post(f"/api/activities/{act.activity.pk}/cancel", {"reason": "x"},
                                      content_type="application/json")
    assert r.status_code == 404
    org = client_for(act.organiser)
    org.post(f"/activities/{act.activity.pk}/cancel/", {"reason": ""})
    act.activity.refresh_from_db()
    assert act.activity.status == "open"
    org.post(f"/activities/{act.activity.pk}/cancel/", {"reason": "暴雨预警"})
    act.activity.refresh_from_db()
    assert act.activity.status == "cancelled"
    assert Notification.objects.filter(user=p.alice.user, title__startswith="活动已取消").exists()
    with pytest.raises(Conflict):
        services.signup_create(actor=p.bob.user, shift=act.shift)
    other = make_activity(p.world, act.organiser, start=timezone.now() - datetime.timedelta(minutes=5))
    s = services.signup_create(actor=p.alice.user, shift=other.shifts.get())
    services.tick(actor=act.organiser, signup=s)
    with pytest.raises(Conflict):
        services.activity_cancel(actor=act.organiser, activity=other, reason="x")
