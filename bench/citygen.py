"""City-scale data generator for the benchmarks: one made-up city with N households.

    .venv/bin/python bench/citygen.py [--households 1000000] [--residents] [--database-url URL]
                                      [--districts 10 --streets 10 --communities 10] [--reset | --reuse]

Builds, under a province coded 99 (never a real code): one city, districts, streets, communities,
compounds (~8 buildings), buildings (2 units), units (~12 households), households; grids of ~300
households and micro-grids of ~20 in every community (every household in exactly one micro-grid of
its own community); one grid worker per grid, one staff member per community and per street, with
accounts (unusable passwords: they exist to own queues and scopes, not to log in). With
--residents, ~2.5 residents per household with valid ID numbers.

Rows are written with PostgreSQL COPY (psycopg `cursor.copy()`) or, on SQLite, executemany, in
one transaction; ids and materialized paths are computed here, sequences are moved past them
afterwards, and the tables are ANALYZEd. A city that already exists is refused unless --reset
(delete it first) or --reuse (just report it) is given.

As a module (later benchmarks):
    from bench.citygen import generate_city
    summary = generate_city(households=1_000_000, database_url="postgres://...", if_exists="reuse")
    summary["sample"]["grid_worker_user_id"], summary["sample"]["street_id"], ...
Prints figures and one JSON line.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
import bench  # noqa: E402,F401 - bench-only keys when none are set (bench/__init__.py)

PROVINCE_CODE = "990000000000"
CITY_CODE = "990100000000"
USER_PREFIX = "city99_"
HH_PER_UNIT = 12       # 6 floors x 2 households
UNITS_PER_BUILDING = 2
BUILDINGS_PER_COMPOUND = 8
GRID_SIZE = 300        # households per grid (about)
MICRO_SIZE = 20        # households per micro-grid (about)
RESIDENTS_PER_HH = 2.5
ANCHOR = datetime.date(2025, 7, 1)

_DISTRICTS = ("东城区", "西城区", "南湖区", "北山区", "中心区", "新华区", "高新区", "滨江区", "开发区", "长安区",
              "临港区", "青山区", "白云区", "金水区", "龙华区", "天河区", "望江区", "云岭区", "凤凰区", "翠屏区")
_WORDS = ("和平", "解放", "人民", "建设", "新华", "胜利", "光明", "幸福", "友谊", "团结", "朝阳", "东风", "红旗", "文化",
          "前进", "复兴", "振兴", "长青", "滨河", "湖滨", "花园", "桥东", "桥西", "城关", "站前", "府前", "中山", "育才",
          "兴业", "永安", "康宁", "福寿", "丰收", "民主", "先锋", "新村", "宝塔", "龙泉", "凤鸣", "清河", "金桥", "银杏",
          "梧桐", "松柏", "翠竹", "玉兰", "丹桂", "紫荆", "芙蓉", "海棠")
_COMPOUND_A = ("锦绣", "阳光", "幸福", "和谐", "翠湖", "金色", "碧水", "春天", "丽景", "东方", "御景", "滨江", "世纪",
               "书香", "枫林", "紫薇", "名都", "华府", "康城", "怡园")
_COMPOUND_B = ("花园", "小区", "家园", "苑", "新村", "公寓", "嘉园", "名邸")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
_GIVEN_M = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋阳成建国志文海峰东兵亮晨博"
_GIVEN_F = "芳娜敏静丽艳娟霞秀英玲桂兰萍红梅琳燕慧婷雪倩颖洁佳琴莉欣怡悦涵雨萱诗梦婉晶蓉翠凤珍"


class CityExists(Exception):
    """The city is already in the database (use if_exists='reset' or 'reuse')."""


# --- Django set-up ----------------------------------------------------------------------------------


def _setup(database_url: str | None) -> str:
    """Configure Django if needed and return the connection alias to write to."""
    import django
    from django.conf import settings

    if not settings.configured:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        if database_url:
            os.environ["DATABASE_URL"] = database_url
        django.setup()
        return "default"
    from django.apps import apps

    if not apps.ready:
        django.setup()
    if not database_url:
        return "default"
    import dj_database_url
    from django.db import connections

    wanted = dj_database_url.parse(database_url)
    current = connections.settings["default"]
    if all(str(wanted.get(k) or "") == str(current.get(k) or "") for k in ("ENGINE", "NAME", "HOST", "PORT", "USER")):
        return "default"
    alias = "citygen"
    if alias not in connections.settings:
        connections.settings[alias] = connections.configure_settings({alias: wanted})[alias]
    return alias


# --- writing rows -----------------------------------------------------------------------------------


class Writer:
    """Appends rows to a model's table: COPY on PostgreSQL, executemany elsewhere. Columns the caller
    does not give are filled with the field's default (timestamps: now), so new fields with defaults
    added by other apps keep working."""

    def __init__(self, alias: str):
        from django.db import connections
        from django.utils import timezone

        self.conn = connections[alias]
        self.vendor = self.conn.vendor
        self.now = self.conn.ops.adapt_datetimefield_value(timezone.now())

    def date(self, d: datetime.date | None):
        return None if d is None else self.conn.ops.adapt_datefield_value(d)

    def _columns(self, model, fields: list[str]) -> tuple[list[str], tuple]:
        given = set(fields)
        extra_names, extra_values = [], []
        for f in model._meta.concrete_fields:
            if f.attname in given or f.name in given:
                continue
            if f.primary_key:
                raise ValueError(f"{model.__name__}: give the primary key")
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = self.now
            elif f.has_default() or f.null or f.empty_strings_allowed:
                value = f.get_default()
                if isinstance(value, datetime.datetime):
                    value = self.conn.ops.adapt_datetimefield_value(value)
                elif isinstance(value, datetime.date):
                    value = self.date(value)
                elif isinstance(value, dict | list):
                    value = json.dumps(value)
            else:
                raise ValueError(f"{model.__name__}.{f.name} has no default: citygen must fill it")
            extra_names.append(f.column)
            extra_values.append(value)
        cols = [model._meta.get_field(f).column for f in fields] + extra_names
        return cols, tuple(extra_values)

    def write(self, model, fields: list[str], rows: Iterable[tuple]) -> int:
        cols, extra = self._columns(model, fields)
        qn = self.conn.ops.quote_name
        table = qn(model._meta.db_table)
        col_sql = ", ".join(qn(c) for c in cols)
        n = 0
        with self.conn.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({col_sql}) FROM STDIN") as copy:
                    write_row = copy.write_row
                    if extra:
                        for row in rows:
                            write_row(row + extra)
                            n += 1
                    else:
                        for row in rows:
                            write_row(row)
                            n += 1
            else:
                sql = f"INSERT INTO {table} ({col_sql}) VALUES ({', '.join(['%s'] * len(cols))})"
                batch: list[tuple] = []
                for row in rows:
                    batch.append(row + extra)
                    if len(batch) >= 20_000:
                        cursor.executemany(sql, batch)
                        n += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    n += len(batch)
        return n

    def next_id(self, model) -> int:
        qn = self.conn.ops.quote_name
        with self.conn.cursor() as cursor:
            cursor.execute(f"SELECT MAX({qn(model._meta.pk.column)}) FROM {qn(model._meta.db_table)}")
            return (cursor.fetchone()[0] or 0) + 1

    def skip_fk_triggers(self) -> bool:
        """PostgreSQL checks each foreign key of each row at commit (Django makes them DEFERRABLE
        INITIALLY DEFERRED): for a million households that is about half the run. Our ids are valid by
        construction, so, where the role allows it (superuser), turn the per-row triggers off for this
        transaction and check every foreign key afterwards with one anti-join each."""
        if self.vendor != "postgresql":
            return False
        from django.db import DatabaseError, transaction

        try:
            with transaction.atomic(using=self.conn.alias):
                with self.conn.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = replica")
            return True
        except DatabaseError:
            return False

    def check_foreign_keys(self, touched: set) -> None:
        """Every foreign key from or to a touched model, checked in bulk; raises on the first orphan."""
        from django.apps import apps

        qn = self.conn.ops.quote_name
        with self.conn.cursor() as cursor:
            for model in apps.get_models(include_auto_created=True):
                if not model._meta.managed or model._meta.proxy:
                    continue
                for f in model._meta.concrete_fields:
                    if not f.is_relation or f.related_model is None:
                        continue
                    if model not in touched and f.related_model not in touched:
                        continue
                    child, parent = qn(model._meta.db_table), qn(f.related_model._meta.db_table)
                    col, target = qn(f.column), qn(f.target_field.column)
                    cursor.execute(
                        f"SELECT COUNT(*) FROM {child} c WHERE c.{col} IS NOT NULL AND NOT EXISTS "
                        f"(SELECT 1 FROM {parent} p WHERE p.{target} = c.{col})"
                    )
                    missing = cursor.fetchone()[0]
                    if missing:
                        raise RuntimeError(
                            f"{model._meta.label}.{f.name}：{missing} 行指向不存在的记录（--reset 删除了仍被引用的数据？"
                            "请重建数据库）；本次未写入任何数据")

    def finish(self, models) -> None:
        """Move id sequences past the ids we chose (PostgreSQL) and refresh planner statistics."""
        qn = self.conn.ops.quote_name
        with self.conn.cursor() as cursor:
            for model in models:
                table, pk = model._meta.db_table, model._meta.pk.column
                if self.vendor == "postgresql":
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE((SELECT MAX({qn(pk)}) FROM {qn(table)}), 1))",
                        [qn(table), pk],
                    )
                cursor.execute(f"ANALYZE {qn(table)}")


# --- the plan of the city ---------------------------------------------------------------------------


@dataclass
class _Community:
    id: int
    path: str
    units: list[tuple[int, str, str, int]] = field(default_factory=list)  # (node id, path, address prefix, households)
    micros: list[tuple[int, int]] = field(default_factory=list)             # (micro-grid id, households)


def _spread(total: int, parts: int) -> list[int]:
    q, r = divmod(total, parts)
    return [q + (1 if i < r else 0) for i in range(parts)]


def _step(n: int) -> str:
    from gongzhi.core.paths import step

    return step(n)


@dataclass
class _Ids:
    node: int
    grid: int
    household: int
    user: int
    role: int
    resident: int = 0


def _plan(households: int, districts: int, streets: int, communities: int, root_step: int, ids: _Ids):
    """Nodes, grids, users and role assignments (as row tuples) and the per-community layout that the
    household and resident streams walk."""
    from gongzhi.territory.models import Grid, Level, Role

    nodes: list[tuple] = []
    grids: list[tuple] = []
    users: list[tuple] = []
    roles: list[tuple] = []
    comms: list[_Community] = []
    sample: dict[str, int] = {}

    def node(parent_id, path, level, code, name) -> int:
        nid = ids.node
        ids.node += 1
        nodes.append((nid, path, len(path) // 4, parent_id, str(level), code, name))
        return nid

    def user(label: str, name: str) -> int:
        uid = ids.user
        ids.user += 1
        users.append((uid, f"{USER_PREFIX}{label}", name, "!citygen-unusable", True))
        return uid

    def role(uid: int, r: str, *, node_id=None, grid_id=None) -> None:
        rid = ids.role
        ids.role += 1
        roles.append((rid, uid, str(r), node_id, grid_id, ANCHOR))

    root = _step(root_step)
    province = node(None, root, Level.PROVINCE, PROVINCE_CODE, "压测省")
    city_path = root + _step(1)
    city = node(province, city_path, Level.CITY, CITY_CODE, "压测市")
    sample.update(province_id=province, city_id=city)
    n_comm = districts * streets * communities
    per_comm = iter(_spread(households, n_comm))
    for d in range(1, districts + 1):
        d_path = city_path + _step(d)
        d_name = _DISTRICTS[(d - 1) % len(_DISTRICTS)] + ("" if d <= len(_DISTRICTS) else str(d))
        d_id = node(city, d_path, Level.COUNTY, f"9901{d:02d}000000", d_name)
        sample.setdefault("district_id", d_id)
        for s in range(1, streets + 1):
            s_path = d_path + _step(s)
            s_name = _WORDS[(s - 1) % len(_WORDS)] + ("" if s <= len(_WORDS) else str(s)) + "街道"
            s_id = node(d_id, s_path, Level.STREET, f"9901{d:02d}{s:03d}000", s_name)
            u = user(f"street_{d:02d}{s:03d}", f"{s_name}干部")
            role(u, Role.STREET_STAFF, node_id=s_id)
            if "street_id" not in sample:
                sample.update(street_id=s_id, street_staff_user_id=u)
            for c in range(1, communities + 1):
                c_path = s_path + _step(c)
                c_name = _WORDS[(c * 7 + s) % len(_WORDS)] + "社区"
                code = f"9901{d:02d}{s:03d}{c:03d}"
                c_id = node(s_id, c_path, Level.COMMUNITY, code, c_name)
                u = user(f"comm_{code}", f"{c_name}干事")
                role(u, Role.COMMUNITY_STAFF, node_id=c_id)
                if "community_id" not in sample:
                    sample.update(community_id=c_id, community_staff_user_id=u)
                comm = _Community(c_id, c_path)
                comms.append(comm)
                hh = next(per_comm)
                if hh == 0:
                    continue
                # Physical layout: units of 12, buildings of 2 units, compounds of 8 buildings.
                n_units = math.ceil(hh / HH_PER_UNIT)
                n_buildings = math.ceil(n_units / UNITS_PER_BUILDING)
                n_compounds = math.ceil(n_buildings / BUILDINGS_PER_COMPOUND)
                unit_hh = iter(_spread(hh, n_units))
                units_left = n_units
                buildings_left = n_buildings
                for k in range(1, n_compounds + 1):
                    k_name = _COMPOUND_A[(c + s + k) % len(_COMPOUND_A)] + _COMPOUND_B[(k - 1) % len(_COMPOUND_B)]
                    if k > len(_COMPOUND_B):
                        k_name += str(k)
                    k_path = c_path + _step(k)
                    k_id = node(c_id, k_path, Level.COMPOUND, None, k_name)
                    for b in range(1, min(BUILDINGS_PER_COMPOUND, buildings_left) + 1):
                        buildings_left -= 1
                        b_path = k_path + _step(b)
                        b_id = node(k_id, b_path, Level.BUILDING, None, f"{b}栋")
                        for un in range(1, min(UNITS_PER_BUILDING, units_left) + 1):
                            units_left -= 1
                            u_path = b_path + _step(un)
                            u_id = node(b_id, u_path, Level.UNIT, None, f"{un}单元")
                            comm.units.append((u_id, u_path, f"{k_name}{b}栋{un}单元", next(unit_hh)))
                # Grids (~300 households) and micro-grids (~20), contiguous in path order.
                n_grids = max(1, round(hh / GRID_SIZE))
                for g, g_hh in enumerate(_spread(hh, n_grids), start=1):
                    g_id = ids.grid
                    ids.grid += 1
                    g_name = f"{c_name}第{g}网格"
                    grids.append((g_id, c_id, None, str(Grid.Kind.GRID), f"{g:02d}", g_name))
                    u = user(f"grid_{code}_{g:02d}", f"{g_name}网格员")
                    role(u, Role.GRID_WORKER, grid_id=g_id)
                    if "grid_id" not in sample:
                        sample.update(grid_id=g_id, grid_worker_user_id=u)
                    n_micro = max(1, round(g_hh / MICRO_SIZE))
                    for m, m_hh in enumerate(_spread(g_hh, n_micro), start=1):
                        m_id = ids.grid
                        ids.grid += 1
                        grids.append((m_id, c_id, g_id, str(Grid.Kind.MICRO), f"{g:02d}-{m:02d}", f"{g_name}第{m}微网格"))
                        comm.micros.append((m_id, m_hh))
                        sample.setdefault("micro_grid_id", m_id)
    return nodes, grids, users, roles, comms, sample


def _households(comms: list[_Community], first_id: int) -> Iterator[tuple]:
    """(id, node_id, node_path, micro_grid_id, number, address) in path order."""
    hid = first_id
    for comm in comms:
        micro_iter = iter(comm.micros)
        micro_id, left = (None, 0)
        for u_id, u_path, prefix, count in comm.units:
            for i in range(count):
                while left == 0:
                    micro_id, left = next(micro_iter)
                floor, k = divmod(i, 2)
                number = f"{floor + 1}{k + 1:02d}"
                yield (hid, u_id, u_path, micro_id, number, prefix + number)
                hid += 1
                left -= 1


def _residents(writer: Writer, rng: random.Random, n_households: int, first_hh: int, first_id: int,
               region_of_hh) -> Iterator[tuple]:
    """~2.5 residents per household: one head, a spouse, children; valid unique ID numbers."""
    from pypinyin import Style, lazy_pinyin

    from gongzhi.core.validators import id_number_check_digit
    from gongzhi.people.models import Resident
    from gongzhi.people.pinyin import SURNAMES

    id_field, phone_field = Resident._meta.get_field("id_number"), Resident._meta.get_field("phone")

    # The search key of people.pinyin.name_pinyin ("zhangsan zs"), built from cached parts: calling it
    # for millions of names would dominate the run.
    syllables: dict[str, list[str]] = {s: [py] for s, py in SURNAMES.items()}

    def parts(text: str) -> list[str]:
        got = syllables.get(text)
        if got is None:
            got = syllables[text] = [x.lower() for x in lazy_pinyin(text, style=Style.NORMAL, errors="ignore")]
        return got

    def name_pinyin(surname: str, given: str) -> str:
        syl = parts(surname) + parts(given)
        return "".join(syl) + " " + "".join(x[0] for x in syl)

    seq: dict[tuple[str, str, str], int] = {}
    rid = first_id
    date = writer.date
    now = writer.now
    sizes = (1, 2, 2, 3, 3, 3, 4)  # mean ~2.57

    def person(hh_id, region, relation, age, gender, surname):
        nonlocal rid
        given = rng.choice(_GIVEN_M if gender == "M" else _GIVEN_F)
        if rng.random() < 0.6:
            given += rng.choice(_GIVEN_M if gender == "M" else _GIVEN_F)
        name = surname + given
        py = name_pinyin(surname, given)
        birth = ANCHOR - datetime.timedelta(days=int(age * 365.25) + rng.randrange(365))
        while True:
            day = birth.strftime("%Y%m%d")
            key = (region, day, gender)
            k = seq.get(key, 0)
            if k < 499:
                break
            birth -= datetime.timedelta(days=1)  # that day's numbers are used up
        seq[key] = k + 1
        # Sequence digits: odd for men, even for women; unique per county, day and sex (up to 499).
        number = 2 * k + (1 if gender == "M" else 2)
        first17 = f"{region}{day}{number:03d}"
        phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}" if age >= 16 else ""
        idn = first17 + id_number_check_digit(first17)
        # Sealed as the model field would (raw COPY/INSERT bypasses the ORM): no ID number or phone in clear.
        row = (rid, hh_id, name, py, gender, date(birth), id_field.get_prep_value(idn), id_field.index_of(idn),
               phone_field.get_prep_value(phone), relation,
               date(birth if age < 5 else ANCHOR - datetime.timedelta(days=rng.randrange(20 * 365))), now, now)
        rid += 1
        return row

    for i in range(n_households):
        hh_id = first_hh + i
        region = region_of_hh(hh_id)
        size = rng.choice(sizes)
        head_age = rng.randint(60, 88) if size == 1 and rng.random() < 0.5 else rng.randint(25, 80)
        hg = "M" if rng.random() < 0.75 else "F"
        surname = rng.choice(_SURNAMES)
        yield person(hh_id, region, "head", head_age, hg, surname)
        if size >= 2:
            yield person(hh_id, region, "spouse", max(20, head_age + rng.randint(-4, 4)), "F" if hg == "M" else "M",
                         rng.choice(_SURNAMES))
        for _ in range(size - 2):
            yield person(hh_id, region, "child", max(0, head_age - rng.randint(22, 40)), rng.choice("MF"), surname)


# --- public entry point -----------------------------------------------------------------------------


def _existing_city(alias: str):
    from gongzhi.territory.models import Node

    return Node.objects.using(alias).filter(code=CITY_CODE).first()


def _delete_city(alias: str, city) -> None:
    """Remove the generated city (households, residents, grids, role holders and their accounts)."""
    from django.db import connections

    from gongzhi.accounts.models import User
    from gongzhi.people.models import Resident
    from gongzhi.territory.models import Grid, Household, Node, RoleAssignment

    conn = connections[alias]
    qn = conn.ops.quote_name
    t = {m.__name__: qn(m._meta.db_table) for m in (Node, Grid, Household, RoleAssignment, User, Resident)}
    tags = qn(Grid.tags.through._meta.db_table)
    province_path = city.path[:4]
    lo, hi = province_path, province_path + "~"
    nodes = f"SELECT id FROM {t['Node']} WHERE path >= %s AND path < %s"
    hh = f"SELECT id FROM {t['Household']} WHERE node_path >= %s AND node_path < %s"
    grids = f"SELECT id FROM {t['Grid']} WHERE community_id IN ({nodes})"
    with conn.cursor() as cur:
        cur.execute(f"DELETE FROM {t['Resident']} WHERE household_id IN ({hh})", [lo, hi])
        cur.execute(f"DELETE FROM {t['RoleAssignment']} WHERE node_id IN ({nodes}) OR grid_id IN ({grids}) "
                    f"OR household_id IN ({hh})", [lo, hi, lo, hi, lo, hi])
        cur.execute(f"DELETE FROM {t['User']} WHERE username LIKE %s", [USER_PREFIX + "%"])
        cur.execute(f"DELETE FROM {t['Household']} WHERE node_path >= %s AND node_path < %s", [lo, hi])
        cur.execute(f"DELETE FROM {tags} WHERE grid_id IN ({grids})", [lo, hi])
        cur.execute(f"DELETE FROM {t['Grid']} WHERE parent_id IS NOT NULL AND community_id IN ({nodes})", [lo, hi])
        cur.execute(f"DELETE FROM {t['Grid']} WHERE community_id IN ({nodes})", [lo, hi])
        cur.execute(f"DELETE FROM {t['Node']} WHERE path >= %s AND path < %s", [lo, hi])


def summarize(alias: str = "default") -> dict:
    """Counts and sample ids of the generated city, read back from the database."""
    from django.db.models import Count

    from gongzhi.people.models import Resident
    from gongzhi.territory.models import Grid, Household, Level, Node, Role, RoleAssignment

    city = _existing_city(alias)
    if city is None:
        raise CityExists("no generated city in this database")
    province_path = city.path[:4]
    nodes = Node.objects.using(alias).filter(path__under=province_path)
    levels = dict(nodes.values_list("level").annotate(n=Count("id")).order_by())
    grids = Grid.objects.using(alias).filter(community__path__under=province_path)
    households = Household.objects.using(alias).filter(node_path__under=province_path)
    street = nodes.filter(level=Level.STREET).order_by("path").first()
    community = nodes.filter(level=Level.COMMUNITY).order_by("path").first()
    grid = grids.filter(kind=Grid.Kind.GRID, community=community).order_by("code").first()
    ra = RoleAssignment.objects.using(alias)
    sample = {
        "province_id": nodes.get(depth=1).pk, "city_id": city.pk,
        "district_id": nodes.filter(level=Level.COUNTY).order_by("path").first().pk,
        "street_id": street.pk, "street_staff_user_id": ra.filter(node=street, role=Role.STREET_STAFF).first().user_id,
        "community_id": community.pk,
        "community_staff_user_id": ra.filter(node=community, role=Role.COMMUNITY_STAFF).first().user_id,
        "grid_id": grid.pk, "grid_worker_user_id": ra.filter(grid=grid, role=Role.GRID_WORKER).first().user_id,
        "micro_grid_id": grids.filter(parent=grid).order_by("code").first().pk,
        "household_id": households.filter(micro_grid__parent=grid).order_by("id").first().pk,
        "city_path": city.path, "street_path": street.path, "community_path": community.path,
    }
    counts = {
        "districts": levels.get(Level.COUNTY, 0), "streets": levels.get(Level.STREET, 0),
        "communities": levels.get(Level.COMMUNITY, 0), "compounds": levels.get(Level.COMPOUND, 0),
        "buildings": levels.get(Level.BUILDING, 0), "units": levels.get(Level.UNIT, 0),
        "grids": grids.filter(kind=Grid.Kind.GRID).count(), "micro_grids": grids.filter(kind=Grid.Kind.MICRO).count(),
        "households": households.count(),
        "residents": Resident.objects.using(alias).filter(household__node_path__under=province_path).count(),
        "role_assignments": ra.filter(user__username__startswith=USER_PREFIX).count(),
    }
    return {"counts": counts, "sample": sample}


def generate_city(households: int = 1_000_000, *, database_url: str | None = None, residents: bool = False,
                  districts: int = 10, streets: int = 10, communities: int = 10, seed: int = 2026,
                  if_exists: str = "error", migrate: bool = False, verbose: bool = True) -> dict:
    """Generate the city and return {"counts", "sample", "seconds", ...}. if_exists: "error" (raise
    CityExists), "reset" (delete the old city first) or "reuse" (return the existing city's summary)."""
    if if_exists not in ("error", "reset", "reuse"):
        raise ValueError("if_exists must be 'error', 'reset' or 'reuse'")
    alias = _setup(database_url)
    from django.core.management import call_command
    from django.db import connections, transaction

    from gongzhi.accounts.models import User
    from gongzhi.people.models import Resident
    from gongzhi.territory.models import Grid, Household, Node, RoleAssignment

    def say(msg: str) -> None:
        if verbose:
            print(msg, flush=True)

    if migrate:
        call_command("migrate", database=alias, verbosity=0)
    conn = connections[alias]
    started = time.perf_counter()
    timings: dict[str, float] = {}
    existing = _existing_city(alias)
    if existing is not None:
        if if_exists == "reuse":
            out = summarize(alias)
            out.update(seconds=round(time.perf_counter() - started, 2), reused=True, vendor=conn.vendor)
            return out
        if if_exists == "error":
            raise CityExists("压测市（代码 990100000000）已存在：加 --reset 删除后重建，或 --reuse 直接使用")
    with transaction.atomic(using=alias):
        writer = Writer(alias)
        fast = writer.skip_fk_triggers()
        if fast:
            say("外键逐行检查已在本事务内关闭（session_replication_role = replica），写完后整体校验")
        if existing is not None:
            t = time.perf_counter()
            _delete_city(alias, existing)
            timings["delete_s"] = round(time.perf_counter() - t, 2)
            say(f"已删除旧的压测市（{timings['delete_s']} 秒）")
        ids = _Ids(node=writer.next_id(Node), grid=writer.next_id(Grid), household=writer.next_id(Household),
                   user=writer.next_id(User), role=writer.next_id(RoleAssignment))
        from gongzhi.core.paths import MAX_STEP, step_number

        roots = {step_number(p) for p in Node.objects.using(alias).filter(depth=1).values_list("path", flat=True)}
        root_step = max(roots, default=0) + 1
        if root_step > MAX_STEP:
            root_step = min(set(range(1, MAX_STEP + 1)) - roots)

        t = time.perf_counter()
        nodes, grids, users, roles, comms, sample = _plan(households, districts, streets, communities, root_step, ids)
        timings["plan_s"] = round(time.perf_counter() - t, 2)

        def timed(label: str, fn):
            t0 = time.perf_counter()
            n = fn()
            timings[f"{label}_s"] = round(time.perf_counter() - t0, 2)
            say(f"  {label}: {n:,} 行，{timings[f'{label}_s']} 秒")
            return n

        now = writer.now
        date = writer.date
        timed("nodes", lambda: writer.write(Node, ["id", "path", "depth", "parent", "level", "code", "name"], nodes))
        timed("grids", lambda: writer.write(Grid, ["id", "community", "parent", "kind", "code", "name"], grids))
        first_hh = ids.household
        n_hh = timed("households", lambda: writer.write(
            Household, ["id", "node", "node_path", "micro_grid", "number", "address"],
            _households(comms, first_hh)))
        sample["household_id"] = first_hh
        timed("users", lambda: writer.write(User, ["id", "username", "name", "password", "is_active"], users))
        anchor = date(ANCHOR)
        timed("role_assignments", lambda: writer.write(
            RoleAssignment, ["id", "user", "role", "node", "grid", "start_date"],
            (r[:5] + (anchor,) for r in roles)))
        n_res = 0
        if residents:
            # County code (first 6 digits of the community code) of each household, by id range.
            bounds = []
            hid = first_hh
            code_of = {n[0]: n[5] for n in nodes if n[4] == "community"}
            for comm in comms:
                count = sum(u[3] for u in comm.units)
                bounds.append((hid + count, code_of[comm.id][:6]))
                hid += count
            import bisect

            ends = [b[0] for b in bounds]

            def region_of_hh(h: int) -> str:
                return bounds[bisect.bisect_right(ends, h)][1]

            first_res = writer.next_id(Resident)
            rng = random.Random(seed)
            n_res = timed("residents", lambda: writer.write(
                Resident, ["id", "household", "name", "name_pinyin", "gender", "birth_date", "id_number",
                           "id_number_index", "phone", "relation", "moved_in_on", "created_at", "updated_at"],
                _residents(writer, rng, n_hh, first_hh, first_res, region_of_hh)))
        del now
        if fast:
            t = time.perf_counter()
            # Everything written, and everything that may point at what --reset deleted.
            writer.check_foreign_keys({Node, Grid, Household, User, RoleAssignment, Resident})
            timings["fk_check_s"] = round(time.perf_counter() - t, 2)
            say(f"  外键整体校验：通过，{timings['fk_check_s']} 秒")
        t = time.perf_counter()
        writer.finish([Node, Grid, Household, User, RoleAssignment] + ([Resident] if residents else []))
        timings["analyze_s"] = round(time.perf_counter() - t, 2)

    levels: dict[str, int] = {}
    for n in nodes:
        levels[n[4]] = levels.get(n[4], 0) + 1
    counts = {
        "districts": levels.get("county", 0), "streets": levels.get("street", 0),
        "communities": levels.get("community", 0), "compounds": levels.get("compound", 0),
        "buildings": levels.get("building", 0), "units": levels.get("unit", 0),
        "grids": sum(1 for g in grids if g[2] is None), "micro_grids": sum(1 for g in grids if g[2] is not None),
        "households": n_hh, "residents": n_res, "users": len(users), "role_assignments": len(roles),
    }
    node_path = {n[0]: n[1] for n in nodes if n[4] in ("city", "street", "community")}
    sample.update(city_path=node_path[sample["city_id"]], street_path=node_path[sample["street_id"]],
                  community_path=node_path[sample["community_id"]])
    return {"counts": counts, "sample": sample, "seconds": round(time.perf_counter() - started, 2),
            "timings": timings, "vendor": conn.vendor, "reused": False}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="生成压测用的城市级数据（一个虚拟城市，默认 100 万户）")
    p.add_argument("--households", type=int, default=1_000_000, help="住户数（默认 1,000,000）")
    p.add_argument("--residents", action="store_true", help="同时生成居民（每户约 2.5 人）")
    p.add_argument("--districts", type=int, default=10, help="区县数（默认 10）")
    p.add_argument("--streets", type=int, default=10, help="每区街道数（默认 10）")
    p.add_argument("--communities", type=int, default=10, help="每街道社区数（默认 10）")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                   help="目标数据库（默认取环境变量 DATABASE_URL）")
    p.add_argument("--migrate", action="store_true", help="先对目标库执行 migrate")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--reset", action="store_true", help="压测市已存在时先删除再生成")
    g.add_argument("--reuse", action="store_true", help="压测市已存在时不再生成，只输出统计")
    a = p.parse_args(argv)
    if a.households < 1:
        p.error("--households 至少为 1")
    try:
        out = generate_city(a.households, database_url=a.database_url, residents=a.residents, districts=a.districts,
                            streets=a.streets, communities=a.communities, seed=a.seed, migrate=a.migrate,
                            if_exists="reset" if a.reset else "reuse" if a.reuse else "error")
    except CityExists as exc:
        print(str(exc), file=sys.stderr)
        return 2
    c = out["counts"]
    print(("沿用已有的" if out["reused"] else "生成") + f"压测市（{out['vendor']}）："
          f"区县 {c['districts']}、街道 {c['streets']}、社区 {c['communities']}、小区 {c['compounds']:,}、"
          f"楼栋 {c['buildings']:,}、单元 {c['units']:,}、网格 {c['grids']:,}、微网格 {c['micro_grids']:,}、"
          f"住户 {c['households']:,}、居民 {c['residents']:,}，用时 {out['seconds']} 秒")
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
