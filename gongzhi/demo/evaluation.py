"""Demo data for the evaluation app, called by `manage.py load_demo` as `load(stdout) -> list[str]`.

栗塘社区 南国新家园小区: the 红棟力 rule set with its two versions (the pilot and the residents' revisions),
a four-party jury, every month of last year closed (red flags, one flying-wire veto), last year's awards and
三长 subsidies, this year's last two months closed and the current month open. 官堰社区: the 2024 微评比
(最美小区) and 十佳慈孝家庭. 星级物业 ratings where property companies exist. Safe to run again: a rule set
that already exists is left as it is."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.evaluation import seed_rules, services
from gongzhi.evaluation.models import CompoundType, ItemKind, Juror, Party, Period, RuleSet
from gongzhi.people.models import Organisation
from gongzhi.territory.models import Household, Level, Node, Role, RoleAssignment
from gongzhi.territory.permissions import can_manage_node
from gongzhi.territory.testing import make_user

from .territory import demo_password_hash

LITANG = "430304005006"
GUANYAN = "420804002011"


def _actor(community: Node, preferred: tuple[str, ...]) -> User | None:
    for username in preferred:
        u = User.objects.filter(username=username, is_active=True).first()
        if u is not None and can_manage_node(u, community):
            return u
    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def _juror_user(username: str, name: str, demo: str | None = None) -> User:
    if demo:
        u = User.objects.filter(username=demo).first()
        if u is not None:
            return u
    u = User.objects.filter(username=username).first()
    if u is None:
        u = make_user(username, name=name)
        u.password = demo_password_hash()  # a juror of each party can log in and score
        u.save(update_fields=["password"])
    return u


def _jury(actor, rs: RuleSet, seats: list[tuple[str, str, str, str | None]]) -> list[Juror]:
    return [services.juror_add(actor=actor, rule_set=rs, user=_juror_user(u, n, demo), party=party)
            for u, n, party, demo in seats]


def _month_starts(today: datetime.date) -> list[datetime.date]:
    last_year = [datetime.date(today.year - 1, m, 1) for m in range(1, 13)]
    this_year = [datetime.date(today.year, m, 1) for m in range(1, today.month + 1)]
    return last_year + this_year[-3:]


def _score_month(rs: RuleSet, actor, jurors: list[Juror], start: datetime.date, rnd: random.Random,
                 close: bool, veto_unit: int | None = None) -> Period:
    period = services.period_open(actor=actor, rule_set=rs, day=start)
    items = [i for i in period.version.items.all() if i.is_scored]
    subjects = list(period.subjects.order_by("sort_key"))
    strength = {s.pk: rnd.uniform(-1, 1) for s in subjects}  # some units are simply tidier
    for j, juror in enumerate(jurors):
        if not close and j >= 2:
            break  # the current month: two parties have started
        for n, s in enumerate(subjects):
            if not close and n % 2:
                continue
            values, notes = {}, {}
            for i in items:
                if i.kind == ItemKind.SCORE:
                    values[i.pk] = max(0, min(float(i.points), round(7.5 + 2 * strength[s.pk] + rnd.uniform(-1, 1)) / 1))
                elif i.kind == ItemKind.VETO:
                    if veto_unit == n:
                        values[i.pk], notes[i.pk] = 1, "楼道飞线给电动车充电，已劝导整改"
                elif rnd.random() < 0.25:
                    values[i.pk] = rnd.randint(1, 2)  # bonus/deduction items take the number of occurrences
            services.sheet_submit(actor=juror.user, period=period, subject_id=s.pk,
                                  client_key=f"demo-{period.pk}-{juror.pk}-{s.pk}", values=values, notes=notes)
    period.refresh_from_db()
    if close and period.is_open:
        services.period_close(actor=actor, period=period, reason="月底结算")
    return period


def _hongdongli(today: datetime.date) -> list[str]:
    litang = Node.objects.filter(code=LITANG).first()
    compound = litang and Node.objects.filter(path__under=litang.path, level=Level.COMPOUND,
                                              name__startswith="南国新家园").order_by("path").first()
    if compound is None:
        return []
    existing = RuleSet.objects.filter(node=compound, kind="ranking").first()
    if existing is not None:
        return [f"红棟力评比：已存在（{compound.name}），公示栏 /evaluation/board/{compound.pk}/"]
    actor = _actor(litang, ("demo_litang", "demo_admin"))
    if actor is None:
        return []
    rs, _v1, _v2 = seed_rules.build_hongdongli(actor=actor, compound=compound)
    jurors = _jury(actor, rs, [
        ("lt_juror_community", "栗塘社区评委", Party.COMMUNITY, "demo_litang"),
        ("lt_juror_property", "南国物业评委", Party.PROPERTY, "demo_property"),
        ("lt_juror_owners", "南国业委会评委", Party.OWNERS, None),
        ("lt_juror_residents", "南国居民代表评委", Party.RESIDENTS, None),
    ])
    rnd = random.Random(2023)
    months = _month_starts(today)
    for n, start in enumerate(months):
        _score_month(rs, actor, jurors, start, rnd, close=n < len(months) - 1, veto_unit=5 if n == 7 else None)
    services.awards_grant(actor=actor, rule_set=rs, year=today.year - 1)
    holders = RoleAssignment.objects.active().filter(
        role__in=[Role.COMPOUND_HEAD, Role.BUILDING_HEAD, Role.UNIT_HEAD], node__path__under=compound.path
    ).order_by("node__path")[:6]
    for ra in holders:
        for year in (2023, today.year - 1):
            services.role_subsidy_grant(actor=actor, rule_set=rs, year=year, assignment=ra, note="按时组织楼道清扫、参加红星议事会")
    return [f"红棟力评比（{compound.name}）：{len(months) - 1} 个月已结算，当月评分中；"
            f"{today.year - 1}年度奖励已授予；公示栏 /evaluation/board/{compound.pk}/"]


def _guanyan() -> list[str]:
    community = Node.objects.filter(code=GUANYAN).first()
    if community is None or RuleSet.objects.filter(node=community, kind="contest").exists():
        return []
    actor = _actor(community, ("demo_community", "demo_secretary", "demo_admin"))
    if actor is None:
        return []
    lines = []
    rnd = random.Random(2024)
    rs = seed_rules.build_micro_contest(actor=actor, community=community, year=2024)
    jurors = _jury(actor, rs, [("gy_juror_building", "官堰楼栋长评委", Party.BUILDING_HEADS, None),
                               ("gy_juror_party", "官堰党员评委", Party.PARTY_MEMBERS, "demo_party"),
                               ("gy_juror_resident", "官堰居民评委", Party.RESIDENTS, "demo_resident")])
    p = services.period_open(actor=actor, rule_set=rs, day=datetime.date(2024, 12, 1))
    items = list(p.version.items.all())
    for j in jurors:
        for s in p.subjects.all():
            best = s.label.startswith("云中仙居")
            services.sheet_submit(actor=j.user, period=p, subject_id=s.pk, client_key=f"demo-{p.pk}-{j.pk}-{s.pk}",
                                  values={i.pk: 19 if best else rnd.randint(13, 18) for i in items})
    lines.append("微评比：官堰社区2024年度“最美小区”（云中仙居小区）")
    households = list(Household.objects.filter(node_path__under=community.path).order_by("node_path", "number")
                      .values_list("pk", flat=True)[:12])
    if households:
        fam = seed_rules.build_filial_families(actor=actor, community=community, year=2024)
        (juror,) = _jury(actor, fam, [("gy_juror_resident", "官堰居民评委", Party.RESIDENTS, "demo_resident")])
        p = services.period_open(actor=actor, rule_set=fam, day=datetime.date(2024, 12, 1), subject_refs=households)
        items = list(p.version.items.all())
        for s in p.subjects.all():
            services.sheet_submit(actor=juror.user, period=p, subject_id=s.pk, client_key=f"demo-{p.pk}-{s.pk}",
                                  values={i.pk: int(i.points) - rnd.randint(0, 8) for i in items})
        lines.append("十佳慈孝家庭：官堰社区2024年度（12户候选，评出10户）")
    return lines


def _stars() -> list[str]:
    lines = []
    for code, ctype in ((LITANG, CompoundType.OLD), (GUANYAN, CompoundType.COMMERCIAL)):
        community = Node.objects.filter(code=code).first()
        if community is None or RuleSet.objects.filter(node=community, kind="star").exists():
            continue
        if not Organisation.objects.filter(kind=Organisation.Kind.PROPERTY, community=community).exists():
            continue
        actor = _actor(community, ("demo_litang", "demo_community", "demo_admin"))
        if actor is None:
            continue
        rs = seed_rules.build_star_rating(actor=actor, node=community, compound_type=ctype, year=2024)
        jurors = _jury(actor, rs, [(f"star_juror_{code}", f"{community.name}星级评定评委", Party.COMMUNITY, None)])
        p = services.period_open(actor=actor, rule_set=rs, day=datetime.date(2024, 12, 1))
        items = list(p.version.items.all())
        for s in p.subjects.all():
            services.sheet_submit(actor=jurors[0].user, period=p, subject_id=s.pk, client_key=f"demo-{p.pk}-{s.pk}",
                                  values={i.pk: round(float(i.points) * 0.88, 1) for i in items})
        lines.append(f"星级物业：{community.name}（{ctype.label}标准）2024年度")
    return lines


def load(stdout=None, today: datetime.date | None = None) -> list[str]:
    today = today or timezone.localdate()
    with transaction.atomic():
        lines = _hongdongli(today)
    with transaction.atomic():
        lines += _guanyan()
    with transaction.atomic():
        lines += _stars()
    return lines
