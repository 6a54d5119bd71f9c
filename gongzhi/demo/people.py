"""Demo data, people side: residents of every demo household (names, valid ID numbers, phones,
relations, key-group tags), party members of each category with 双报到 and 党员联系户, the
organisations of the seed articles, and the links from role holders and demo accounts to residents.

Called by `manage.py load_demo` after `gongzhi.demo.territory` has built a community's places.
Volume goes in with bulk_create; the command writes one audit row per community instead of one per row.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.core.validators import id_number_check_digit, uscc_check_char
from gongzhi.demo.territory import (
    ANCHOR,
    CHANGGOU,
    GUANYAN,
    LITANG,
    NANGUAN,
    NANJIE,
    NEIDONGJIE,
    ROLE_START,
    SHUYUANJIE,
    Plan,
    demo_resident_household,
    node_by_code,
)
from gongzhi.people.models import (
    DualReport,
    Gender,
    KeyGroup,
    MemberHousehold,
    Organisation,
    OrganisationMember,
    PartyMember,
    Relation,
    Resident,
    ResidentTag,
)
from gongzhi.people.pinyin import name_pinyin
from gongzhi.territory.models import Grid, Household, Level, Node, PartyOrg, Role, RoleAssignment

R = Relation
_DAY = datetime.timedelta(days=1)


@dataclass
class _Person:
    relation: str
    age: int
    gender: str
    family: bool  # takes the family surname


# --- households ---------------------------------------------------------------------------------


def _sizes(rng: random.Random, n: int, total: int | None) -> list[int]:
    """Household sizes (mean about 2.9), adjusted to an exact total when one is given."""
    sizes = rng.choices([1, 2, 3, 4, 5, 6], weights=[14, 30, 26, 18, 9, 3], k=n)
    if total is not None:
        if not n <= total <= 6 * n:
            raise ValueError(f"cannot spread {total} residents over {n} households")
        diff = total - sum(sizes)
        while diff:
            i = rng.randrange(n)
            if diff > 0 and sizes[i] < 6:
                sizes[i] += 1
                diff -= 1
            elif diff < 0 and sizes[i] > 1:
                sizes[i] -= 1
                diff += 1
    return sizes


def _other(g: str) -> str:
    return "F" if g == "M" else "M"


def _compose(rng: random.Random, size: int) -> list[_Person]:
    """Who lives in a household of this size: a head, usually a spouse, children, sometimes the
    head's parents or a married child with grandchildren. Ages are consistent across generations."""
    P = _Person
    g = lambda: rng.choice("MF")  # noqa: E731
    if size == 1:
        if rng.random() < 0.5:
            return [P(R.HEAD, rng.randint(60, 91), rng.choice("MFF"), True)]
        return [P(R.HEAD, rng.randint(22, 59), rng.choice("MMF"), True)]
    hg = "M" if rng.random() < 0.78 else "F"
    sg = _other(hg)

    def couple(lo: int, hi: int) -> list[_Person]:
        a = rng.randint(lo, hi)
        return [P(R.HEAD, a, hg, hg == "M"), P(R.SPOUSE, max(20, a + rng.randint(-5, 4)), sg, sg == "M")]

    def child(parent_age: int, lo: int = 22, hi: int = 36) -> _Person:
        return P(R.CHILD, max(0, parent_age - rng.randint(lo, min(hi, max(lo, parent_age)))), g(), True)

    r = rng.random()
    if size == 2:
        if r < 0.5:
            return couple(60, 86)
        if r < 0.8:
            return couple(24, 59)
        a = rng.randint(30, 62)
        return [P(R.HEAD, a, hg, True), child(a)]
    if size == 3:
        fam = couple(28, 56) if r < 0.75 else couple(58, 80)
        return fam + [child(fam[0].age)]
    if size == 4:
        if r < 0.55:
            fam = couple(30, 50)
            return fam + [child(fam[0].age), child(fam[0].age)]
        if r < 0.85:
            fam = couple(30, 55)
            parent_age = min(96, fam[0].age + rng.randint(24, 32))
            return fam + [child(fam[0].age), P(R.PARENT, parent_age, rng.choice("MF"), False)]
        fam = couple(56, 76)
        c = child(fam[0].age, 24, 34)
        return fam + [c, P(R.CHILD_IN_LAW, max(20, c.age + rng.randint(-3, 3)), _other(c.gender), False)]
    if size == 5 and r < 0.5:
        fam = couple(32, 50)
        pa = min(96, fam[0].age + rng.randint(24, 32))
        return fam + [child(fam[0].age), P(R.PARENT, pa, "M", True), P(R.PARENT, max(50, pa - 2), "F", False)]
    # 5 or 6: an older couple, a married child and grandchildren.
    fam = couple(55, 76)
    c = child(fam[0].age, 25, 34)
    out = fam + [c, P(R.CHILD_IN_LAW, max(20, c.age + rng.randint(-3, 3)), _other(c.gender), False)]
    while len(out) < size:
        out.append(P(R.GRANDCHILD, max(0, c.age - rng.randint(22, 32)), g(), True))
    return out


class IdNumbers:
    """Valid, unique 18-digit citizen ID numbers (GB 11643) for one county."""

    def __init__(self, rng: random.Random, region: str):
        self.rng, self.region = rng, region
        # ID numbers are sealed: compare blind indexes (core/fields.py) instead of the numbers.
        self.field = Resident._meta.get_field("id_number")
        self.used = set(Resident.objects.exclude(id_number_index=None).values_list("id_number_index", flat=True))

    def make(self, birth: datetime.date, gender: str) -> str:
        while True:
            # The 17th digit (last of the sequence) is odd for men, even for women.
            seq = self.rng.randrange(1, 1000, 2) if gender == "M" else self.rng.randrange(2, 1000, 2)
            first17 = f"{self.region}{birth:%Y%m%d}{seq:03d}"
            value = first17 + id_number_check_digit(first17)
            index = self.field.index_of(value)
            if index not in self.used:
                self.used.add(index)
                return value


def _birth(rng: random.Random, age: int) -> datetime.date:
    return ANCHOR - datetime.timedelta(days=int(age * 365.25) + rng.randrange(365))


def _age(birth: datetime.date) -> int:
    return ANCHOR.year - birth.year - ((ANCHOR.month, ANCHOR.day) < (birth.month, birth.day))


# --- organisations --------------------------------------------------------------------------------

# (kind, name, has party organisation, served compounds by name (None: the community), note)
_ORGS: dict[str, list[tuple[str, str, bool, tuple[str, ...] | None, str]]] = {
    CHANGGOU: [
        (Organisation.Kind.OWNERS_COMMITTEE, "长沟新村小区业主委员会", False, ("长沟新村小区",), "业委会工作室设在小区"),
        (Organisation.Kind.CO_BUILDING, "石钟镇卫生院", False, None, "共建单位：健康义诊"),
        (Organisation.Kind.CO_BUILDING, "石钟镇中心小学", True, None, "共建单位：未成年人活动"),
        *[(Organisation.Kind.SELF_MANAGEMENT, f"长沟新村{n}自管小组", False, ("长沟新村小区",),
           "以党员片长、楼栋长、热心居民为主体")
          for n in ("环境卫生", "停车秩序", "商户自律", "绿化养护", "文体活动", "安全巡查", "邻里调解")],
    ],
    NANGUAN: [
        (Organisation.Kind.CO_BUILDING, "甘州区住房和城乡建设局", True, None, "党建联席会成员单位"),
        (Organisation.Kind.CO_BUILDING, "国网张掖供电公司南关供电所", True, None, "党建联席会成员单位"),
        (Organisation.Kind.SOCIAL, "南关社区人民调解工作室", False, None, "党建+人民调解"),
        (Organisation.Kind.VOLUNTEER_TEAM, "南关社区红色智囊团", False, None, "网格长、楼栋长、在职党员、居民代表"),
    ],
    LITANG: [
        (Organisation.Kind.PROPERTY, "湘潭南国物业服务有限公司", False, ("南国新家园小区",), "南国新家园小区物业"),
        (Organisation.Kind.OWNERS_COMMITTEE, "南国新家园小区业主委员会", False, ("南国新家园小区",), ""),
        (Organisation.Kind.VOLUNTEER_TEAM, "栗·邻帮志愿服务队", False, ("南国新家园小区",), "栗·邻帮志愿服务经常化"),
        (Organisation.Kind.SOCIAL, "栗塘社区红星互助社", False, None, "红星互助社服务平台"),
    ],
    NANJIE: [
        (Organisation.Kind.PROPERTY, "阆中锦城物业服务有限公司", True, ("锦屏花园小区", "华光楼小区"), "红色物业：建有党支部"),
        (Organisation.Kind.OWNERS_COMMITTEE, "锦屏花园小区业主委员会", False, ("锦屏花园小区",), ""),
        (Organisation.Kind.OWNERS_COMMITTEE, "南街老街院落自管委", False, ("南街老街院落",), "无物业院落的自管委"),
        *[(Organisation.Kind.SERVICE_TEAM, f"睦邻{n}服务队", False, None, "五社联动专业服务队")
          for n in ("健康卫生", "未成年关爱", "家政陪护", "管网疏通", "家电维修")],
        (Organisation.Kind.SOCIAL, "阆中市夕阳红养老服务中心", False, None, "入驻日间照料中心，为空巢和孤寡老人服务"),
        (Organisation.Kind.CO_BUILDING, "阆中市住房和城乡建设局", True, None, "契约化共建"),
        (Organisation.Kind.CO_BUILDING, "阆中市市场监督管理局", True, None, "契约化共建"),
    ],
    NEIDONGJIE: [
        (Organisation.Kind.OWNERS_COMMITTEE, "贡院小区业主委员会", False, ("贡院小区",), ""),
    ],
    SHUYUANJIE: [
        (Organisation.Kind.OWNERS_COMMITTEE, "书院街小区业主委员会", False, ("书院街小区",), ""),
    ],
    GUANYAN: [
        (Organisation.Kind.PROPERTY, "荆门云中仙居物业服务有限公司", False, ("云中仙居小区",), ""),
        (Organisation.Kind.CO_BUILDING, "掇刀区城市管理执法局", True, None, "下沉单位：敲门行动"),
        (Organisation.Kind.CO_BUILDING, "荆门市物资储运公司", True, ("物资储运家属区",), "包联单位"),
        (Organisation.Kind.SOCIAL, "官堰社区慈孝志愿者协会", False, None, "慈孝品牌建设"),
        (Organisation.Kind.VOLUNTEER_TEAM, "官堰社区志愿服务队", False, None, "免费理发、健康问诊、家电维修清洗"),
    ],
}
# The prefix of a unified social credit code by registering authority and type (GB 32100).
_USCC_PREFIX = {Organisation.Kind.PROPERTY: "91", Organisation.Kind.SOCIAL: "52"}
_USCC_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _uscc(rng: random.Random, prefix: str, region: str) -> str:
    first17 = prefix + region + "".join(rng.choice(_USCC_BODY) for _ in range(9))
    return first17 + uscc_check_char(first17)


def _organisations(plan: Plan) -> list[Organisation]:
    rng, community = plan.rng, plan.community
    by_name = {n.name: n for n in plan.nodes if n.level == Level.COMPOUND}
    orgs = []
    for kind, name, has_party, serves, note in _ORGS.get(community.code, []):
        if kind in _USCC_PREFIX:
            uscc = _uscc(rng, _USCC_PREFIX[kind], plan.county_code)
        elif kind == Organisation.Kind.CO_BUILDING:
            # 机关 (11) for departments, 事业单位 (12) for schools and clinics, companies 91.
            prefix = "11" if name.endswith("局") else "91" if "公司" in name else "12"
            uscc = _uscc(rng, prefix, plan.county_code)
        else:
            uscc = None
        org = Organisation.objects.create(
            name=name, kind=kind, uscc=uscc, community=community, has_party_org=has_party, note=note,
            contact_name=plan.names.full(rng.choice("MF")), phone=plan.names.mobile(),
        )
        org.serves.set([by_name[s] for s in serves] if serves else [community])
        orgs.append(org)
    return orgs


# --- filling one community --------------------------------------------------------------------------

_WORK_UNITS = ("人民医院", "税务局", "教育局", "第一中学", "住房和城乡建设局", "市场监督管理局", "供电公司",
               "人民法院", "自然资源局", "城市管理执法局", "财政局", "实验小学", "农商银行", "中心血站", "邮政分公司")
_FLOATING = ("外出务工（广东东莞）", "外出务工（浙江宁波）", "外出务工（江苏苏州）", "外出经商（重庆）", "外出务工（新疆）")
_COMMITMENT = ("本人自愿到居住地社区报到，亮明党员身份，认领服务岗位，履行政策法规宣讲员、社区发展参谋员、"
               "文明创建示范员等职责，带头参与小区治理，接受社区党组织和居民群众监督。")


def populate(plan: Plan) -> dict[str, int]:
    """Residents, tags, party members, 双报到, 党员联系户 and organisations of a freshly built community."""
    rng, names = plan.rng, plan.names
    county = Node.objects.filter(path=plan.community.path[:12]).values_list("name", flat=True).first() or ""
    ids = IdNumbers(rng, plan.county_code)
    households = plan.households
    sizes = _sizes(rng, len(households), plan.residents_total)

    residents: list[Resident] = []
    ages: list[int] = []
    hh_members: list[list[int]] = []  # indices into residents, per household
    for hh, size in zip(households, sizes, strict=True):
        people = _compose(rng, size)
        head = people[0]
        head_surname = names.surname()
        spouse_surname = names.surname()
        family = head_surname if head.gender == "M" or size == 1 else (
            spouse_surname if any(p.relation == R.SPOUSE for p in people) else head_surname)
        moved = ANCHOR - datetime.timedelta(days=rng.randint(200, 30 * 365))
        idx = []
        for p in people:
            if p.relation == R.HEAD:
                surname = head_surname
            elif p.relation == R.SPOUSE:
                surname = spouse_surname
            elif p.family:
                surname = family
            else:
                surname = names.surname()
            name = names.full(p.gender, surname)
            birth = _birth(rng, p.age)
            phone = ""
            if p.age >= 16 and rng.random() < (0.7 if p.age >= 60 else 0.93):
                phone = names.mobile()
            idx.append(len(residents))
            ages.append(_age(birth))
            residents.append(Resident(
                household=hh, name=name, name_pinyin=name_pinyin(name), gender=p.gender, birth_date=birth,
                id_number=ids.make(birth, p.gender), phone=phone, relation=p.relation,
                moved_in_on=max(moved, birth),
            ))
        hh_members.append(idx)

    # Party members: more among older residents; 党员中心户 heads always are.
    scale = plan.party_share / 0.07
    party: set[int] = set()
    for i, a in enumerate(ages):
        if a >= 18 and rng.random() < scale * (0.11 if a >= 60 else 0.07 if a >= 30 else 0.04):
            party.add(i)
    hh_index = {id(h): k for k, h in enumerate(households)}
    for h in plan.party_households:
        party.add(hh_members[hh_index[id(h)]][0])

    # Role holders live among the households they answer for; party members where asked.
    reserved = {id(h) for h in plan.reserved_households}
    linked: dict[int, User] = {}
    seen_users: set[int] = set()
    for holder in plan.holders:
        if not holder.area or id(holder.user) in seen_users:
            continue
        seen_users.add(id(holder.user))
        candidates = [i for h in holder.area if id(h) not in reserved for i in hh_members[hh_index[id(h)]]
                      if 22 <= ages[i] <= 75 and i not in linked]
        if not candidates:
            continue
        pool = [i for i in candidates if i in party] if holder.prefer_party else []
        i = rng.choice(pool or candidates)
        if holder.prefer_party:
            party.add(i)
        linked[i] = holder.user
        r = residents[i]
        r.phone = holder.user.phone or r.phone
        holder.user.name = r.name

    for i, user in linked.items():
        residents[i].user = user
    _insert_residents(residents)
    User.objects.bulk_update([u for u in linked.values()], ["name"], batch_size=500)

    tags = _tags(rng, residents, ages, hh_members)
    _insert_rows(ResidentTag, ["resident", "tag"], tags)

    members = _party_members(plan, rng, residents, ages, sorted(party), county)
    reports = _dual_reports(plan, rng, members)
    links = _member_households(plan, rng, members, residents, hh_members, hh_index)
    orgs = _organisations(plan)
    return {"residents": len(residents), "tags": len(tags), "party_members": len(members),
            "dual_reports": len(reports), "member_households": len(links), "organisations": len(orgs)}


_RESIDENT_FIELDS = ["household", "name", "name_pinyin", "gender", "birth_date", "id_number", "id_number_index", "phone",
                    "relation", "moved_in_on", "user", "note", "created_at", "updated_at"]


def _insert_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """A plain executemany INSERT: for the largest tables the ORM's per-object work in bulk_create
    costs more than the database does."""
    if not rows:
        return
    qn = connection.ops.quote_name
    cols = ", ".join(qn(model._meta.get_field(f).column) for f in fields)
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({cols}) VALUES ({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cur:
        for i in range(0, len(rows), 5000):
            cur.executemany(sql, rows[i:i + 5000])


def _insert_residents(residents: list[Resident]) -> None:
    """Insert the residents and give the objects their ids (read back by the unique ID number)."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    date = connection.ops.adapt_datefield_value
    idf, phf = Resident._meta.get_field("id_number"), Resident._meta.get_field("phone")
    _insert_rows(Resident, _RESIDENT_FIELDS, [
        (r.household_id, r.name, r.name_pinyin, r.gender, date(r.birth_date), idf.get_prep_value(r.id_number),
         idf.index_of(r.id_number), phf.get_prep_value(r.phone), r.relation, date(r.moved_in_on), r.user_id, r.note,
         now, now) for r in residents
    ])
    ids: dict[str, int] = {}
    indexes = [idf.index_of(r.id_number) for r in residents]
    for i in range(0, len(indexes), 900):
        ids.update(Resident.objects.filter(id_number_index__in=indexes[i:i + 900]).values_list("id_number_index", "id"))
    for r, index in zip(residents, indexes, strict=True):
        r.pk = ids[index]
        r._state.adding = False


def _tags(rng: random.Random, residents: list[Resident], ages: list[int], hh_members: list[list[int]]) -> list[tuple]:
    tags: list[tuple] = []
    add = lambda i, t: tags.append((residents[i].pk, str(t)))  # noqa: E731
    for members in hh_members:
        all_old = all(ages[i] >= 60 for i in members)
        hardship = rng.random() < 0.03
        for i in members:
            a, r = ages[i], residents[i]
            if a >= 60:
                add(i, KeyGroup.ELDERLY)
                if all_old and len(members) == 1 and rng.random() < 0.25:
                    add(i, KeyGroup.SOLITARY)   # 孤寡: alone, no one to rely on
                elif all_old:
                    add(i, KeyGroup.EMPTY_NEST)
            elif a < 18:
                add(i, KeyGroup.CHILD)
            if hardship:
                add(i, KeyGroup.HARDSHIP)
            if rng.random() < (0.035 if a >= 60 else 0.012):
                add(i, KeyGroup.DISABLED)
            if r.gender == Gender.MALE and 28 <= a <= 85 and rng.random() < 0.04:
                add(i, KeyGroup.VETERAN)
            if a >= 18 and rng.random() < 0.004:
                add(i, KeyGroup.SPECIAL)
    return tags


def _party_members(plan: Plan, rng: random.Random, residents: list[Resident], ages: list[int],
                   indices: list[int], county: str) -> list[PartyMember]:
    by_grid = {o.grid_id: o for o in plan.party_orgs if o.kind == PartyOrg.Kind.BRANCH and o.grid_id}
    by_node: dict[str, PartyOrg] = {}
    for o in plan.party_orgs:
        if o.kind == PartyOrg.Kind.BRANCH and o.node_id:
            by_node.setdefault(o.node.path, o)
    members = []
    C = PartyMember.Category
    for i in indices:
        r, a = residents[i], ages[i]
        hh = r.household
        org = by_grid.get(hh.micro_grid.parent_id) or next(
            (o for p, o in by_node.items() if hh.node_path.startswith(p)), plan.committee)
        if a >= 60:
            cat = C.RETIRED if rng.random() < 0.8 else C.RESIDENT
        else:
            x = rng.random()
            cat = C.IN_SERVICE if x < 0.55 else C.RESIDENT if x < 0.85 else C.FLOATING
        work = ""
        if cat == C.IN_SERVICE:
            work = county + rng.choice(_WORK_UNITS)
        elif cat == C.FLOATING:
            work = rng.choice(_FLOATING)
        joined_age = rng.randint(18, max(18, min(a - 1, 40)))
        joined = min(r.birth_date + datetime.timedelta(days=int(joined_age * 365.25) + rng.randrange(300)),
                     ANCHOR - datetime.timedelta(days=365))
        members.append(PartyMember(
            resident=r, category=cat, party_org=org, work_unit=work, joined_on=joined,
            post=rng.choice(PartyMember.Post.values) if rng.random() < 0.45 else "",
            shows_identity=rng.random() < 0.92,
        ))
    PartyMember.objects.bulk_create(members, batch_size=1000)
    return members


def _dual_reports(plan: Plan, rng: random.Random, members: list[PartyMember]) -> list[DualReport]:
    reports = []
    for m in members:
        if m.category != PartyMember.Category.IN_SERVICE:
            continue
        signed = ANCHOR - datetime.timedelta(days=rng.randint(30, 700))
        confirmed = rng.random() < 0.85 and plan.secretary is not None
        decided_at = datetime.datetime.combine(signed + datetime.timedelta(days=rng.randint(1, 10)),
                                               datetime.time(10, 0), tzinfo=timezone.get_current_timezone())
        reports.append(DualReport(
            member=m, community=plan.community, commitment=_COMMITMENT, commitment_signed_on=signed,
            status=DualReport.Status.CONFIRMED if confirmed else DualReport.Status.SUBMITTED,
            decided_by=plan.secretary if confirmed else None, decided_at=decided_at if confirmed else None,
        ))
    DualReport.objects.bulk_create(reports, batch_size=1000)
    return reports


def _member_households(plan: Plan, rng: random.Random, members: list[PartyMember], residents: list[Resident],
                       hh_members: list[list[int]], hh_index: dict[int, int]) -> list[MemberHousehold]:
    """党员联系户: each serving member is linked to 1–4 households near their own (same micro-grid,
    else the same grid); exactly `plan.member_links` links when the seed gives a figure."""
    serving = [m for m in members if m.category != PartyMember.Category.FLOATING]
    if not serving:
        return []
    target = plan.member_links if plan.member_links is not None else round(len(serving) * 1.2)
    by_micro: dict[int, list[Household]] = defaultdict(list)
    by_grid: dict[int, list[Household]] = defaultdict(list)
    for h in plan.households:
        by_micro[h.micro_grid_id].append(h)
        by_grid[h.micro_grid.parent_id].append(h)
    order = serving[:]
    rng.shuffle(order)
    links: list[MemberHousehold] = []
    taken: set[tuple[int, int]] = set()
    while len(links) < target:
        progressed = False
        for m in order:
            if len(links) >= target:
                break
            own = m.resident.household
            want = min(rng.randint(1, 4), target - len(links))
            pool = [h for h in by_micro[own.micro_grid_id] if h is not own and (m.pk, h.pk) not in taken]
            if len(pool) < want:
                pool += [h for h in by_grid[own.micro_grid.parent_id]
                         if h is not own and (m.pk, h.pk) not in taken and h not in pool]
            for h in rng.sample(pool, min(want, len(pool))):
                taken.add((m.pk, h.pk))
                links.append(MemberHousehold(member=m, household=h))
                progressed = True
        if not progressed:
            break
    MemberHousehold.objects.bulk_create(links, batch_size=1000)
    return links


# --- the demo accounts ----------------------------------------------------------------------------


@transaction.atomic
def ensure_demo_links(users: dict[str, User]) -> None:
    """Tie the demo resident, party member and property-company accounts to their records
    (idempotent: only what is missing is added)."""
    hh = demo_resident_household()
    resident_user = users["demo_resident"]
    if hh is not None and not Resident.objects.filter(user=resident_user).exists():
        head = Resident.objects.filter(household=hh, relation=R.HEAD, moved_out_on__isnull=True).first()
        if head is not None and head.user_id is None:
            head.user = resident_user
            head.phone = resident_user.phone
            head.save(update_fields=["user", "phone", "updated_at"])
            User.objects.filter(pk=resident_user.pk).update(name=head.name)

    party_user = users["demo_party"]
    guanyan = node_by_code(GUANYAN)
    if guanyan is not None and not Resident.objects.filter(user=party_user).exists():
        member = (PartyMember.objects.select_related("resident")
                  .filter(category=PartyMember.Category.IN_SERVICE, resident__user__isnull=True,
                          resident__household__micro_grid__community=guanyan,
                          resident__household__micro_grid__parent__code="01",
                          dual_reports__status=DualReport.Status.CONFIRMED)
                  .order_by("id").first())
        if member is not None:
            r = member.resident
            r.user, r.phone = party_user, party_user.phone
            r.save(update_fields=["user", "phone", "updated_at"])
            User.objects.filter(pk=party_user.pk).update(name=r.name)
            have = member.served.count()
            if have < 2:
                grid_hh = (Household.objects.filter(micro_grid=r.household.micro_grid).exclude(pk=r.household_id)
                           .exclude(served_by__member=member).order_by("id")[: 2 - have])
                MemberHousehold.objects.bulk_create([MemberHousehold(member=member, household=h) for h in grid_hh])

    # The party member also lives here: the resident role on their own household.
    party_resident = Resident.objects.filter(user=party_user).select_related("household").first()
    if party_resident is not None and not RoleAssignment.objects.filter(
            user=party_user, role=Role.RESIDENT, household=party_resident.household).exists():
        RoleAssignment.objects.create(user=party_user, role=Role.RESIDENT, household=party_resident.household,
                                      start_date=ROLE_START)

    litang = node_by_code(LITANG)
    company = Organisation.objects.filter(community=litang, kind=Organisation.Kind.PROPERTY).order_by("id").first()
    if company is not None:
        OrganisationMember.objects.get_or_create(organisation=company, user=users["demo_property"])


def demo_counts() -> dict[str, int]:
    """Totals for the summary line of load_demo (all data, not only demo)."""
    return {
        "households": Household.objects.count(),
        "residents": Resident.objects.count(),
        "party_members": PartyMember.objects.count(),
        "grids": Grid.objects.filter(kind=Grid.Kind.GRID).count(),
        "micro_grids": Grid.objects.filter(kind=Grid.Kind.MICRO).count(),
        "organisations": Organisation.objects.count(),
    }


__all__ = ["populate", "ensure_demo_links", "demo_counts"]
