"""Demo data for deliberation: `build_demo(stdout=None) -> list[str]` (also `load`, the loader's hook name).

栗塘社区 南国新家园小区 (seed 002): the 红棟力 rule revisions (the student item, the 飞线充电 veto, prams and
wheelchairs) adopted by a 红星议事会 and linked to the rule version they created; fitness equipment (closed
with feedback and ratings), EV charging piles (a household vote under way), an entrance barrier (on notice,
with comments). 长沟社区 长沟新村小区 (seed 000): an owners' register and an owners' vote on using the
maintenance fund, counted as Civil Code Art. 278 says. Safe to run again: a place that already has
topics is left as it is. Dates are moved back with plain updates so that the history reads like months
of work; every change itself goes through the services."""

import datetime
import io
import random

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.core.validators import id_number_check_digit
from gongzhi.deliberation import services
from gongzhi.deliberation.models import Attendance, Decision, Meeting, Party, PlaceSettings, Topic, TopicEvent
from gongzhi.territory.models import Household, Level, Node, Role, RoleAssignment
from gongzhi.tickets.permissions import is_staff_for

LITANG = "430304005006"
CHANGGOU = "510185114003"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def _actor(community: Node, preferred: tuple[str, ...]) -> User | None:
    for username in preferred:
        u = User.objects.filter(username=username, is_active=True).first()
        if u is not None and is_staff_for(u, community.path):
            return u
    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def _residents(compound: Node, n: int) -> list[User]:
    """Resident accounts of n households of the compound (made here when the place has none; no password)."""
    from gongzhi.territory.testing import make_user

    rows = (RoleAssignment.objects.active().filter(role=Role.RESIDENT, household__node_path__startswith=compound.path)
            .select_related("user").order_by("household__node_path", "household__number")[:n])
    users = [ra.user for ra in rows]
    if users:
        return users
    households = Household.objects.filter(node_path__startswith=compound.path).order_by("node_path", "number")[:n]
    for i, h in enumerate(households):
        u = User.objects.filter(username=f"delib_resident_{compound.pk}_{i}").first()
        if u is None:
            u = make_user(f"delib_resident_{compound.pk}_{i}", name=f"{SURNAMES[i % len(SURNAMES)]}{GIVEN[i % len(GIVEN)]}")
            u.set_unusable_password()
            u.save(update_fields=["password"])
            RoleAssignment.objects.create(user=u, role=Role.RESIDENT, household=h)
        users.append(u)
    return users


def _backdate(topic: Topic, days: int) -> None:
    """Spread the topic's history over the last `days` days (demo only)."""
    topic.refresh_from_db()
    events = list(topic.events.order_by("at", "id"))
    now = timezone.now()
    start = now - datetime.timedelta(days=days)
    step = (now - start) / max(len(events), 1)
    for i, e in enumerate(events):
        TopicEvent.objects.filter(pk=e.pk).update(at=start + step * i)
    Topic.objects.filter(pk=topic.pk).update(created_at=start)
    notice = next((e.at for e in topic.events.filter(action="notice_published")), None)
    if notice is not None:
        Topic.objects.filter(pk=topic.pk).update(notice_published_at=notice,
                                                 notice_until=timezone.localdate(notice) + datetime.timedelta(days=7))
        Meeting.objects.filter(topic=topic).update(starts_at=notice + datetime.timedelta(days=8))
    Decision.objects.filter(topic=topic).update(
        decided_at=next((e.at for e in topic.events.filter(action="decided")), timezone.now()))
    if topic.feedback_published_at:
        Topic.objects.filter(pk=topic.pk).update(
            feedback_published_at=next(e.at for e in topic.events.filter(action="feedback_published")))


def _through_notice(actor, topic: Topic, meeting_name: str, kind: str, location: str, invite: list[tuple[str, str]],
                    residents: list[User]) -> Topic:
    services.topic_publish_notice(actor=actor, topic=topic)
    services.meeting_schedule(actor=actor, topic=topic, kind=kind, name=meeting_name, location=location,
                              starts_at=timezone.now() + datetime.timedelta(days=8), capacity=40)
    for name, party in invite:
        services.attendance_invite(actor=actor, topic=topic, name=name, party=party)
    for u in residents[:3]:
        try:
            services.attendance_signup(actor=u, topic=topic)
        except Exception:  # noqa: BLE001 - a resident outside the place in odd demo data
            pass
    return topic


def _open(actor, topic: Topic) -> Topic:
    Topic.objects.filter(pk=topic.pk).update(notice_until=timezone.localdate())
    topic.refresh_from_db()
    services.meeting_open(actor=actor, topic=topic)
    meeting = topic.meeting
    Attendance.objects.filter(meeting=meeting).update(signed_in_at=timezone.now(), signed_in_by=actor)
    return topic


RED_STAR = [("南国新家园小区党支部书记", Party.PARTY_BRANCH), ("业委会主任", Party.OWNERS_COMMITTEE),
            ("南国物业项目经理", Party.PROPERTY), ("党员代表", Party.PARTY_MEMBER), ("居民代表（1栋）", Party.REPRESENTATIVE),
            ("居民代表（5栋）", Party.REPRESENTATIVE)]


def _litang(lines: list[str]) -> None:
    litang = Node.objects.filter(code=LITANG).first()
    compound = litang and Node.objects.filter(path__startswith=litang.path, level=Level.COMPOUND,
                                              name__startswith="南国新家园").order_by("path").first()
    if compound is None or Topic.objects.filter(place=compound).exists():
        return
    actor = _actor(litang, ("demo_litang", "demo_admin"))
    if actor is None:
        return
    residents = _residents(compound, 12)
    PlaceSettings.objects.get_or_create(node=compound, defaults={"notice_days": 7, "cosign_threshold": 5})

    # 1. The 红棟力 rules revised by the residents, through a 红星议事会.
    rules = services.topic_create(
        actor=actor, place=compound, title="修订红棟力评比细则", source="rule_revision",
        source_note="居民对试行版评分细则的意见",
        plan_how="一、“子女考取重点大学”加分改为“考取大学（含大专）”；二、楼道飞线充电实行一票否决；"
                 "三、轮椅、婴儿车不计入楼道堆放杂物。",
        plan_who="小区党支部牵头，业委会、物业、居民代表共同修订", plan_supervise="社区党总支、全体居民",
        participants=[Party.PARTY_BRANCH, Party.OWNERS_COMMITTEE, Party.PROPERTY, Party.REPRESENTATIVE])
    _through_notice(actor, rules, "红星议事会", "council", "南国新家园小区党群服务站", RED_STAR, residents)
    for u, text in zip(residents[:2], ["支持飞线充电一票否决，太危险了", "老人轮椅放楼道不应该扣分"], strict=False):
        services.comment_add(actor=u, topic=rules, text=text)
    _open(actor, rules)
    vote = services.vote_open(actor=actor, topic=rules, form="hands", closes_at=timezone.now() + datetime.timedelta(hours=2))
    services.vote_record_hands(actor=actor, vote=vote, counts={"yes": 17, "no": 0, "abstain": 1})
    services.meeting_minutes(actor=actor, topic=rules, minutes="到会 18 人。逐条讨论三项修订，举手表决：同意 17，弃权 1。")
    services.vote_close(actor=actor, vote=vote)
    decision = services.decision_record(actor=actor, topic=rules, method="vote", vote=vote,
                                        text="通过三项修订，自下月起按新版评分细则评比。")
    services.apply_record(actor=actor, topic=rules, kind="rule_version", note="红棟力评分细则第二版")
    services.feedback_publish(actor=actor, topic=rules, text="新版评分细则已生效并在公示栏张贴，首月评比已按新细则进行。")
    _link_rule_version(compound, decision)
    _backdate(rules, 400)

    # 2. Fitness equipment: decided by consensus, carried out by the property company, fed back.
    fit = services.topic_create(actor=actor, place=compound, title="小区增设健身器材", source="staff",
                                plan_how="在中心花园东侧安装一组户外健身器材（8件）", plan_who="物业公司采购安装",
                                plan_supervise="业委会、楼栋长", options=["中心花园东侧", "北门空地"], budget="18000")
    _through_notice(actor, fit, "红星议事会", "council", "小区中心花园凉亭", RED_STAR, residents)
    _open(actor, fit)
    services.meeting_minutes(actor=actor, topic=fit, minutes="实地查看两处场地，一致同意中心花园东侧。")
    services.decision_record(actor=actor, topic=fit, text="在中心花园东侧安装健身器材一组，物业 30 日内完成。")
    services.apply_record(actor=actor, topic=fit, kind="task", task_owner="南国物业项目经理",
                          task_due=timezone.localdate() + datetime.timedelta(days=30))
    services.feedback_publish(actor=actor, topic=fit, text="8 件健身器材已安装完毕并通过验收，欢迎居民使用。")
    for u, stars in zip(residents, [5, 5, 4, 5, 4], strict=False):
        try:
            services.rating_add(actor=u, topic=fit, stars=stars)
        except Exception:  # noqa: BLE001 - two demo residents of one household
            pass
    _backdate(fit, 120)

    # 3. EV charging piles: a resident's proposal co-signed, now a household vote among options.
    ev = None
    if residents:
        from gongzhi.tickets.permissions import resident_households

        ev = services.topic_propose(actor=residents[0], household=resident_households(residents[0])[0],
                                    title="小区新增新能源汽车充电桩", plan_how="在地面停车场增设充电桩",
                                    options=["地面停车场北侧 10 个", "地下车库 20 个"])
        for u in residents[1:]:
            ev.refresh_from_db()
            if ev.step != "proposal":
                break
            try:
                services.topic_cosign(actor=u, topic=ev)
            except Exception:  # noqa: BLE001 - a household already signed
                pass
        ev.refresh_from_db()
    if ev is not None and ev.step == "draft":
        services.topic_update_plan(actor=actor, topic=ev, plan_who="物业公司联系供电公司和充电运营商",
                                   plan_supervise="业委会")
        _through_notice(actor, ev, "红星议事会", "council", "南国新家园小区党群服务站", RED_STAR, residents)
        _open(actor, ev)
        vote = services.vote_open(actor=actor, topic=ev, form="household", choices="options", secret=True,
                                  closes_at=timezone.now() + datetime.timedelta(days=5))
        for i, u in enumerate(residents[:8]):
            try:
                services.ballot_cast(actor=u, vote=vote, choice=str(i % 3 == 0 and 1 or 0))
            except Exception:  # noqa: BLE001 - two demo residents of one household
                pass

    # 4. An entrance barrier: on the notice board, residents commenting.
    gate = services.topic_create(actor=actor, place=compound, title="小区大门安装车辆道闸", source="staff",
                                 plan_how="在南门安装车牌识别道闸，业主车辆登记后自动通行，外来车辆登记进入",
                                 plan_who="物业公司", plan_supervise="业委会、居民代表", budget="26000")
    _through_notice(actor, gate, "红星议事会", "council", "南国新家园小区党群服务站", RED_STAR, residents)
    for u, text in zip(residents[3:6], ["外卖和快递车辆怎么进？", "希望老人家属探访时登记方便一些", "支持，早该装了"],
                       strict=False):
        services.comment_add(actor=u, topic=gate, text=text)
    lines.append(f"议事协商（{compound.name}）：红棟力细则修订、健身器材已反馈；充电桩表决中；道闸公告中；"
                 f"公示栏 /deliberation/board/{compound.pk}/")


def _link_rule_version(compound: Node, decision) -> None:
    """The 红棟力 rule set's second version was adopted by this decision (the link lives on evaluation's side)."""
    try:
        from gongzhi.evaluation.models import RuleSet
    except ImportError:
        return
    rs = RuleSet.objects.filter(node=compound, kind="ranking").first()
    if rs is None:
        return
    version = rs.versions.order_by("-effective_from").first()
    if version is not None and hasattr(version, "decision_id"):
        type(version).objects.filter(pk=version.pk).update(decision=decision)


def owners_workbook(compound: Node, rnd: random.Random) -> bytes:
    """An owners' register for every household of the compound (a few owners hold two flats)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["楼栋", "单元", "房号", "业主姓名", "专有面积", "身份证号"])
    households = Household.objects.filter(node_path__startswith=compound.path).select_related("node").order_by(
        "node_path", "number")
    owner = None
    for i, h in enumerate(households):
        if owner is None or i % 9:
            first17 = f"510185{1950 + i % 50:04d}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
            owner = (rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN), first17 + id_number_check_digit(first17))
        building = h.node.name if h.node.level == Level.BUILDING else (h.node.parent.name if h.node.parent else "")
        unit = h.node.name if h.node.level == Level.UNIT else ""
        ws.append([building, unit, h.number, owner[0], f"{rnd.randint(6000, 14000) / 100:.2f}", owner[1]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _changgou(lines: list[str]) -> None:
    community = Node.objects.filter(code=CHANGGOU).first()
    compound = community and Node.objects.filter(path__startswith=community.path, level=Level.COMPOUND,
                                                 name__startswith="长沟新村").order_by("path").first()
    if compound is None or Topic.objects.filter(place=compound).exists():
        return
    actor = _actor(community, ("demo_admin",))
    if actor is None:
        return
    rnd = random.Random(278)
    register, errors = services.register_import(actor=actor, compound=compound, data=owners_workbook(compound, rnd))
    if errors:
        lines.append(f"业主名册导入失败：{errors[0]}")
        return
    topic = services.topic_create(
        actor=actor, place=compound, title="使用专项维修资金维修 3、4 栋屋面防水", matter="fund_use",
        plan_how="3、4 栋屋面渗漏，拟使用专项维修资金约 12.6 万元进行屋面防水维修",
        plan_who="业委会委托有资质的施工单位", plan_supervise="业委会、社区、业主代表", budget="126000",
        participants=[Party.PARTY_BRANCH, Party.OWNERS_COMMITTEE, Party.PROPERTY])
    _through_notice(actor, topic, "业主大会", "joint", "长沟新村小区党群服务中心",
                    [("长沟新村小区党支部书记", Party.PARTY_BRANCH), ("业委会主任", Party.OWNERS_COMMITTEE)], [])
    _open(actor, topic)
    vote = services.vote_open(actor=actor, topic=topic, form="owner", secret=False,
                              closes_at=timezone.now() + datetime.timedelta(days=10))
    owners = list(register.owners.order_by("pk"))
    for i, o in enumerate(owners):
        if i % 5 == 4:
            continue  # one owner in five does not vote
        services.ballot_enter_paper(actor=actor, vote=vote, owner=o, choice="no" if i % 7 == 0 else ("abstain" if i % 11 == 0 else "yes"))
    services.vote_close(actor=actor, vote=vote)
    services.decision_record(actor=actor, topic=topic, method="vote", vote=vote,
                             text="业主共同决定：同意使用专项维修资金维修 3、4 栋屋面防水。")
    services.apply_record(actor=actor, topic=topic, kind="task", task_owner="长沟新村业委会",
                          task_due=timezone.localdate() + datetime.timedelta(days=60), note="施工单位比选后开工")
    _backdate(topic, 40)
    Meeting.objects.filter(topic=topic).update(held_at=timezone.now() - datetime.timedelta(days=20))
    lines.append(f"业主表决（{compound.name}）：{len(owners)} 位业主，使用维修资金已表决通过，落实中；"
                 f"公示栏 /deliberation/board/{compound.pk}/")


@transaction.atomic
def build_demo(stdout=None) -> list[str]:
    lines: list[str] = []
    _litang(lines)
    _changgou(lines)
    return lines


load = build_demo
