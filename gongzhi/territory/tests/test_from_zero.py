"""A street office sets itself up from zero, through the application's pages only (not the admin,
not the demo): administrator → the division tree uploaded (checked, then confirmed) → street staff → community with compounds, grids, micro-grids,
categories → residents imported from the ledger → a grid worker appointed → a resident files a
demand → it reaches the grid worker's queue."""

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.accounts.models import AuditLog, User
from gongzhi.people.ledger import COLUMNS
from gongzhi.people.models import Resident
from gongzhi.territory.models import Grid, Household, Level, Node, RoleAssignment
from gongzhi.tickets.models import Category, Ticket

DIVISIONS = Path(__file__).resolve().parents[1] / "data" / "divisions"
PASSWORD = "Gongzhi-2026-start"


def _login(username: str) -> Client:
    c = Client()
    r = c.post(reverse("accounts:login"), {"login": username, "username": username, "password": PASSWORD})
    assert r.status_code == 302, r.content.decode()[:500]
    return c


def _ok(r, status=302):
    assert r.status_code == status, r.content.decode()[:3000]
    return r


def _open_account(c: Client, username: str, name: str, phone: str = "") -> User:
    _ok(c.post(reverse("territory:setup_account"),
               {"username": username, "name": name, "phone": phone, "password": PASSWORD}))
    return User.objects.get(username=username)


def _appoint(c: Client, username: str, role: str, target: str) -> None:
    _ok(c.post(reverse("territory:role_appoint"), {"person": username, "role": role, "target": target,
                                                   "start_date": "2026-01-01", "note": ""}))


def _ledger(rows: list[dict]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "居民台账"
    ws.append([str(c.header) for c in COLUMNS])
    for row in rows:
        ws.append([row.get(c.key, "") for c in COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _divisions_zip() -> bytes:
    """The division files as an administrator zips them (the package's dist/ folder)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(DIVISIONS.glob("*.csv")):
            z.write(path, f"dist/{path.name}")
    return buf.getvalue()


@pytest.mark.django_db
def test_a_street_office_from_zero_to_the_first_ticket_in_a_grid_workers_queue(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    assert not Node.objects.exists() and not User.objects.exists() and not Category.objects.exists()
    # The one documented shell step after migrate (docs/setup.md): the first administrator.
    User.objects.create_superuser("admin", password=PASSWORD, name="系统管理员")

    # 0. The administrator loads the division tree on 设置 → 行政区划: upload, check, confirm.
    from django.core.files.uploadedfile import SimpleUploadedFile

    admin = _login("admin")
    setup = _ok(admin.get(reverse("territory:setup")), 200).content.decode()
    assert reverse("territory:setup_divisions") in setup
    checked = _ok(admin.post(reverse("territory:setup_divisions"), {
        "action": "check", "files": SimpleUploadedFile("dist.zip", _divisions_zip()), "within": ""}), 200)
    assert "将新增 83" in checked.content.decode() and not Node.objects.exists()  # checked, nothing written
    _ok(admin.post(reverse("territory:setup_divisions"), {"action": "confirm", "token": checked.context["token"]}))
    street = Node.objects.get(code="420804002000")
    community = Node.objects.get(code="420804002001")

    # 1. The administrator opens the street staff's account and appoints them.
    _ok(admin.get(reverse("territory:setup")), 200)
    _open_account(admin, "jd_wang", "王街道", "13900000001")
    _appoint(admin, "jd_wang", "street_staff", f"node:{street.pk}")

    # 2. Street staff: the catalogue from the standard list, the community's staff.
    street_c = _login("jd_wang")
    page = _ok(street_c.get(reverse("territory:setup")), 200).content.decode()
    assert community.name in page
    _ok(street_c.post(reverse("tickets:catalogue_standard")))
    assert Category.objects.filter(code="sanitation", active=True).exists()
    _open_account(street_c, "sq_li", "李社区", "13900000002")
    _appoint(street_c, "sq_li", "community_staff", f"node:{community.pk}")

    # 3. Community staff: a grid and its first micro-grid, a compound built in one step, 十户一联.
    comm = _login("sq_li")
    _ok(comm.get(reverse("territory:setup_community", args=[community.pk])), 200)
    _ok(comm.post(reverse("territory:setup_grid_new", args=[community.pk]),
                  {"code": "01", "name": "第一网格", "parent": "", "note": ""}))
    grid = Grid.objects.get(community=community, code="01")
    _ok(comm.post(reverse("territory:setup_grid_new", args=[community.pk]),
                  {"code": "01-00", "name": "待划分", "parent": str(grid.pk), "note": ""}))
    holding = Grid.objects.get(community=community, code="01-00")
    build = {"compound": "幸福小区", "first_building": 1, "buildings": 19, "units": 2, "floors": 6, "flats": 2,
             "micro_grid": str(holding.pk)}
    preview = _ok(comm.post(reverse("territory:setup_build", args=[community.pk]), build), 200).content.decode()
    assert "456" in preview and not Household.objects.exists()  # the preview writes nothing
    _ok(comm.post(reverse("territory:setup_build", args=[community.pk]), {**build, "confirm": "1"}))
    compound = Node.objects.get(parent=community, name="幸福小区")
    assert Node.objects.filter(parent=compound, level=Level.BUILDING).count() == 19
    assert Household.objects.filter(node_path__startswith=compound.path).count() == 456
    _ok(comm.post(reverse("territory:setup_grid", args=[grid.pk]),
                  {"action": "group", "place": str(compound.pk), "size": 10}))
    assert Grid.objects.filter(parent=grid).count() == 1 + 46  # the holding one, now empty, and 46 groups
    assert not Household.objects.filter(micro_grid=holding).exists()
    assert not Household.objects.filter(micro_grid__kind=Grid.Kind.GRID).exists()

    # 4. Residents from the ledger (the file names the micro-grid the household is in).
    first = Household.objects.select_related("micro_grid").get(node__name="1单元", node__parent__name="1栋",
                                                                number="101")
    data = _ledger([
        {"compound": "幸福小区", "building": "1栋", "unit": "1单元", "number": "101",
         "micro_grid": first.micro_grid.code, "name": "张三", "relation": "户主", "phone": "13900000009"},
        {"compound": "幸福小区", "building": "1栋", "unit": "1单元", "number": "101",
         "micro_grid": first.micro_grid.code, "name": "李四", "relation": "配偶"},
    ])
    upload = SimpleUploadedFile("台账.xlsx", data)
    checked = comm.post(reverse("people:import"), {"community": community.pk, "file": upload})
    _ok(checked, 200)  # 上传并校验: checked, nothing written yet
    assert not Resident.objects.filter(name="张三").exists()
    _ok(comm.post(reverse("people:import"), {"confirm": checked.context["confirm_token"]}), 200)  # 确认导入
    zhang = Resident.objects.get(name="张三")
    assert zhang.household_id == first.pk

    # 5. A grid worker appointed; the resident's account opened from the resident's page.
    _open_account(comm, "wg_zhao", "赵网格", "13900000003")
    _appoint(comm, "wg_zhao", "grid_worker", f"grid:{grid.pk}")
    _ok(comm.post(reverse("people:resident_account", args=[zhang.pk]),
                  {"username": "zhangsan", "phone": "", "password": PASSWORD}))

    # 6. The resident files a demand; community staff dispatch it; it is in the grid worker's queue.
    resident = _login("zhangsan")
    form = _ok(resident.get(reverse("tickets:submit")), 200).content.decode()
    assert "幸福小区" in form
    _ok(resident.post(reverse("tickets:submit"), {
        "kind": "demand", "category": Category.objects.get(code="sanitation").pk, "title": "楼道堆放杂物",
        "description": "1栋1单元楼道堆满纸箱，影响通行。", "household": first.pk, "idem": "from-zero-1"}))
    ticket = Ticket.objects.get(title="楼道堆放杂物")
    _ok(comm.post(reverse("tickets:act", args=[ticket.pk, "dispatch"]), {"level": "", "note": ""}))
    ticket.refresh_from_db()
    worker = User.objects.get(username="wg_zhao")
    assert ticket.handler_id == worker.pk
    queue = _ok(_login("wg_zhao").get(reverse("tickets:queue")), 200).content.decode()
    assert "楼道堆放杂物" in queue

    # Every write above went through a service that wrote its audit row; nothing through the admin.
    actions = set(AuditLog.objects.values_list("target_type", flat=True))
    assert {"accounts.user", "territory.roleassignment", "territory.grid", "territory.node"} <= actions
    assert RoleAssignment.objects.filter(user=worker, role="grid_worker", grid=grid).exists()
