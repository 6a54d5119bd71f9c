"""Demo data for visits: in each of the five seed communities, care rules for the key groups, three
months of grid workers' visits (care visits mostly on time, one grid behind so that some are
overdue), findings that became tickets and a micro-wish, a change seen at the door waiting to be
applied; at 官堰 a 敲门行动 in progress. `build(stdout) -> list[str]`; running it again changes nothing."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from gongzhi.people.models import Resident
from gongzhi.territory.models import STAFF_ROLES, Grid, Household, Level, Node, Role, RoleAssignment
from gongzhi.tickets import services as tickets
from gongzhi.tickets.testing import ensure_catalogue
from gongzhi.visits import services
from gongzhi.visits.models import Campaign, CareDue, CareRole, FindingTag, Outcome, Visit, VisitKind

SEED_CODES = ["510185114003", "620702002003", "430304005006", "511381001008", "420804002011"]
GUANYAN = "420804002011"
DAYS = 90
RULES = [("solitary", 7, CareRole.GRID_WORKER), ("empty_nest", 14, CareRole.GRID_WORKER),
         ("hardship", 30, CareRole.GRID_WORKER), ("disabled", 30, CareRole.MICRO_GRID_HEAD),
         ("child", 30, CareRole.GRID_WORKER)]
FINDINGS = {
    FindingTag.NONE: ["身体状况良好，家中无异常", "生活正常，子女每周回来看望", "老人精神不错，叮嘱注意防寒"],
    FindingTag.NEED: ["老人腿脚不便，希望有助餐服务", "想学用智能手机和子女视频", "希望有人帮忙代购药品"],
    FindingTag.HAZARD: ["厨房燃气软管老化开裂", "楼道电动车充电飞线", "阳台花盆摆放在栏杆外侧，有坠落风险"],
    FindingTag.DISPUTE: ["与楼上邻居因漏水问题有矛盾", "楼道堆物引起邻里争执"],
    FindingTag.POLICY: ["咨询高龄津贴申领条件", "咨询医保异地备案办理流程"],
    FindingTag.CHANGE: ["家中新添一名婴儿", "租户已搬走，房屋空置"],
}
TAG_WEIGHTS = [(FindingTag.NONE, 60), (FindingTag.NEED, 12), (FindingTag.HAZARD, 8), (FindingTag.DISPUTE, 5),
               (FindingTag.POLICY, 10), (FindingTag.CHANGE, 5)]


def _staff(community: Node):
    ra = (RoleAssignment.objects.active().filter(node=community, role__in=STAFF_ROLES).select_related("user")
          .order_by("role", "id").first())
    return ra.user if ra else None


def _workers(community: Node) -> list[tuple[Grid, object]]:
    """(grid, its grid worker — or its grid head where there is no worker, as at 南关)."""
    out, seen = [], set()
    for ra in (RoleAssignment.objects.active().filter(role__in=[Role.GRID_WORKER, Role.GRID_HEAD],
                                                      grid__community=community)
               .select_related("grid", "user").order_by("grid__code", "-role", "id")):
        if ra.grid_id not in seen:
            seen.add(ra.grid_id)
            out.append((ra.grid, ra.user))
    return out


def _tag(rng: random.Random) -> str:
    return rng.choices([t for t, _w in TAG_WEIGHTS], weights=[w for _t, w in TAG_WEIGHTS])[0]


def _visit(rng, worker, household, at, *, kind=VisitKind.HOME, campaign=None, outcome=Outcome.MET, resident=None):
    tag = _tag(rng) if outcome == Outcome.MET else None
    visit, _created = services.visit_record(
        actor=worker, household=household, kind=kind, visited_at=at, now=at + datetime.timedelta(minutes=20),
        tags=[tag] if tag else [], findings=rng.choice(FINDINGS[tag]) if tag else "", outcome=outcome,
        met=(resident.name if resident else household.residents.order_by("relation", "id").values_list(
            "name", flat=True).first() or "户主") if tag else "", persons_met=rng.choice([1, 1, 2, 2, 3]),
        resident=resident, campaign=campaign, client_key=f"demo-{household.pk}-{at:%Y%m%d%H%M}")
    return visit, tag


def _community(community: Node, rng: random.Random) -> dict:
    staff = _staff(community)
    workers = _workers(community)[:3]
    if staff is None or not workers or Visit.objects.filter(community=community,
                                                             client_key__contains=":demo-").exists():
        return {}
    for key_group, every, role in RULES:
        services.care_rule_set(actor=staff, community=community, key_group=key_group, every_days=every, role=role)
    today = timezone.localdate()
    start = today - datetime.timedelta(days=DAYS)
    # The rules were in force three months ago: the first visits were due then.
    for due in CareDue.objects.filter(community=community, done_on__isnull=True).only("id"):
        CareDue.objects.filter(pk=due.pk).update(due_on=start + datetime.timedelta(days=rng.randrange(7)))
    n, follow = 0, []
    for day_i in range(0, DAYS, 2):
        day = start + datetime.timedelta(days=day_i)
        for gi, (grid, worker) in enumerate(workers):
            if gi == 1 and day_i >= DAYS - 21:
                continue  # this grid's worker has been away three weeks: its care visits are overdue
            at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9 + rng.randrange(8), rng.randrange(60))))
            dues = list(CareDue.objects.filter(grid=grid, role=CareRole.GRID_WORKER, done_on__isnull=True,
                                               due_on__lte=day + datetime.timedelta(days=1))
                        .select_related("household__micro_grid", "resident").order_by("due_on")[:40])
            # One visit per household serves all its residents' dues; up to eight households a day.
            households = list({d.household_id: d for d in dues}.values())[:8]
            for j, d in enumerate(households):
                v, tag = _visit(rng, worker, d.household, at + datetime.timedelta(minutes=40 * j),
                                kind=rng.choice([VisitKind.HOME, VisitKind.HOME, VisitKind.PHONE]))
                n += 1
                if tag in (FindingTag.HAZARD, FindingTag.DISPUTE, FindingTag.NEED):
                    follow.append((v, tag, worker))
            if rng.random() < 0.5:
                hh = (Household.objects.filter(micro_grid__parent=grid).select_related("micro_grid")
                      .order_by("?").first())
                if hh is not None:
                    v, tag = _visit(rng, worker, hh, at + datetime.timedelta(hours=3),
                                    kind=rng.choice([VisitKind.HOME, VisitKind.PATROL, VisitKind.WALK_IN]))
                    n += 1
                    if tag in (FindingTag.HAZARD, FindingTag.DISPUTE):
                        follow.append((v, tag, worker))
    # The grids not simulated here started their plan this week: nothing of theirs is overdue yet.
    for due in (CareDue.objects.filter(community=community, done_on__isnull=True)
                .exclude(grid__in=[g for g, _w in workers]).only("id")):
        CareDue.objects.filter(pk=due.pk).update(due_on=today + datetime.timedelta(days=rng.randrange(0, 7)))
    tickets_made = 0
    cats = ensure_catalogue()
    for i, (v, tag, worker) in enumerate(follow[-8:]):  # the latest: this month's figures show them
        if tag == FindingTag.NEED and i % 3 == 0:
            services.visit_file_wish(actor=worker, visit=v, title=v.findings[:20], resident_name=v.met or "居民")
            continue
        f = services.visit_file_ticket(actor=worker, visit=v, tag=tag, category=services.default_category(tag)
                                       or cats["opinion"])
        tickets_made += 1
        if i % 2 == 0:  # half of them handled to the end
            t = f.ticket
            tickets.ticket_dispatch(actor=staff, ticket=t)
            t.refresh_from_db()
            if t.handler is not None:
                tickets.ticket_accept(actor=t.handler, ticket=t)
                tickets.ticket_start(actor=t.handler, ticket=t)
                tickets.ticket_resolve(actor=t.handler, ticket=t, result="走访发现的问题已上门处理")
    # A change seen at the door, waiting for whoever keeps the household record.
    grid, worker = workers[0]
    r = (Resident.objects.filter(household__micro_grid__parent=grid, moved_out_on__isnull=True)
         .select_related("household__micro_grid").order_by("id").first())
    if r is not None:
        services.visit_record(actor=worker, household=r.household, kind=VisitKind.HOME, tags=[FindingTag.CHANGE],
                              findings="户主更换了手机号码", met=r.name, client_key=f"demo-change-{r.pk}",
                              changes=[{"kind": "phone", "resident_id": r.pk, "phone": "13912345678"}])
        n += 1
    return {"visits": n, "tickets": tickets_made, "workers": len(workers)}


def _campaign(community: Node, rng: random.Random) -> int:
    if Campaign.objects.filter(community=community).exists():
        return 0
    staff = _staff(community)
    compound = (Node.objects.filter(path__startswith=community.path, level=Level.COMPOUND).order_by("path").first())
    if staff is None or compound is None:
        return 0
    today = timezone.localdate()
    c = services.campaign_create(actor=staff, community=community, name=f"{compound.name}敲门行动",
                                 node=compound, starts_on=today - datetime.timedelta(days=7),
                                 deadline=today + datetime.timedelta(days=14))
    workers = dict(_workers(community))
    rows = list(c.households.select_related("household__micro_grid").order_by("id"))
    for i, row in enumerate(rows):
        worker = workers.get(row.grid) or staff  # staff answer for every household of the community
        at = timezone.now() - datetime.timedelta(days=rng.randrange(1, 7), hours=rng.randrange(8))
        roll = (0.0, 0.5)[i] if i < 2 else rng.random()  # at least one visited, one nobody home
        if roll < 0.45:
            _visit(rng, worker, row.household, at, kind=VisitKind.KNOCK, campaign=c)
        elif roll < 0.6:
            _visit(rng, worker, row.household, at, kind=VisitKind.KNOCK, campaign=c, outcome=Outcome.NOBODY_HOME)
    return len(rows)


def build(stdout=None) -> list[str]:
    lines = []
    for code in SEED_CODES:
        community = Node.objects.filter(code=code).first()
        if community is None:
            continue
        rng = random.Random(code)
        with transaction.atomic():
            made = _community(community, rng)
            campaign = _campaign(community, rng) if code == GUANYAN else 0
        if made:
            lines.append(f"走访：{community.name} {made['visits']} 次（{made['workers']} 个网格），"
                         f"转为工单 {made['tickets']} 件" + (f"；敲门行动 {campaign} 户" if campaign else ""))
    if lines:
        lines.append("网格员手机端“今天”：/visits/ （演示账号 demo_grid）")
    return lines


load = build  # the loader's hook name
