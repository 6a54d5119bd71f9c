"""Each role's home page shows its tasks; the tab bar adapts to the role and its badges count what
waits; 我的 links the password page; the installable-app files answer; the shared filters."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.templatetags.ui import figure, percent, tel
from gongzhi.tickets import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def cats(db):
    from gongzhi.tickets.testing import ensure_catalogue

    return ensure_catalogue()


def _file(world, cats, reporter=None):
    return services.ticket_submit(actor=world.users["community_a"], channel="hotline", category=cats["repair"],
                                  description="一单元楼道的声控灯坏了", household=world.hh_a1,
                                  reporter=reporter or world.users["resident_a1"])


def test_resident_home_puts_filing_first_and_lists_my_demands(world, cats, client_for):
    t = _file(world, cats)
    html = client_for(world.users["resident_a1"]).get("/").content.decode()
    main = html[html.index('id="main"'):]
    assert main.index("我要反映") < main.index("我的诉求")
    assert f"#{t.pk}" in html and "待分办" in html
    assert reverse("tickets:mine") in html  # the 诉求 tab is the resident's own list
    assert "分办台" not in html and "新建评分细则" not in html


def test_grid_worker_home_counts_to_accept(world, cats, client_for):
    t = _file(world, cats)
    services.ticket_dispatch(actor=world.users["community_a"], ticket=t)
    html = client_for(world.users["grid_a1"]).get("/").content.decode()
    assert 'data-testid="tile-accept"' in html and "待受理" in html
    assert reverse("tickets:queue") in html
    assert "任免" not in html and "导入" not in html  # staff menu entries are not offered


def test_staff_home_shows_what_waits_and_the_rates_as_percentages(world, cats, client_for):
    _file(world, cats)
    html = client_for(world.users["community_a"]).get("/").content.decode()
    assert 'data-testid="tile-dispatch"' in html and "本月三率" in html
    assert "0.0%" in html or "—" in html
    assert "我要反映" not in html


def test_juror_home_lists_scoring_tasks_with_what_is_left(world, client_for):
    from gongzhi.evaluation.tests.conftest import build_hd

    hd = build_hd(world)
    period = hd.open()
    juror = hd.jurors["p1"].user
    html = client_for(juror).get("/").content.decode()
    assert "我的评分任务" in html and reverse("evaluation:juror_period", args=[period.pk]) in html
    assert f"未评 {period.subjects.count()}/{period.subjects.count()}" in html
    assert "尚未分配任何角色" not in html


def test_badges_count_to_do_and_unread(world, cats, client_for):
    _file(world, cats)
    data = json.loads(client_for(world.users["community_a"]).get(reverse("dashboard:badges")).content)
    assert data["todo"]["count"] == 1 and "待分办" in data["todo"]["label"]
    assert set(data) == {"todo", "unread"}
    assert client_for(world.users["resident_a1"]).get(reverse("dashboard:badges")).json()["todo"]["count"] == 0


def test_me_page_links_password_change_and_logout(world, client_for):
    html = client_for(world.users["resident_a1"]).get(reverse("dashboard:me")).content.decode()
    assert reverse("accounts:password_change") in html and reverse("accounts:logout") in html
    assert reverse("people:dual_reports") not in html  # not a party member, not staff
    assert reverse("people:dual_reports") in client_for(world.users["community_a"]).get(reverse("dashboard:me")).content.decode()


def test_installable_app_files(client):
    m = client.get("/manifest.webmanifest")
    assert m.status_code == 200 and m["Content-Type"].startswith("application/manifest+json")
    data = json.loads(m.content)
    assert data["display"] == "standalone" and {i["sizes"] for i in data["icons"]} >= {"192x192", "512x512"}
    sw = client.get("/sw.js")
    assert sw.status_code == 200 and "/offline/" in sw.content.decode()
    assert "网络未连接" in client.get("/offline/").content.decode()


def test_anonymous_home_goes_to_login(client):
    assert client.get("/").status_code == 302
    assert client.get(reverse("dashboard:badges")).status_code == 302


def test_toast_says_what_happened(world, cats, client_for):
    t = _file(world, cats)
    services.ticket_dispatch(actor=world.users["community_a"], ticket=t)
    r = client_for(world.users["grid_a1"]).post(reverse("tickets:act", args=[t.pk, "accept"]), follow=True)
    assert f"已受理 #{t.pk}" in r.content.decode()


def test_filters():
    assert percent(0.3636) == "36.4%" and percent(1) == "100.0%" and percent(None) == "—"
    assert figure(0.5) == "50.0%" and figure(7) == 7 and figure(None) == "—"
    assert tel("13900000001") == '<a href="tel:13900000001">13900000001</a>'
    assert tel("139****0001") == "139****0001" and tel("") == "—"


# --- the modules' cards: notices, votes, points, activities (resident); visits (grid worker, 三长);
# topics and this week's activities (staff) --------------------------------------------------------


def _testids(html: str, testid: str) -> list[str]:
    """The text of each element carrying data-testid=testid (tags stripped, whitespace collapsed)."""
    out = []
    for m in re.finditer(rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>', html, re.S):
        out.append(" ".join(re.sub(r"<[^>]+>", " ", m.group(2)).split()))
    return out


def _d(world):
    from gongzhi.deliberation.tests.conftest import D

    return D(world, world.users["community_a"], world.users["resident_a1"])


def _notice(d, title, place=None, staff="community_a"):
    from gongzhi.deliberation import services as delib
    from gongzhi.deliberation.tests.conftest import D, make_topic

    d = D(d.world, d.world.users[staff], d.resident)
    topic = make_topic(d, title=title, place=place or d.world.compound_a)
    delib.topic_publish_notice(actor=d.staff, topic=topic)
    topic.refresh_from_db()
    return topic


def _household_vote(d, title):
    from gongzhi.deliberation import services as delib
    from gongzhi.deliberation.tests.conftest import make_topic, to_consultation

    topic = to_consultation(d, make_topic(d, title=title))
    return delib.vote_open(actor=d.staff, topic=topic, form="household",
                           closes_at=timezone.now() + datetime.timedelta(days=3))


def test_resident_home_shows_the_notices_of_my_places_and_not_another_community(world, client_for):
    d = _d(world)
    mine = _notice(d, "加装电梯征求意见")
    street = _notice(d, "街道垃圾分类公告", place=world.street, staff="street")
    _notice(d, "乙社区停车改造", place=world.community_b, staff="community_b")
    from gongzhi.deliberation.tests.conftest import make_topic

    make_topic(d, title="还在起草的方案")  # a draft is not a notice
    html = client_for(world.users["resident_a1"]).get("/").content.decode()
    notices = _testids(html, "notice")
    assert len(notices) == 2
    assert any(mine.title in n and "幸福小区" in n and "公告" in n for n in notices)
    assert any(street.title in n for n in notices)
    assert "乙社区停车改造" not in html and "还在起草的方案" not in html
    assert reverse("deliberation:topic", args=[mine.pk]) in html
    # A resident of the other community sees its notice and the street's, not 幸福小区's.
    html_b = client_for(_resident_of_b(world)).get("/").content.decode()
    assert mine.title not in html_b
    assert "乙社区停车改造" in html_b and street.title in html_b


def _resident_of_b(world):
    from gongzhi.territory.models import Role
    from gongzhi.territory.testing import assign, make_user

    u = make_user("resident_b1")
    assign(u, Role.RESIDENT, world.hh_b1)
    return u


def test_resident_home_notice_empty_state(world, client_for):
    html = client_for(world.users["resident_a1"]).get("/").content.decode()
    assert "暂无进行中的议事公告" in html and reverse("deliberation:mine") in html


def test_open_vote_waits_for_my_household_until_it_has_voted(world, client_for):
    from gongzhi.deliberation import services as delib

    d = _d(world)
    vote = _household_vote(d, "健身器材选址")
    c = client_for(world.users["resident_a1"])
    html = c.get("/").content.decode()
    [row] = _testids(html, "vote-waiting")
    assert "健身器材选址" in row and "去投票" in row
    assert not [n for n in _testids(html, "notice") if "健身器材选址" in n]  # not twice on the page
    assert f'{reverse("deliberation:topic", args=[vote.topic_id])}#vote-{vote.pk}' in html
    # The anchor exists on the topic page, where the ballot is.
    assert f'id="vote-{vote.pk}"' in c.get(reverse("deliberation:topic", args=[vote.topic_id])).content.decode()
    assert _testids(client_for(_resident_of_b(world)).get("/").content.decode(), "vote-waiting") == []
    delib.ballot_cast(actor=world.users["resident_a1"], vote=vote, choice="yes")
    assert _testids(c.get("/").content.decode(), "vote-waiting") == []


def test_owners_vote_waits_for_the_owner_not_for_other_residents(world, client_for):
    from gongzhi.deliberation import services as delib
    from gongzhi.deliberation.models import Matter
    from gongzhi.deliberation.tests.conftest import make_register, make_topic, to_consultation

    d = _d(world)
    owners = make_register(d, [9000, 11000], users=True)
    topic = to_consultation(d, make_topic(d, title="续聘物业", matter=Matter.PROPERTY_COMPANY, options=[]))
    vote = delib.vote_open(actor=d.staff, topic=topic, form="owner",
                           closes_at=timezone.now() + datetime.timedelta(days=3))
    html = client_for(owners[0].user).get("/").content.decode()
    assert [r for r in _testids(html, "vote-waiting") if "续聘物业" in r]
    assert _testids(client_for(world.users["resident_a1"]).get("/").content.decode(), "vote-waiting") == []
    delib.ballot_cast(actor=owners[0].user, vote=vote, choice="yes")
    assert _testids(client_for(owners[0].user).get("/").content.decode(), "vote-waiting") == []
    assert _testids(client_for(owners[1].user).get("/").content.decode(), "vote-waiting")


def test_points_card_shows_the_balance_and_the_exchange(world, client_for):
    from gongzhi.people.tests.factories import make_id, make_resident
    from gongzhi.points.tests.conftest import fund

    resident = make_resident(world.hh_a1, "张三", id_number=make_id(), user=world.users["resident_a1"])
    fund(resident, 30, world.users["community_a"])
    html = client_for(world.users["resident_a1"]).get("/").content.decode()
    assert _testids(html, "home-balance") == ["30"]
    assert reverse("points:shop") in html and reverse("points:mine") in html


def test_no_points_card_for_a_resident_without_a_resident_record(world, client_for):
    html = client_for(world.users["resident_a1"]).get("/").content.decode()
    assert 'data-testid="points-card"' not in html and reverse("points:shop") not in html


def _activities(world, n, start_days=2):
    from gongzhi.activities.tests.conftest import make_activity

    return [make_activity(world, world.users["community_a"], title=f"活动{i}", capacity=3,
                          start=timezone.now() + datetime.timedelta(days=start_days + i)) for i in range(n)]


def test_resident_home_lists_the_next_three_activities_and_my_next_signup(world, client_for):
    from gongzhi.activities import services as act
    from gongzhi.people.tests.factories import make_id, make_resident

    make_resident(world.hh_a1, "张三", id_number=make_id(), user=world.users["resident_a1"])
    acts = _activities(world, 5)
    c = client_for(world.users["resident_a1"])
    near = _testids(c.get("/").content.decode(), "near-activity")
    assert [r.split()[0] for r in near] == ["活动0", "活动1", "活动2"]
    assert all("余 3 个名额" in r and "幸福小区广场" in r for r in near)
    act.signup_create(actor=world.users["resident_a1"], shift=acts[1].shifts.get())
    html = c.get("/").content.decode()
    [nxt] = _testids(html, "next-signup")
    assert "活动1" in nxt and "已报名" in nxt
    assert [r.split()[0] for r in _testids(html, "near-activity")] == ["活动0", "活动2", "活动3"]
    assert reverse("activities:index") in html


def test_full_activity_says_so(world, client_for):
    from gongzhi.activities import services as act
    from gongzhi.activities.tests.conftest import make_activity
    from gongzhi.people.tests.factories import make_id, make_resident
    from gongzhi.points.tests.conftest import resident_with_user

    make_resident(world.hh_a1, "张三", id_number=make_id(), user=world.users["resident_a1"])
    a = make_activity(world, world.users["community_a"], title="包饺子", capacity=1)
    act.signup_create(actor=resident_with_user(world.hh_a2, "李四", "bob").user, shift=a.shifts.get())
    [row] = _testids(client_for(world.users["resident_a1"]).get("/").content.decode(), "near-activity")
    assert "包饺子" in row and "已满" in row


def _care(world, n_today, n_overdue):
    from gongzhi.visits import services as vs
    from gongzhi.visits.models import CareDue
    from gongzhi.visits.testing import tagged_resident

    made = [tagged_resident(world.hh_a1, f"孤老{i}", "solitary", relation="other") for i in range(n_today + n_overdue)]
    vs.care_rule_set(actor=world.users["community_a"], community=world.community_a, key_group="solitary",
                     every_days=30)
    late = [r.pk for r in made[n_today:]]
    CareDue.objects.filter(resident_id__in=late).update(due_on=timezone.localdate() - datetime.timedelta(days=3))


def _campaign(world, name="敲门行动", node=None):
    from gongzhi.visits import services as vs

    return vs.campaign_create(actor=world.users["community_a"], community=world.community_a, name=name,
                              deadline=timezone.localdate() + datetime.timedelta(days=7),
                              node=node or world.compound_a)


def test_grid_worker_home_counts_todays_care_visits_and_campaigns(world, client_for):
    _care(world, 2, 1)
    _campaign(world, "防汛敲门")
    html = client_for(world.users["grid_a1"]).get("/").content.decode()
    assert _testids(html, "tile-care-due") == ["2 今天到期"]
    assert _testids(html, "tile-care-overdue") == ["1 已逾期"]
    assert _testids(html, "tile-campaigns") == ["1 敲门行动"]
    [row] = _testids(html, "campaign")
    assert "防汛敲门" in row and "已走访 0/2" in row
    assert reverse("visits:today") in html
    # Another grid's worker: the dues are grid A1's, not theirs.
    html2 = client_for(world.users["grid_a2"]).get("/").content.decode()
    assert _testids(html2, "tile-care-due") == ["0 今天到期"] and _testids(html2, "tile-care-overdue") == ["0 已逾期"]


def test_building_head_home_has_the_visits_card(world, client_for):
    _campaign(world, "楼栋敲门", node=world.building_a1)
    html = client_for(world.users["building_a1"]).get("/").content.decode()
    assert _testids(html, "tile-campaigns") == ["1 敲门行动"] and "楼栋敲门" in html


def test_staff_home_counts_topics_by_step_and_lists_this_weeks_activities(world, client_for):
    from gongzhi.deliberation.tests.conftest import make_topic

    d = _d(world)
    make_topic(d, title="草案一")
    make_topic(d, title="草案二")
    _notice(d, "公告中的议题")
    now = timezone.localtime()
    monday = (now - datetime.timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    from gongzhi.activities.tests.conftest import make_activity

    make_activity(world, world.users["community_a"], title="本周义诊", start=max(now + datetime.timedelta(minutes=5),
                                                                                monday + datetime.timedelta(hours=9)))
    make_activity(world, world.users["community_a"], title="下周植树", start=monday + datetime.timedelta(days=8))
    html = client_for(world.users["community_a"]).get("/").content.decode()
    steps = _testids(html, "topic-step")
    assert "方案待发布公告 2" in steps and "公告中，待组织协商 1" in steps and len(steps) == 2
    week = _testids(html, "week-activity")
    assert [r.split()[0] for r in week] == ["本周义诊"] and "已报名 0/2" in week[0]
    html_b = client_for(world.users["community_b"]).get("/").content.decode()
    assert _testids(html_b, "topic-step") == [] and "没有等待处理的议题" in html_b
    assert _testids(html_b, "week-activity") == [] and "本周没有活动" in html_b


# --- bounded queries: the same count with one and with several of everything ----------------------

def _count(client) -> int:
    client.get("/")  # the first look opens the points account and warms the session
    with CaptureQueriesContext(connection) as q:
        assert client.get("/").status_code == 200
    return len(q)


def _grow(world, i):
    """One more of everything a home card reads."""
    from gongzhi.activities import services as act

    d = _d(world)
    _notice(d, f"公告{i}")
    _notice(d, f"街道公告{i}", place=world.street, staff="street")
    vote = _household_vote(d, f"表决{i}")
    [a] = _activities(world, 1, start_days=1 + i)
    act.signup_create(actor=world.users["resident_a1"], shift=a.shifts.get())
    _activities(world, 2, start_days=10 + i)
    _campaign(world, f"行动{i}")
    from gongzhi.visits.testing import tagged_resident

    tagged_resident(world.hh_a1, f"孤老{i}", "solitary", relation="other")
    tagged_resident(world.hh_a2, f"空巢{i}", "solitary", relation="other")
    from gongzhi.visits import services as vs

    vs.care_rule_set(actor=world.users["community_a"], community=world.community_a, key_group="solitary",
                     every_days=30)
    return vote


# The pinned numbers: session, user, scope and menu included. They must not grow with the data.
RESIDENT_QUERIES = 24
GRID_WORKER_QUERIES = 21
STAFF_QUERIES = 20  # each role: +1 for the panel of organisations the user leads (led_orgs)


def test_home_pages_issue_a_bounded_number_of_queries(world, client_for):
    from gongzhi.people.tests.factories import make_id, make_resident

    make_resident(world.hh_a1, "张三", id_number=make_id(), user=world.users["resident_a1"])
    users = {"resident": world.users["resident_a1"], "grid": world.users["grid_a1"], "staff": world.users["community_a"]}
    clients = {k: client_for(u) for k, u in users.items()}
    _grow(world, 0)
    small = {k: _count(c) for k, c in clients.items()}
    for i in range(1, 5):
        _grow(world, i)
    html = clients["resident"].get("/").content.decode()
    assert len(_testids(html, "notice")) == 3 and len(_testids(html, "near-activity")) == 3
    assert len(_testids(html, "vote-waiting")) >= 2
    large = {k: _count(c) for k, c in clients.items()}
    assert large == small
    assert small == {"resident": RESIDENT_QUERIES, "grid": GRID_WORKER_QUERIES, "staff": STAFF_QUERIES}
