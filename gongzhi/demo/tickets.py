"""Demo data for tickets: the category catalogue, the Open311 key `demo-open311-key`, and in each of
the five seed communities (found by code) tickets in every state, wishes and a service offering.
Called by `manage.py load_demo` as `load(stdout) -> list[str]`; running it again changes nothing."""

import datetime

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.people.models import Organisation, Resident
from gongzhi.territory.models import STAFF_ROLES, Household, Node, Role, RoleAssignment
from gongzhi.tickets import services
from gongzhi.tickets.models import Open311Key, Status, Ticket, Wish, hash_key
from gongzhi.tickets.models_orders import ServiceOffering
from gongzhi.tickets.testing import ensure_catalogue

SEED_CODES = ["510185114003", "620702002003", "430304005006", "511381001008", "420804002011"]
OPEN311_KEY = "demo-open311-key"
DEMO_MARK = "demo-"
# (category, description, target status)
SCRIPT = [
    ("sanitation", "3栋楼道堆放杂物很久了，影响通行", Status.SUBMITTED),
    ("repair", "小区东门路灯不亮，晚上出行不安全", Status.DISPATCHED),
    ("leak", "楼上卫生间漏水，渗到我家天花板", Status.ACCEPTED),
    ("parking", "消防通道经常被私家车占用", Status.IN_PROGRESS),
    ("hazard", "外墙瓷砖松动，有坠落危险", Status.RESOLVED),
    ("elderly", "独居老人希望有人定期上门看看", Status.FOLLOWED_UP),
    ("dispute", "楼上晚上噪音太大，多次沟通无果", Status.CLOSED),
    ("policy", "咨询高龄津贴怎么申请", Status.REJECTED),
    ("repair", "东门的路灯坏了好几天了", Status.MERGED),
    ("sanitation", "垃圾分类点清运不及时，气味很大", Status.REOPENED),
    ("hazard", "地下车库电线裸露，存在安全隐患", "overdue"),
]
WISHES = [("想要一副老花镜", "open"), ("希望有人教我用智能手机", "claimed"), ("给孙子买一套课外书", "fulfilled")]


def _staff(community: Node) -> User | None:
    ra = (RoleAssignment.objects.active().filter(node=community, role__in=STAFF_ROLES).select_related("user")
          .order_by("role", "id").first())
    return ra.user if ra else User.objects.filter(is_superuser=True).order_by("id").first()


def _reporter(community: Node) -> User | None:
    r = (Resident.objects.filter(household__node_path__under=community.path, user__isnull=False,
                                 moved_out_on__isnull=True).select_related("user").order_by("id").first())
    if r:
        return r.user
    ra = (RoleAssignment.objects.active().filter(role=Role.RESIDENT, household__node_path__under=community.path)
          .select_related("user").first())
    return ra.user if ra else None


def _advance(t: Ticket, target: str, staff: User, survivor: Ticket | None) -> None:
    if target == Status.SUBMITTED:
        return
    if target == Status.REJECTED:
        services.ticket_reject(actor=staff, ticket=t, reason="属于个人事务咨询，已电话答复，不立工单")
        return
    if target == Status.MERGED and survivor is not None:
        services.ticket_merge(actor=staff, ticket=t, into=survivor)
        return
    services.ticket_dispatch(actor=staff, ticket=t)
    t.refresh_from_db()
    if target in (Status.DISPATCHED, "overdue") or t.handler is None:
        if target == "overdue":
            Ticket.objects.filter(pk=t.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
            services.escalate_overdue(t.pk)
        return
    h = t.handler
    services.ticket_accept(actor=h, ticket=t)
    if target == Status.ACCEPTED:
        return
    services.ticket_start(actor=h, ticket=t)
    if target == Status.IN_PROGRESS:
        return
    services.ticket_resolve(actor=h, ticket=t, result="已到现场处理完毕，并向居民说明情况")
    if target == Status.RESOLVED:
        return
    rating = "unsatisfied" if target == Status.REOPENED else "satisfied"
    services.ticket_follow_up(actor=staff, ticket=t, rating=rating,
                              comment="问题反复出现，希望彻底解决" if rating == "unsatisfied" else "办得及时")
    if target == Status.CLOSED:
        services.ticket_close(actor=staff, ticket=t)


def _community(community: Node, stdout) -> int:
    if Ticket.objects.filter(community=community, idempotency_key__contains=f":{DEMO_MARK}").exists():
        return 0
    staff = _staff(community)
    hh = Household.objects.filter(node_path__under=community.path).select_related("node", "micro_grid").order_by("id")
    households = list(hh[:6])
    if staff is None or not households:
        return 0
    reporter = _reporter(community)
    made = {}
    for i, (cat, text, target) in enumerate(SCRIPT):
        t = services.ticket_submit(actor=staff, channel=["hotline", "visit", "walk_in", "wechat", "secretary"][i % 5],
                                   category=CATS[cat], description=text, household=households[i % len(households)],
                                   reporter=reporter if i % 2 == 0 else None, reporter_name="" if i % 2 == 0 else "居民",
                                   idempotency_key=f"{DEMO_MARK}{community.code}-{i}")
        made[i] = t
        _advance(t, target, staff, survivor=made.get(1))
    services.ticket_submit(actor=staff, channel="12345", category=CATS["road"], household=households[0],
                           description="12345转办：小区门口井盖破损", external_no=f"12345{community.code[-7:]}01",
                           idempotency_key=f"{DEMO_MARK}{community.code}-12345")
    return len(SCRIPT) + 1


def _wishes(community: Node) -> None:
    if Wish.objects.filter(community=community).exists():
        return
    staff = _staff(community)
    hh = Household.objects.filter(node_path__under=community.path).order_by("id").first()
    if staff is None or hh is None:
        return
    for title, target in WISHES:
        w = services.wish_create(actor=staff, title=title, household=hh, resident_name="居民")
        if target in ("claimed", "fulfilled"):
            services.wish_claim(actor=staff, wish=w)
        if target == "fulfilled":
            services.wish_fulfil(actor=staff, wish=w, note="已送到家中")


def _offering(community: Node) -> None:
    org = Organisation.objects.filter(community=community).exclude(kind=Organisation.Kind.DEPARTMENT).order_by("id").first()
    if org is None or ServiceOffering.objects.filter(community=community).exists():
        return
    for title in ("上门理发", "家电维修", "助老陪诊"):
        ServiceOffering.objects.create(organisation=org, community=community, title=title,
                                       description=f"{org.name}提供")


def _open311_key(community: Node) -> None:
    if Open311Key.objects.filter(key_hash=hash_key(OPEN311_KEY)).exists():
        return
    user, created = User.objects.get_or_create(username="open311_demo", defaults={"name": "Open311 接口"})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Open311Key.objects.create(name="演示密钥", key_hash=hash_key(OPEN311_KEY), prefix=OPEN311_KEY[:8], user=user,
                              community=community)


CATS: dict = {}


def load(stdout=None) -> list[str]:
    CATS.update(ensure_catalogue())
    lines = [f"诉求分类：{len(CATS)} 类"]
    communities = [n for n in (Node.objects.filter(code=c).first() for c in SEED_CODES) if n is not None]
    n_tickets = 0
    for c in communities:
        with transaction.atomic():
            n_tickets += _community(c, stdout)
            _wishes(c)
            _offering(c)
    if communities:
        _open311_key(communities[0])
        lines.append(f"演示工单：本次新建 {n_tickets} 件（{len(communities)} 个社区，覆盖全部状态）")
        lines.append(f"Open311 接口：/open311/v2/discovery.json ，api_key = {OPEN311_KEY}"
                     f"（提交到{communities[0].name}）")
    else:
        lines.append("未找到种子社区，未建演示工单")
    lines.append("督办任务：.venv/bin/python manage.py run_sla --loop 60")
    return lines
