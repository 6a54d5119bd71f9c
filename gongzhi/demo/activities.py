"""Demo data for activities: 官堰社区's service activities (free haircuts, health checks, legal advice,
appliance repair — seed 004), festival events, 栗塘社区's 栗·邻帮 volunteers (seed 002) with recorded
hours (the check-outs grant the hour points), people served, certificates, and upcoming activities
the demo resident can sign up for. Past sign-ups are back-filled as rows (sign-up closes when an
activity ends); check-in/out goes through the services. Safe to run again."""

import datetime

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.activities import services
from gongzhi.activities.models import Activity, SignUp
from gongzhi.demo.territory import DEMO_PASSWORD, GUANYAN, LITANG, node_by_code
from gongzhi.people.models import Organisation, OrganisationMember, Resident

PAST = [  # (days ago, title, kind, shift, capacity, hours, served)
    (80, "免费理发进社区", "service", "理发师", 4, 3, 46),
    (66, "健康问诊：量血压、测血糖", "service", "义诊志愿者", 6, 3, 88),
    (52, "法律咨询进楼栋", "service", "咨询引导", 3, 2, 21),
    (45, "重阳节敬老文艺汇演", "culture", "会场布置", 8, 4, 150),
    (38, "家电维修清洗", "service", "维修志愿者", 5, 4, 34),
    (24, "敲门行动：走访独居老人", "door_knock", "走访", 6, 3, 40),
    (10, "免费理发进社区", "service", "理发师", 4, 3, 52),
]
UPCOMING = [(3, "健康问诊：冬季慢病随访", "service", "义诊志愿者", 6, 3), (9, "元旦文艺联欢会", "culture", "会场布置", 10, 3),
            (16, "家电维修清洗", "service", "维修志愿者", 5, 4)]


def _volunteers(community, prefix: str, n: int) -> list[Resident]:
    """n adult residents of the community with a login (created once: {prefix}_vol_01 …)."""
    out = []
    qs = (Resident.objects.filter(household__node_path__startswith=community.path, moved_out_on__isnull=True,
                                  id_number__isnull=False, birth_date__lt=datetime.date(2004, 1, 1),
                                  birth_date__gt=datetime.date(1955, 1, 1)).order_by("id"))
    for i, r in enumerate(qs[:n], start=1):
        if r.user_id is None:
            user = User.objects.filter(username=f"{prefix}_vol_{i:02d}").first()
            if user is None:
                user = User(username=f"{prefix}_vol_{i:02d}", name=r.name)
                user.set_password(DEMO_PASSWORD)
                user.save()
            r.user = user
            r.save(update_fields=["user"])
        out.append(r)
    return out


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _past(community, staff, organiser, volunteers, today, plan, key) -> tuple[int, int]:
    acts = minutes = 0
    for k, (ago, title, kind, shift_name, cap, hours, served) in enumerate(plan):
        day = today - datetime.timedelta(days=ago)
        a = services.activity_create(
            actor=staff, community=community, title=title, kind=kind, start_at=_at(day, 9), end_at=_at(day, 9 + hours),
            shifts=[services.ShiftInput(shift_name, cap)], client_key=f"demo-{key}-past-{k}", address=f"{community.name}党群服务中心",
            organiser=organiser, audience=Activity.Audience.INVITED if organiser and organiser.kind == "volunteer" and key == "lt" else Activity.Audience.PUBLIC,
            serves_groups=["elderly"] if kind in ("service", "door_knock") else [], description=f"{title}（演示）")
        shift = a.shifts.get()
        chosen = [volunteers[(k * 3 + j) % len(volunteers)] for j in range(min(cap, len(volunteers)))]
        for j, r in enumerate(chosen):
            s = SignUp.objects.create(shift=shift, activity=a, resident=r, user=r.user, status=SignUp.Status.CONFIRMED)
            services.tick(actor=staff, signup=s, now=a.start_at + datetime.timedelta(minutes=j * 3))
            services.tick(actor=staff, signup=s, now=a.end_at - datetime.timedelta(minutes=j * 7))
            s.refresh_from_db()
            minutes += s.minutes or 0
        services.beneficiaries_record(actor=staff, activity=a, count=served, names=["王奶奶", "刘爷爷"] if k % 2 else [])
        acts += 1
    return acts, minutes


def build(today: datetime.date | None = None) -> list[str]:
    today = today or timezone.localdate()
    lines: list[str] = []
    guanyan, litang = node_by_code(GUANYAN), node_by_code(LITANG)
    gy_staff = User.objects.filter(username="demo_community").first()
    lt_staff = User.objects.filter(username="demo_litang").first()
    if guanyan and gy_staff and not Activity.objects.filter(client_key__startswith="demo-gy-").exists():
        with transaction.atomic():
            team = Organisation.objects.filter(community=guanyan, name="官堰社区志愿服务队").first()
            vols = _volunteers(guanyan, "gy", 24)
            demo_res = Resident.objects.filter(user__username="demo_resident").first()
            if demo_res and demo_res not in vols:
                vols = [demo_res, *vols]
            n, m = _past(guanyan, gy_staff, team, vols, today, PAST, "gy")
            for k, (ahead, title, kind, shift_name, cap, hours) in enumerate(UPCOMING):
                day = today + datetime.timedelta(days=ahead)
                services.activity_create(actor=gy_staff, community=guanyan, title=title, kind=kind,
                                         start_at=_at(day, 9), end_at=_at(day, 9 + hours),
                                         shifts=[services.ShiftInput(shift_name, cap)], client_key=f"demo-gy-next-{k}",
                                         address="官堰社区党群服务中心", organiser=team if kind == "service" else None)
            if demo_res is not None:
                first_day = today - datetime.timedelta(days=PAST[0][0])
                services.certificate_issue(actor=gy_staff, resident=demo_res, organiser=team, community=guanyan,
                                           date_from=first_day, date_to=today - datetime.timedelta(days=1),
                                           client_key=f"demo-cert-{demo_res.pk}")
            lines.append(f"· 活动：官堰社区 已办活动{n}场（理发、义诊、法律咨询、家电维修、重阳节汇演、敲门行动），"
                         f"志愿服务{m / 60:.1f}小时；即将开展{len(UPCOMING)}场（居民 demo_resident 可报名）")
    if litang and lt_staff and not Activity.objects.filter(client_key__startswith="demo-lt-").exists():
        team = Organisation.objects.filter(community=litang, name="栗·邻帮志愿服务队").first()
        if team is not None:
            with transaction.atomic():
                vols = _volunteers(litang, "lt", 12)
                for r in vols:
                    OrganisationMember.objects.get_or_create(organisation=team, user=r.user)
                plan = [(70, "栗·邻帮：楼道清洁", "volunteer", "清扫", 8, 2, 0),
                        (40, "栗·邻帮：代买代办", "volunteer", "跑腿", 6, 3, 18),
                        (12, "栗·邻帮：中秋便民集市", "culture", "摊位服务", 10, 4, 200)]
                n, m = _past(litang, lt_staff, team, vols, today, plan, "lt")
                lines.append(f"· 活动：栗塘社区 栗·邻帮志愿服务队{len(vols)}名队员，活动{n}场，服务{m / 60:.1f}小时"
                             f"（账号 lt_vol_01…，密码同上）")
    return lines


def load(stdout=None) -> list[str]:
    return build()
