"""load_demo: the seed figures, re-running without duplicates, valid personal data, working accounts.

The demo is loaded (twice) once for the whole module inside an outer transaction that is rolled
back at the end, so the other test modules never see it; each test runs in a savepoint inside it."""

import io
import sys
import types
from collections import Counter

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from gongzhi.accounts.models import AuditLog, User
from gongzhi.core.validators import validate_id_number, validate_uscc
from gongzhi.demo import territory as territory_demo
from gongzhi.demo.management.commands.load_demo import run_hooks
from gongzhi.people.models import (
    DualReport,
    KeyGroup,
    MemberHousehold,
    Organisation,
    OrganisationMember,
    PartyMember,
    Relation,
    Resident,
    ResidentTag,
)
from gongzhi.territory.models import Grid, Household, Level, Node, PartyOrg, Role, RoleAssignment
from gongzhi.territory.selectors import visible_households

MODELS = (Node, Grid, Household, PartyOrg, RoleAssignment, User, Resident, ResidentTag, PartyMember, DualReport,
          MemberHousehold, Organisation, OrganisationMember, Grid.tags.through)


def _counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in MODELS}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out1, out2 = io.StringIO(), io.StringIO()
            call_command("load_demo", "--skip-hooks", stdout=out1)
            first = _counts()
            call_command("load_demo", "--skip-hooks", "--port", "8091", stdout=out2)
            second = _counts()
            yield {"first": first, "second": second, "out1": out1.getvalue(), "out2": out2.getvalue()}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def community(code: str) -> Node:
    return Node.objects.get(code=code)


def test_rerun_creates_no_duplicates(demo, db):
    assert demo["first"] == demo["second"]
    assert demo["first"]["territory.Household"] > 3000
    assert "跳过" in demo["out2"]
    # One audit row per community built, none on the re-run.
    assert AuditLog.objects.filter(action=AuditLog.Action.IMPORT, detail__source="load_demo").count() == len(
        territory_demo.COMMUNITIES)


def test_output_lists_every_account_and_the_url(demo, db):
    assert "http://127.0.0.1:8000" in demo["out1"]
    out = demo["out2"]
    assert "http://127.0.0.1:8091" in out and ":8000" not in out
    for acc in territory_demo.DEMO_ACCOUNTS:
        assert acc.username in out and acc.phone in out
    assert territory_demo.DEMO_PASSWORD in out


def test_changgou_figures(demo, db):
    compound = Node.objects.get(parent=community(territory_demo.CHANGGOU), level=Level.COMPOUND, name="长沟新村小区")
    assert Node.objects.filter(parent=compound, level=Level.BUILDING).count() == 19
    households = Household.objects.filter(node_path__under=compound.path)
    assert households.count() == 339
    assert Resident.objects.filter(household__in=households).count() == 964
    assert Organisation.objects.filter(community__code=territory_demo.CHANGGOU,
                                       kind=Organisation.Kind.SELF_MANAGEMENT).count() == 7
    branch = PartyOrg.objects.get(name="长沟新村小区党支部")
    assert RoleAssignment.objects.filter(party_org=branch, role=Role.BRANCH_SECRETARY).exists()
    assert RoleAssignment.objects.filter(node=compound, role=Role.AREA_HEAD).count() >= 1
    assert RoleAssignment.objects.filter(node__parent=compound, role=Role.BUILDING_HEAD).count() == 19


def test_guanyan_grids_and_micro_grid_heads(demo, db):
    gy = community(territory_demo.GUANYAN)
    assert Grid.objects.filter(community=gy, kind=Grid.Kind.GRID).count() == 12
    micros = Grid.objects.filter(community=gy, kind=Grid.Kind.MICRO)
    assert micros.count() == 150
    headed = set(RoleAssignment.objects.active().filter(role=Role.MICRO_GRID_HEAD, grid__in=micros)
                 .values_list("grid_id", flat=True))
    assert headed == set(micros.values_list("id", flat=True))
    assert not micros.filter(households__isnull=True).exists()


def test_nanguan_grids_branches_and_member_households(demo, db):
    ng = community(territory_demo.NANGUAN)
    grids = Grid.objects.filter(community=ng, kind=Grid.Kind.GRID)
    assert grids.count() == 10
    assert PartyOrg.objects.filter(kind=PartyOrg.Kind.BRANCH, grid__in=grids).count() == 10
    assert RoleAssignment.objects.filter(role=Role.GRID_HEAD, grid__in=grids).values("grid").distinct().count() == 10
    assert Grid.objects.filter(community=ng, kind=Grid.Kind.MICRO).count() >= 10
    assert MemberHousehold.objects.filter(household__micro_grid__community=ng).count() == 96


def test_litang_and_langzhong(demo, db):
    lt = community(territory_demo.LITANG)
    compound = Node.objects.get(parent=lt, name="南国新家园小区")
    assert 16 <= Node.objects.filter(path__under=compound.path, level=Level.UNIT).count() <= 24
    kinds = set(Organisation.objects.filter(community=lt).values_list("kind", flat=True))
    assert {Organisation.Kind.PROPERTY, Organisation.Kind.OWNERS_COMMITTEE, Organisation.Kind.VOLUNTEER_TEAM} <= kinds
    assert Organisation.objects.filter(name="栗·邻帮志愿服务队").exists()

    nj = community(territory_demo.NANJIE)
    teams = Organisation.objects.filter(community=nj, kind=Organisation.Kind.SERVICE_TEAM)
    assert teams.count() == 5
    assert Organisation.objects.filter(community=nj, kind=Organisation.Kind.PROPERTY, has_party_org=True).exists()
    # 三长: a head on every compound, building and unit of 南街社区.
    for level, role in ((Level.COMPOUND, Role.COMPOUND_HEAD), (Level.BUILDING, Role.BUILDING_HEAD),
                        (Level.UNIT, Role.UNIT_HEAD)):
        nodes = Node.objects.filter(path__under=nj.path, level=level)
        held = set(RoleAssignment.objects.filter(role=role, node__in=nodes).values_list("node_id", flat=True))
        assert held == set(nodes.values_list("id", flat=True)), level


def test_every_household_in_one_micro_grid_of_its_community(demo, db):
    rows = Household.objects.values_list("node_path", "micro_grid__kind", "micro_grid__community__path")
    assert rows
    for node_path, kind, community_path in rows:
        assert kind == Grid.Kind.MICRO
        assert node_path.startswith(community_path)


def test_one_head_per_household(demo, db):
    heads = Counter(Resident.objects.filter(relation=Relation.HEAD).values_list("household_id", flat=True))
    assert set(heads.values()) == {1}
    assert len(heads) == Household.objects.count()


def test_personal_data_is_valid(demo, db):
    rows = list(Resident.objects.values_list("id_number", "birth_date", "gender",
                                             "household__micro_grid__community__code"))
    for id_number, birth, gender, code in rows:
        validate_id_number(id_number)
        assert id_number[:6] == code[:6]
        assert id_number[6:14] == birth.strftime("%Y%m%d")
        assert int(id_number[16]) % 2 == (1 if gender == "M" else 0)
    for uscc in Organisation.objects.exclude(uscc=None).values_list("uscc", flat=True):
        validate_uscc(uscc)
    tags = Counter(ResidentTag.objects.values_list("tag", flat=True))
    assert tags[KeyGroup.ELDERLY] > tags[KeyGroup.EMPTY_NEST] > 0
    assert all(tags[t] > 0 for t in KeyGroup.values)
    assert set(PartyMember.objects.values_list("category", flat=True)) == set(PartyMember.Category.values)
    assert DualReport.objects.filter(status=DualReport.Status.CONFIRMED).exists()


@pytest.mark.parametrize("account", territory_demo.DEMO_ACCOUNTS, ids=lambda a: a.username)
def test_every_demo_account_logs_in(demo, db, account):
    user = User.objects.get(username=account.username)
    validate_password(territory_demo.DEMO_PASSWORD, user)
    for login in (account.username, account.phone):
        client = Client()
        resp = client.post(reverse("accounts:login"), {"login": login, "password": territory_demo.DEMO_PASSWORD})
        assert resp.status_code == 302, login
        assert resp["Location"] == reverse("dashboard:home")


def test_grid_worker_sees_exactly_their_grid(demo, db):
    user = User.objects.get(username="demo_grid")
    grid = Grid.objects.get(community__code=territory_demo.GUANYAN, code="01")
    expected = set(Household.objects.filter(micro_grid__parent=grid).values_list("id", flat=True))
    assert expected
    assert set(visible_households(user).values_list("id", flat=True)) == expected


def test_resident_and_party_member_accounts(demo, db):
    resident_user = User.objects.get(username="demo_resident")
    hh = Resident.objects.get(user=resident_user).household
    assert set(visible_households(resident_user).values_list("id", flat=True)) == {hh.pk}
    member = PartyMember.objects.get(resident__user__username="demo_party")
    assert member.category == PartyMember.Category.IN_SERVICE
    assert member.served.count() >= 1
    assert OrganisationMember.objects.filter(user__username="demo_property",
                                             organisation__kind=Organisation.Kind.PROPERTY).exists()


def test_hooks_are_called_and_missing_ones_skipped(monkeypatch):
    fake = types.ModuleType("gongzhi.demo.tickets")
    fake.load = lambda stdout: ["工单演示：已生成 3 件"]
    monkeypatch.setitem(sys.modules, "gongzhi.demo.tickets", fake)
    lines = run_hooks(io.StringIO(), ("gongzhi.demo.tickets", "gongzhi.nonexistent_app.demo", "gongzhi.core.no_demo"))
    assert lines == ["工单演示：已生成 3 件"]

    broken = types.ModuleType("gongzhi.demo.evaluation")

    def load(stdout):
        return None

    broken.load = load
    monkeypatch.setitem(sys.modules, "gongzhi.demo.evaluation", broken)
    assert run_hooks(io.StringIO(), ("gongzhi.demo.evaluation",)) == []


def test_a_hook_with_a_missing_dependency_is_an_error(monkeypatch):
    from gongzhi.demo.management.commands import load_demo

    def import_module(name):
        raise ModuleNotFoundError("No module named 'somelib'", name="somelib")

    monkeypatch.setattr(load_demo.importlib, "import_module", import_module)
    with pytest.raises(ModuleNotFoundError):
        run_hooks(io.StringIO(), ("gongzhi.demo.tickets",))


def test_citygen_smoke(db):
    """bench/citygen.py as a module: a small city in the test database, every household in a
    micro-grid of its own community, the sample ids usable, and a second run refused."""
    from bench.citygen import CityExists, generate_city, summarize

    out = generate_city(households=600, districts=2, streets=2, communities=2, residents=True, verbose=False)
    c = out["counts"]
    assert c["households"] == 600 and c["communities"] == 8
    assert c["residents"] >= 600
    city = Node.objects.get(code="990100000000")
    rows = Household.objects.filter(node_path__under=city.path).values_list("node_path", "micro_grid__community__path")
    assert len(rows) == 600 and all(p.startswith(cp) for p, cp in rows)
    worker = User.objects.get(pk=out["sample"]["grid_worker_user_id"])
    grid = Grid.objects.get(pk=out["sample"]["grid_id"])
    assert set(visible_households(worker).values_list("id", flat=True)) == set(
        Household.objects.filter(micro_grid__parent=grid).values_list("id", flat=True))
    for id_number in Resident.objects.filter(household__node_path__under=city.path).values_list("id_number", flat=True):
        validate_id_number(id_number)
    # Ids continue past the generated ones (sequences moved on PostgreSQL).
    assert Node.objects.create(path="Y000", depth=1, level=Level.PROVINCE, name="x").pk > out["sample"]["city_id"]
    with pytest.raises(CityExists):
        generate_city(households=600, districts=2, streets=2, communities=2, verbose=False)
    assert summarize()["counts"]["households"] == 600
    again = generate_city(households=300, districts=1, streets=1, communities=3, if_exists="reset", verbose=False)
    assert again["counts"]["households"] == 300
    assert Household.objects.filter(node_path__under=Node.objects.get(code="990100000000").path).count() == 300


def test_help_renders():
    from gongzhi.demo.management.commands.load_demo import Command

    assert "--skip-hooks" in Command().create_parser("manage.py", "load_demo").format_help()


def test_every_role_shown_has_an_account_that_logs_in(demo, db):
    """A dispatcher of every seed community, the grid workers of 南关 … each listed and able to log in."""
    from gongzhi.demo.management.commands.load_demo import role_account_rows

    rows = role_account_rows()
    out = demo["out2"]
    for _community, _role, names in rows:
        assert names.split("（")[0].split("、")[0] in out
    by_community: dict[str, set[str]] = {}
    for c, role, _n in rows:
        by_community.setdefault(c, set()).add(role)
    assert len(by_community) == len(territory_demo.COMMUNITIES)
    for roles in by_community.values():  # someone who can dispatch in every community
        assert {"社区工作人员", "社区书记"} & roles
    nanguan = Node.objects.get(code=territory_demo.NANGUAN)
    workers = set(RoleAssignment.objects.filter(role__in=[Role.GRID_WORKER, Role.GRID_HEAD], grid__community=nanguan)
                  .values_list("user__username", flat=True))
    assert workers and all(w in out for w in workers)
    username = sorted(workers)[0]
    c = Client()
    r = c.post(reverse("accounts:login"), {"login": username, "password": territory_demo.DEMO_PASSWORD})
    assert r.status_code == 302

