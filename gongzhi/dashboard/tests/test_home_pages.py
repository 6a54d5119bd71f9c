"""Each role's home page shows its tasks; the tab bar adapts to the role and its badges count what
waits; 我的 links the password page; the installable-app files answer; the shared filters."""

import json

import pytest
from django.urls import reverse

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
