"""The juror's score form on a phone, in a real Chromium: the network drops as they submit, the scores survive
in localStorage, and sending again once back online counts exactly once."""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from gongzhi.evaluation.models import ScoreSheet
from gongzhi.evaluation.seed_rules import FLYING_WIRE
from gongzhi.territory.testing import build_world

from .conftest import build_hd

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}


def test_offline_submit_keeps_draft_and_resubmit_counts_once(live_server, page):
    hd = build_hd(build_world())
    period = hd.open(datetime.date(2024, 1, 1))  # version 2: scores, bonuses, deductions, a veto
    juror = hd.jurors["r1"]
    first = period.subjects.order_by("sort_key").first()
    items = {i.description: i for i in hd.items(hd.v2)}
    sanitation = items["楼道、门前卫生整洁，无乱扔垃圾"]
    volunteers = items["参加栗·邻帮志愿服务，每人次加1分"]
    clutter = items["楼道堆放杂物，每处扣2分"]
    veto = items[FLYING_WIRE]
    base = live_server.url

    page.set_viewport_size(PHONE)
    page.goto(f"{base}/accounts/login/?next=/evaluation/score/")
    page.get_by_label("用户名或手机号").fill(juror.user.username)
    page.get_by_label("密码").fill("Gongzhi-2026")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name=re.compile(re.escape(period.label))).click()
    page.locator(".subject-list a").first.click()
    form_url = f"{base}/evaluation/score/{period.pk}/{first.pk}/"
    expect(page).to_have_url(form_url)
    expect(page.get_by_role("heading", name=first.label)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    field = lambda name: page.locator(f"form.score-form [name='{name}']")  # noqa: E731
    field(f"item_{sanitation.pk}").fill("8.5")
    field(f"note_{sanitation.pk}").fill("楼道基本干净")
    field(f"item_{volunteers.pk}").fill("3")
    field(f"item_{clutter.pk}").fill("2")
    field(f"item_{veto.pk}").check()
    field(f"note_{veto.pk}").fill("3楼有人从窗口拉线给电瓶车充电")
    field("note").fill("周六上午检查")
    client_key = field("client_key").input_value()

    # The network drops as they press submit: the page says it was not sent, the server has nothing.
    page.context.set_offline(True)
    page.get_by_role("button", name="提交本单元评分").click()
    expect(page.get_by_role("status")).to_contain_text("网络中断，评分已保存在本机")
    expect(page).to_have_url(form_url)
    assert ScoreSheet.objects.count() == 0

    # Back online, they open the form again: what they entered is back, with the same submission key.
    page.context.set_offline(False)
    page.reload()
    expect(page.get_by_role("status")).to_contain_text("已恢复本机保存的草稿")
    expect(field(f"item_{sanitation.pk}")).to_have_value("8.5")
    expect(field(f"note_{sanitation.pk}")).to_have_value("楼道基本干净")
    expect(field(f"item_{volunteers.pk}")).to_have_value("3")
    expect(field(f"item_{clutter.pk}")).to_have_value("2")
    expect(field(f"item_{veto.pk}")).to_be_checked()
    expect(field(f"note_{veto.pk}")).to_have_value("3楼有人从窗口拉线给电瓶车充电")
    expect(field("note")).to_have_value("周六上午检查")
    expect(field("client_key")).to_have_value(client_key)

    page.get_by_role("button", name="提交本单元评分").click()
    expect(page).not_to_have_url(form_url)  # on to the next unit, which says this one was saved
    expect(page.get_by_text(f"已保存“{first.label}”的评分")).to_be_visible()
    sheet = ScoreSheet.objects.get()
    scores = {s.item_id: s for s in sheet.scores.all()}
    assert (sheet.client_key, sheet.submitted_by_id, sheet.subject_id, sheet.is_current) == \
        (client_key, juror.user_id, first.pk, True)
    assert scores[sanitation.pk].value == Decimal("8.5") and scores[sanitation.pk].note == "楼道基本干净"
    # Counts: 3 volunteers (+1 each), 2 places of clutter (−2 each): the items turn them into points.
    assert (scores[volunteers.pk].count, scores[clutter.pk].count) == (3, 2)
    assert (scores[volunteers.pk].value, scores[clutter.pk].value, scores[veto.pk].value) == (3, 4, 1)
    assert (sheet.score_sum, sheet.bonus_sum, sheet.deduction_sum, sheet.veto_item_id, sheet.note) == \
        (Decimal("8.5"), 3, 4, veto.pk, "周六上午检查")
    # The draft is gone once the server confirmed; opening the next unit's form left none of its own.
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('gz-eval:'))") == []

    # The same submission delivered again (a retry that crossed the answer to the first one): not counted twice.
    again = page.evaluate("""async ([url, key]) => {
        const html = await (await fetch(url)).text();
        const form = new DOMParser().parseFromString(html, "text/html").querySelector("form.score-form");
        const data = new FormData(form);
        data.set("client_key", key);
        const r = await fetch(url, {method: "POST", body: data, headers: {"Accept": "application/json"}});
        return [r.status, await r.json()];
    }""", [form_url, client_key])
    assert again[0] == 200 and again[1]["ok"] and again[1]["created"] is False
    assert ScoreSheet.objects.count() == 1

    # Back to the form in the browser and submit it once more. Chromium here reloads the page rather than
    # restoring it from the back-forward cache, so the server shows the saved scores under a new key and this is
    # a deliberate re-score that replaces the sheet; either way exactly one sheet counts, with the same scores.
    page.go_back()
    expect(page).to_have_url(form_url)
    expect(field(f"item_{sanitation.pk}")).to_have_value("8.5")
    expect(field(f"item_{veto.pk}")).to_be_checked()
    page.get_by_role("button", name="提交本单元评分").click()
    expect(page).not_to_have_url(form_url)
    sheets = list(ScoreSheet.objects.filter(subject=first, submitted_by=juror.user))
    current = [s for s in sheets if s.is_current]
    assert len(sheets) <= 2 and len(current) == 1
    assert (current[0].score_sum, current[0].bonus_sum, current[0].deduction_sum, current[0].veto_item_id) == \
        (Decimal("8.5"), 3, 4, veto.pk)
