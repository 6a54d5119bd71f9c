import pytest
from django.urls import reverse

from gongzhi.accounts.models import AuditLog
from gongzhi.people.models import DualReport, Organisation, Resident
from gongzhi.territory.models import Household

from .factories import ledger_bytes, make_id, make_resident, row

pytestmark = pytest.mark.django_db


def _get(client_for, world, user, name, *args, **params):
    return client_for(world.users[user]).get(reverse(name, args=args), params)


# --- residents list ---------------------------------------------------------------------------------

def test_residents_list_scoped_and_masked(client_for, world, people):
    resp = _get(client_for, world, "grid_a1", "people:residents")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "张三" in body and "李四" not in body and "王五" not in body
    assert "138****5678" in body and "13812345678" not in body
    assert people.a1_head.id_number not in body and people.a1_head.masked_id_number in body
    resp = _get(client_for, world, "community_b", "people:residents")
    assert "王五" in resp.content.decode() and "张三" not in resp.content.decode()


def test_residents_search_by_name_pinyin_and_tag(client_for, world, people):
    c = client_for(world.users["community_a"])
    url = reverse("people:residents")
    assert [r.name for r in c.get(url, {"q": "zs"}).context["page"]] == ["张三"]
    assert [r.name for r in c.get(url, {"q": "ZhangXiao"}).context["page"]] == ["张小明"]
    assert [r.name for r in c.get(url, {"q": "李"}).context["page"]] == ["李四"]
    assert [r.name for r in c.get(url, {"tag": "elderly"}).context["page"]] == ["张三"]
    # Bad input: unknown tag is ignored, junk page falls back, over-long query is cut.
    resp = c.get(url, {"tag": "nonsense", "page": "abc", "q": "x" * 500})
    assert resp.status_code == 200


def _fill(world, n):
    for i in range(n):
        make_resident(world.hh_a1 if i % 2 else world.hh_a2, f"居民{i}", relation="child",
                      id_number=make_id("19900101"))


@pytest.mark.parametrize("n", [3, 30])
def test_residents_list_query_count_is_constant(client_for, world, django_assert_num_queries, n):
    _fill(world, n)
    Resident.objects.filter(pk__in=Resident.objects.values("pk")[:2]).first().tags.create(tag="veteran")
    c = client_for(world.users["community_a"])
    # session, user, role assignments (scope), count, page, tags, session save (3 with its savepoint)
    with django_assert_num_queries(9):
        resp = c.get(reverse("people:residents"), {"q": "居民"})
    assert resp.status_code == 200 and resp.context["page"].paginator.count == n


@pytest.mark.parametrize("n", [3, 30])
def test_members_and_organisations_lists_query_count_is_constant(client_for, world, django_assert_num_queries, n):
    from gongzhi.people.models import MemberHousehold, PartyMember

    for i in range(n):
        r = make_resident(world.hh_a1, f"党员{i}", relation="child", id_number=make_id("19800101"))
        m = PartyMember.objects.create(resident=r, category="resident")
        MemberHousehold.objects.create(member=m, household=world.hh_a2)
        DualReport.objects.create(member=m, community=world.community_a)
        Organisation.objects.create(name=f"组织{i}", kind="social", community=world.community_a)
    c = client_for(world.users["community_a"])
    with django_assert_num_queries(9):
        assert c.get(reverse("people:members")).status_code == 200
    with django_assert_num_queries(10):  # + the staff-role lookup for the "登记组织" button
        assert c.get(reverse("people:organisations")).status_code == 200
    with django_assert_num_queries(9):  # + "am I a party member" for the self-report form
        resp = c.get(reverse("people:dual_reports"))
    assert resp.status_code == 200 and resp.context["page"].paginator.count == n


def test_residents_list_requires_login(client, world):
    resp = client.get(reverse("people:residents"))
    assert resp.status_code == 302 and "login" in resp["Location"]


# --- resident detail --------------------------------------------------------------------------------

def test_resident_detail_full_id_for_staff_and_audited(client_for, world, people):
    r = people.a1_head
    resp = _get(client_for, world, "community_a", "people:resident", r.pk)
    assert resp.status_code == 200
    assert r.id_number in resp.content.decode()
    log = AuditLog.objects.get(action="view", target_type="people.resident", target_id=str(r.pk))
    assert log.actor == world.users["community_a"] and log.target_label == "张三" and log.detail["full_id"] is True


def test_resident_detail_masked_id_for_grid_worker_but_still_audited(client_for, world, people):
    r = people.a1_head
    resp = _get(client_for, world, "grid_a1", "people:resident", r.pk)
    body = resp.content.decode()
    assert resp.status_code == 200 and r.id_number not in body and r.masked_id_number in body
    assert "13812345678" in body  # the full record shows the phone, and is audited
    assert AuditLog.objects.filter(action="view", target_id=str(r.pk), actor=world.users["grid_a1"]).count() == 1


@pytest.mark.parametrize("user,target", [
    ("grid_a1", "a2_head"),       # another grid in the same community
    ("community_b", "a1_head"),   # another community
    ("resident_a1", "a2_head"),   # a resident sees only their own household
    ("nobody", "a1_head"),
])
def test_resident_detail_hidden_is_404_and_not_audited(client_for, world, people, user, target):
    r = getattr(people, target)
    assert _get(client_for, world, user, "people:resident", r.pk).status_code == 404
    assert _get(client_for, world, user, "people:resident", 999999).status_code == 404
    assert not AuditLog.objects.filter(action="view").exists()


def test_resident_tags_and_move_out_pages(client_for, world, people):
    c = client_for(world.users["grid_a1"])
    r = people.a1_child
    resp = c.post(reverse("people:resident_tags", args=[r.pk]), {"tags": ["child", "hardship"]})
    assert resp.status_code == 302
    assert set(r.tags.values_list("tag", flat=True)) == {"child", "hardship"}
    assert c.get(reverse("people:resident_move_out", args=[r.pk])).status_code == 200
    # Bad input: no confirmation ticked.
    resp = c.post(reverse("people:resident_move_out", args=[r.pk]), {"moved_out_on": "2026-01-01"})
    assert resp.status_code == 400
    resp = c.post(reverse("people:resident_move_out", args=[r.pk]), {"moved_out_on": "2026-01-01", "confirm": "on"})
    assert resp.status_code == 302
    r.refresh_from_db()
    assert r.moved_out_on is not None
    # Another grid's worker: hidden.
    c2 = client_for(world.users["grid_a2"])
    assert c2.post(reverse("people:resident_tags", args=[people.a1_head.pk]), {"tags": []}).status_code == 404
    # The unit head sees the resident but does not keep residents' data: forbidden.
    c3 = client_for(world.users["unit_a1"])
    assert c3.get(reverse("people:resident_move_out", args=[people.a1_head.pk])).status_code == 403


def test_resident_new_page(client_for, world, people):
    c = client_for(world.users["community_a"])
    url = reverse("people:resident_new", args=[world.hh_a2.pk])
    assert c.get(url).status_code == 200
    resp = c.post(url, {"name": "李小四", "relation": "child", "id_number": "110101200001011230"})
    assert resp.status_code == 400 and "校验位" in resp.content.decode()
    resp = c.post(url, {"name": "李小四", "relation": "head"})
    assert resp.status_code == 400 and "已有户主" in resp.content.decode()
    resp = c.post(url, {"name": "李小四", "relation": "child", "id_number": make_id("20100101"), "tags": ["child"]})
    assert resp.status_code == 302
    assert Resident.objects.get(name="李小四").household == world.hh_a2
    assert client_for(world.users["community_b"]).get(url).status_code == 404


# --- household --------------------------------------------------------------------------------------

def test_household_page_shows_answerable_residents_and_members(client_for, world, people):
    resp = _get(client_for, world, "grid_a2", "people:household", world.hh_a2.pk)
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "李四" in body and world.hh_a2.micro_grid.name in body and "甲第二网格" in body
    assert "grid_a2人员" in body and "网格员" in body  # answerable people
    assert "张三" in body  # the party member serving this household
    assert people.a2_head.id_number not in body and people.a2_head.masked_id_number in body
    assert not AuditLog.objects.filter(action="view").exists()


def test_household_page_full_ids_for_staff_are_audited_per_resident(client_for, world, people):
    resp = _get(client_for, world, "community_a", "people:household", world.hh_a1.pk)
    body = resp.content.decode()
    assert people.a1_head.id_number in body and people.a1_child.id_number in body
    ids = set(AuditLog.objects.filter(action="view", target_type="people.resident").values_list("target_id", flat=True))
    assert ids == {str(people.a1_head.pk), str(people.a1_child.pk)}


@pytest.mark.parametrize("user,hh", [("grid_a1", "hh_a2"), ("community_b", "hh_a1"), ("resident_a1", "hh_a2")])
def test_household_page_hidden_is_404(client_for, world, people, user, hh):
    assert _get(client_for, world, user, "people:household", getattr(world, hh).pk).status_code == 404
    assert _get(client_for, world, user, "people:household", 999999).status_code == 404


def test_resident_sees_own_household(client_for, world, people):
    assert _get(client_for, world, "resident_a1", "people:household", world.hh_a1.pk).status_code == 200


# --- party members, 双报到, organisations -------------------------------------------------------------

def test_members_list_scoped(client_for, world, people):
    body = _get(client_for, world, "community_a", "people:members").content.decode()
    assert "张三" in body and "王五" not in body
    body = _get(client_for, world, "grid_a2", "people:members").content.decode()
    assert "张三" not in body
    assert _get(client_for, world, "community_a", "people:members", category="bogus").status_code == 200


def test_dual_report_confirm_and_reject_pages(client_for, world, people):
    c = client_for(world.users["community_a"])
    url = reverse("people:dual_report", args=[people.report_a1.pk])
    assert "每月参加一次志愿服务" in c.get(url).content.decode()
    # Reject without a reason: bad input.
    resp = c.post(url, {"action": "reject", "reason": " "})
    assert resp.status_code == 400
    people.report_a1.refresh_from_db()
    assert people.report_a1.status == DualReport.Status.SUBMITTED
    assert c.post(url, {"action": "bogus"}).status_code == 400
    assert c.post(url, {"action": "confirm"}).status_code == 302
    people.report_a1.refresh_from_db()
    assert people.report_a1.status == DualReport.Status.CONFIRMED
    assert people.report_a1.decided_by == world.users["community_a"]
    # Already decided: cannot be rejected.
    assert c.post(url, {"action": "reject", "reason": "迟到"}).status_code == 400


def test_dual_report_hidden_and_forbidden(client_for, world, people):
    url = reverse("people:dual_report", args=[people.report_a1.pk])
    assert client_for(world.users["community_b"]).get(url).status_code == 404
    assert client_for(world.users["community_b"]).post(url, {"action": "confirm"}).status_code == 404
    # The grid worker of the member's grid sees it, but only the community decides.
    c = client_for(world.users["grid_a1"])
    assert c.get(url).status_code == 200
    assert c.post(url, {"action": "confirm"}).status_code == 403


def test_dual_reports_list_and_member_self_submit(client_for, world, people):
    body = _get(client_for, world, "community_a", "people:dual_reports").content.decode()
    assert "张三" in body and "王五" not in body
    people.report_a1.status = "rejected"
    people.report_a1.reason = "材料不全"
    people.report_a1.save()
    c = client_for(world.users["resident_a1"])  # 张三 is an in-service party member
    assert c.get(reverse("people:dual_reports")).context["form"] is not None
    resp = c.post(reverse("people:dual_reports"), {"commitment": "认领政策宣讲岗", "commitment_signed_on": "2099-01-01"})
    assert resp.status_code == 400
    resp = c.post(reverse("people:dual_reports"), {"commitment": "认领政策宣讲岗"})
    assert resp.status_code == 302
    assert DualReport.objects.filter(member=people.member_a1, status="submitted").count() == 1
    # Somebody who is not a party member cannot submit.
    assert client_for(world.users["grid_a1"]).post(reverse("people:dual_reports"), {}).status_code == 403


def test_organisations_list_and_create(client_for, world, people):
    body = _get(client_for, world, "grid_a1", "people:organisations").content.decode()
    assert "幸福物业" in body and "乙社区志愿队" not in body
    c = client_for(world.users["community_a"])
    url = reverse("people:organisation_new")
    assert c.get(url).status_code == 200
    resp = c.post(url, {"community": world.community_a.pk, "name": "共建单位一", "kind": "co_building",
                        "uscc": "91350100M000100Y44"})
    assert resp.status_code == 400 and "校验位" in resp.content.decode()
    resp = c.post(url, {"community": world.community_b.pk, "name": "共建单位一", "kind": "co_building"})
    assert resp.status_code == 400  # not a community this user manages
    resp = c.post(url, {"community": world.community_a.pk, "name": "共建单位一", "kind": "co_building",
                        "uscc": "91350100M000100Y43"})
    assert resp.status_code == 302
    assert Organisation.objects.get(name="共建单位一").uscc == "91350100M000100Y43"
    assert client_for(world.users["grid_a1"]).get(url).status_code == 403


# --- import / export --------------------------------------------------------------------------------

def test_import_page_success_and_errors(client_for, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for(world.users["community_a"])
    url = reverse("people:import")
    assert c.get(url).status_code == 200
    bad = SimpleUploadedFile("台账.xlsx", ledger_bytes([row(), row(姓名="李", 与户主关系="户主")]))
    resp = c.post(url, {"community": world.community_a.pk, "file": bad})
    assert resp.status_code == 400
    body = resp.content.decode()
    assert "第 3 行" in body and "整表未导入" in body
    assert not Household.objects.filter(number="301").exists()
    good = SimpleUploadedFile("台账.xlsx", ledger_bytes([row(身份证号=make_id())]))
    resp = c.post(url, {"community": world.community_a.pk, "file": good})
    # First the check's result, nothing written ...
    body = resp.content.decode()
    assert resp.status_code == 200 and "校验通过，尚未导入" in body and "新增居民 1 人" in body
    assert not Resident.objects.filter(name="王大明").exists() and not AuditLog.objects.filter(action="import").exists()
    token = resp.context["confirm_token"]
    # ... a token from another session does nothing ...
    other = client_for(world.users["community_a"])
    assert other.post(url, {"confirm": token}).status_code == 302
    assert not Resident.objects.filter(name="王大明").exists()
    # ... then the import, on confirmation, once.
    resp = c.post(url, {"confirm": token})
    assert resp.status_code == 200 and "导入成功" in resp.content.decode()
    assert Resident.objects.filter(name="王大明").count() == 1
    assert c.post(url, {"confirm": token}).status_code == 302  # a double submit imports nothing more
    assert Resident.objects.filter(name="王大明").count() == 1


def test_import_page_bad_input_and_hidden_community(client_for, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for(world.users["community_b"])
    url = reverse("people:import")
    f = SimpleUploadedFile("台账.xlsx", ledger_bytes([row()]))
    resp = c.post(url, {"community": world.community_a.pk, "file": f})
    assert resp.status_code == 400 and "请选择您可管理的社区" in resp.content.decode()
    f = SimpleUploadedFile("台账.txt", b"hello")
    resp = c.post(url, {"community": world.community_b.pk, "file": f})
    assert resp.status_code == 400 and "Excel" in resp.content.decode()
    # A grid worker may not import at all.
    g = client_for(world.users["grid_a1"])
    assert g.get(url).status_code == 200
    assert g.post(url, {"community": world.community_a.pk}).status_code == 403


def test_template_download(client_for, world):
    resp = _get(client_for, world, "grid_a1", "people:import_template")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxmlformats")


def test_export_page_masks_and_scopes(client_for, world, people):
    import io

    from openpyxl import load_workbook

    resp = _get(client_for, world, "grid_a1", "people:export")
    assert "%E8%84%B1%E6%95%8F" in resp["Content-Disposition"]  # 脱敏 in the masked file's name
    ws = load_workbook(io.BytesIO(resp.content))["居民台账"]
    names = [r[5] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["张三", "张小明"]
    assert ws.cell(row=2, column=9).value == people.a1_head.masked_id_number
    assert _get(client_for, world, "grid_a1", "people:export", full="1").status_code == 403
    resp = _get(client_for, world, "community_a", "people:export", full="1", node=world.unit_a1_1.pk)
    assert "%E5%AE%8C%E6%95%B4" in resp["Content-Disposition"]  # 完整
    ws = load_workbook(io.BytesIO(resp.content))["居民台账"]
    assert people.a1_head.id_number in [r[8] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert AuditLog.objects.filter(action="export", actor=world.users["community_a"], detail__full=True).exists()
    # Hidden node / grid and junk parameters.
    assert _get(client_for, world, "community_b", "people:export", node=world.unit_a1_1.pk).status_code == 404
    assert _get(client_for, world, "grid_a1", "people:export", grid=world.grid_a2.pk).status_code == 404
    assert _get(client_for, world, "grid_a1", "people:export", node="abc").status_code == 400
    # A grid worker may export by the community node: only their own grid's households come out.
    resp = _get(client_for, world, "grid_a1", "people:export", node=world.community_a.pk)
    ws = load_workbook(io.BytesIO(resp.content))["居民台账"]
    assert sorted(r[5] for r in ws.iter_rows(min_row=2, values_only=True)) == ["张三", "张小明"]


def test_admin_resident_change_view_is_audited(client_for, world, people):
    c = client_for(world.users["admin"])
    assert c.get(reverse("admin:people_resident_changelist")).status_code == 200
    resp = c.get(reverse("admin:people_resident_change", args=[people.a1_head.pk]))
    assert resp.status_code == 200
    assert AuditLog.objects.filter(action="view", target_id=str(people.a1_head.pk), detail__channel="admin").exists()


@pytest.mark.django_db
def test_import_page_preselects_the_only_community(world, client_for):
    body = client_for(world.users["community_a"]).get(reverse("people:import")).content.decode()
    assert f'<option value="{world.community_a.pk}" selected>' in body and "---------" not in body
