"""The rule sets the seed articles describe, built through the services (used by the demo and the tests).

Seed 002 (栗塘社区 南国新家园小区, 红“棟”力): five aspects, four parties, monthly ranking, the top three units
carry the rotating red flag, the year's top three by red-flag months get a property-fee subsidy, and the
revisions the residents made in deliberation. Figures the article does not give (points per item, the
award's subsidy rate) are illustrative and marked so in docs/evaluation.md.
"""

import datetime
from decimal import Decimal

from gongzhi.territory.models import Node

from . import services
from .models import (
    Category,
    CompoundType,
    ItemKind,
    PeriodKind,
    RuleItem,
    RuleSet,
    RuleVersion,
    SetKind,
    SubjectType,
)

KEY_UNIVERSITY = "本年度考取重点大学的学子所在单元予以加分"
ANY_UNIVERSITY = "本年度考取大学（含大专）的学子所在单元予以加分"
FLYING_WIRE = "有飞线充电行为的单元实行一票否决"
WHEELCHAIRS = "轮椅及婴儿车等居民生活必需品不作为楼道杂物扣分"

HONGDONGLI_V1 = [
    # kind, category, description, points, cap
    (ItemKind.DEDUCTION, Category.DISPUTES, "单元内发生邻里矛盾纠纷未及时化解的，每起扣5分", 5, 10),
    (ItemKind.BONUS, Category.DISPUTES, "主动参与调解邻里矛盾纠纷的，每次加2分", 2, 4),
    (ItemKind.DEDUCTION, Category.CIVILITY, "高空抛物、乱贴乱画等不文明行为，每次扣3分", 3, 9),
    (ItemKind.BONUS, Category.CIVILITY, "参加红星议事会等议事协商的，每人次加1分", 1, 5),
    (ItemKind.BONUS, Category.FAMILY, KEY_UNIVERSITY, 5, 10),
    (ItemKind.BONUS, Category.FAMILY, "获评慈孝家庭等家风荣誉的，每户加3分", 3, 6),
    (ItemKind.SCORE, Category.SANITATION, "楼道、门前卫生整洁，无乱扔垃圾", 10, None),
    (ItemKind.DEDUCTION, Category.SANITATION, "楼道堆放杂物，每处扣2分", 2, 10),
    (ItemKind.BONUS, Category.VOLUNTEERING, "参加栗·邻帮志愿服务，每人次加1分", 1, 5),
]


def build_hongdongli(*, actor, compound: Node, name: str = "文明单元“红棟力”评比") -> tuple[RuleSet, RuleVersion, RuleVersion]:
    """The rule set with version 1 (the pilot, April 2023) and version 2 (the residents' revisions)."""
    rs = services.rule_set_create(actor=actor, node=compound, name=name, kind=SetKind.RANKING,
                                  subject_type=SubjectType.UNIT, period_kind=PeriodKind.MONTH,
                                  description="集体认同、倡导为先、积分考核、奖惩并举")
    v1 = services.version_create(
        actor=actor, rule_set=rs, effective_from=datetime.date(2023, 4, 1),
        adopted_by="红星议事会：南国新家园小区文明单元“红棟力”评比实施细则（试点）",
        adopted_on=datetime.date(2023, 3, 28), base_points=Decimal("100"), top_n=3, top_title="流动红旗",
        award_count=3, award_subsidy_percent=Decimal("10"), role_subsidy_percent=Decimal("10"))
    for kind, cat, text, pts, cap in HONGDONGLI_V1:
        services.item_add(actor=actor, version=v1, kind=kind, category=cat, description=text, points=pts, cap=cap)
    v2 = revise_hongdongli(actor=actor, rule_set=rs)
    return rs, v1, v2


def revise_hongdongli(*, actor, rule_set: RuleSet, effective_from: datetime.date = datetime.date(2024, 1, 1)) -> RuleVersion:
    """Seed 002's revisions, exactly as the article states them."""
    v2 = services.version_create(
        actor=actor, rule_set=rule_set, effective_from=effective_from,
        adopted_by="共建议事会：居民集中讨论修订评分细则", adopted_on=effective_from - datetime.timedelta(days=10),
        summary="“三长”补贴在10%的基础上再提高10%；考取大学（含大专）即加分；飞线充电一票否决；轮椅、婴儿车不算楼道杂物",
        role_subsidy_extra_percent=Decimal("10"))
    old = RuleItem.objects.get(version=v2, description=KEY_UNIVERSITY)
    services.item_revise(actor=actor, item=old, description=ANY_UNIVERSITY)
    services.item_add(actor=actor, version=v2, kind=ItemKind.VETO, category=Category.SAFETY, description=FLYING_WIRE)
    services.item_add(actor=actor, version=v2, kind=ItemKind.EXEMPTION, category=Category.SANITATION,
                      description=WHEELCHAIRS)
    return v2


MICRO_CRITERIA = [  # seed 004: 楼道卫生、公共环境、绿化管理、规范停车及居民行为规范
    (Category.CORRIDOR, "楼道卫生：楼道整洁、无堆放杂物"),
    (Category.ENVIRONMENT, "公共环境：道路、公共区域干净有序"),
    (Category.GREENING, "绿化管理：绿地养护良好、无毁绿种菜"),
    (Category.PARKING, "规范停车：车辆停放有序、不占消防通道"),
    (Category.CONDUCT, "居民行为规范：文明礼让、邻里和睦"),
]


def build_micro_contest(*, actor, community: Node, year: int) -> RuleSet:
    rs = services.rule_set_create(actor=actor, node=community, name="“微评比”最美小区", kind=SetKind.CONTEST,
                                  subject_type=SubjectType.COMPOUND, period_kind=PeriodKind.YEAR)
    v = services.version_create(actor=actor, rule_set=rs, effective_from=datetime.date(year, 1, 1),
                                adopted_by="居民议事会：“微评比”评比办法", top_n=1, top_title="最美小区",
                                award_count=0)
    for cat, text in MICRO_CRITERIA:
        services.item_add(actor=actor, version=v, kind=ItemKind.SCORE, category=cat, description=text, points=20)
    return rs


def build_filial_families(*, actor, community: Node, year: int) -> RuleSet:
    rs = services.rule_set_create(actor=actor, node=community, name="“十佳慈孝家庭”评选", kind=SetKind.CONTEST,
                                  subject_type=SubjectType.HOUSEHOLD, period_kind=PeriodKind.YEAR)
    v = services.version_create(actor=actor, rule_set=rs, effective_from=datetime.date(year, 1, 1),
                                adopted_by="居民议事会：“慈孝”品牌“微典型”评选", top_n=10, top_title="十佳慈孝家庭",
                                award_count=0)
    for cat, text, pts in [(Category.FILIAL, "孝老爱亲、赡养照料老人", 40), (Category.FAMILY, "家风家教良好", 30),
                           (Category.CIVILITY, "邻里互助、热心公益", 30)]:
        services.item_add(actor=actor, version=v, kind=ItemKind.SCORE, category=cat, description=text, points=pts)
    return rs


STAR_CRITERIA = {  # seed 003: 组织建设、队伍建设、服务质量等4项; the fourth is illustrative
    CompoundType.COMMERCIAL: [(Category.ORGANISATION, "组织建设：建立党组织、参与小区议事", 20),
                              (Category.TEAM, "队伍建设：人员配备齐全、持证上岗", 20),
                              (Category.SERVICE, "服务质量：保洁、绿化、秩序维护、设施维修", 40),
                              (Category.SATISFACTION, "群众满意度", 20)],
    CompoundType.OLD: [(Category.ORGANISATION, "组织建设：党组织引领、配合老旧小区改造", 25),
                       (Category.TEAM, "队伍建设：专人负责、响应及时", 20),
                       (Category.SERVICE, "服务质量：管网疏通、漏水及电路报修处理", 35),
                       (Category.SATISFACTION, "群众满意度", 20)],
    CompoundType.RESETTLEMENT: [(Category.ORGANISATION, "组织建设：党组织引领、与业委会（自管委）协同", 25),
                                (Category.TEAM, "队伍建设：吸纳本小区居民就业", 15),
                                (Category.SERVICE, "服务质量：环境整治、安全巡查", 40),
                                (Category.SATISFACTION, "群众满意度", 20)],
}


def build_star_rating(*, actor, node: Node, compound_type: str, year: int) -> RuleSet:
    label = CompoundType(compound_type).label
    rs = services.rule_set_create(actor=actor, node=node, name=f"星级物业评定（{label}）", kind=SetKind.STAR,
                                  subject_type=SubjectType.PROPERTY, period_kind=PeriodKind.YEAR,
                                  compound_type=compound_type)
    v = services.version_create(actor=actor, rule_set=rs, effective_from=datetime.date(year, 1, 1),
                                adopted_by="物业行业综合党委：星级物业企业评选标准", top_n=0, top_title="",
                                award_count=0, star_thresholds="60,70,80,90,95")
    for cat, text, pts in STAR_CRITERIA[compound_type]:
        services.item_add(actor=actor, version=v, kind=ItemKind.SCORE, category=cat, description=text, points=pts)
    return rs
