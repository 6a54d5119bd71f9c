"""The grid worker's day with the network switched off and on, in a real Chromium at 360 px: the 今天
list and the visit form from the phone, a visit (with a photo) kept offline and sent once when the
network is back, and a conflict shown and resolved by the worker's choice."""

import pytest
from playwright.sync_api import expect

from gongzhi.core.testing import tiny_image
from gongzhi.people.services import resident_update
from gongzhi.territory.testing import build_world
from gongzhi.visits import services
from gongzhi.visits.models import HouseholdChange, Visit, VisitPhoto
from gongzhi.visits.testing import tagged_resident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}
PNG = tiny_image()  # a real image: uploads are decoded and re-encoded


def wait_outbox_empty(page, tries=60):
    for _ in range(tries):
        if page.evaluate("() => window.gzVisits.all().then(a => a.length)") == 0:
            return
        page.wait_for_timeout(250)
    raise AssertionError(page.evaluate("() => window.gzVisits.all()"))


def test_offline_visit_sent_once_and_conflict_shown(live_server, browser, browser_context_args):
    w = build_world()
    old = tagged_resident(w.hh_a1, "王孤老", "solitary", phone="13800000000")
    services.care_rule_set(actor=w.users["community_a"], community=w.community_a, key_group="solitary", every_days=7)
    base = live_server.url
    ctx = browser.new_context(**browser_context_args, viewport=PHONE)
    page = ctx.new_page()
    page.goto(f"{base}/accounts/login/?next=/visits/")
    page.get_by_label("用户名或手机号").fill("grid_a1")
    page.get_by_label("密码").fill("Gongzhi-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/visits/")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    # Opened once with a network while the service worker controls the page: the list and the form are kept.
    page.reload()
    page.goto(f"{base}/visits/record/?h={w.hh_a1.pk}")
    page.goto(f"{base}/visits/")
    expect(page.locator(".card.due")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    ctx.set_offline(True)
    page.goto(f"{base}/visits/")
    expect(page.locator("#net")).to_be_visible()
    expect(page.locator(".card.due")).to_contain_text("王*老")
    page.locator(".card.due").click()
    expect(page.locator("#hh-address")).to_have_text(w.hh_a1.address)
    page.get_by_label("发现情况：").fill("老人腿脚不便，想要助餐服务")
    page.locator("label.chip", has_text="需求").click()
    page.set_input_files("#f-photos", files=[{"name": "door.png", "mimeType": "image/png", "buffer": PNG}])
    page.get_by_role("button", name="保存走访").click()
    expect(page.locator("#toast")).to_contain_text("已保存在手机上")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert Visit.objects.count() == 0

    ctx.set_offline(False)
    wait_outbox_empty(page)
    assert Visit.objects.count() == 1
    visit = Visit.objects.get()
    assert visit.findings == "老人腿脚不便，想要助餐服务" and visit.resident_id == old.pk
    assert VisitPhoto.objects.filter(visit=visit).count() == 1
    # The phone sends the same visit again (its answer was lost): recognised, answered with the first.
    again = page.evaluate("""([key, household]) => {
        const fd = new FormData(); fd.append('household', household); fd.append('kind', 'home');
        fd.append('tags', 'need'); fd.append('findings', 'x'); fd.append('client_key', key);
        const t = document.cookie.match(/csrftoken=([^;]+)/)[1];
        return fetch('/api/visits/visits', {method: 'POST', body: fd, headers: {'X-CSRFToken': t}})
          .then(r => r.json().then(b => [r.status, b.id, b.replayed]));
    }""", [visit.client_key.split(":", 1)[1], str(w.hh_a1.pk)])
    assert again == [200, visit.pk, True]
    assert Visit.objects.count() == 1

    # Offline again: a change of phone number proposed while someone edits the household record.
    page.goto(f"{base}/visits/record/?h={w.hh_a1.pk}")
    ctx.set_offline(True)
    page.goto(f"{base}/visits/record/?h={w.hh_a1.pk}")
    page.locator("label.chip", has_text="人员变动").click()
    page.get_by_label("发现情况：").fill("换了新手机号")
    page.locator("#changes-box summary").click()
    page.get_by_label("变更类型：").select_option("phone")
    page.get_by_label("新联系电话：").fill("13900000000")
    page.get_by_role("button", name="保存走访").click()
    expect(page.locator("#toast")).to_contain_text("已保存在手机上")
    resident_update(actor=w.users["community_a"], resident=old, note="社区已核实")
    ctx.set_offline(False)
    page.goto(f"{base}/visits/")
    conflict = page.locator("#outbox-list li.conflict")
    expect(conflict).to_contain_text("已被他人修改")
    assert Visit.objects.count() == 1 and not HouseholdChange.objects.exists()
    old.refresh_from_db()
    assert old.phone == "13800000000"  # never silently overwritten
    page.get_by_role("button", name="只保存走访（放弃户情变更）").click()
    wait_outbox_empty(page)
    assert Visit.objects.count() == 2 and not HouseholdChange.objects.exists()
    page.screenshot(path="/tmp/i15_today_360.png", full_page=True)
    ctx.close()
