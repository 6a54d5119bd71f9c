import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.evaluation import seed_rules, services
from gongzhi.evaluation.models import ItemKind, RuleItem, RuleVersion, SubjectType


@pytest.mark.django_db
def test_seed_002_revisions_are_expressed_exactly(hd):
    v1_texts = [i.description for i in hd.items(hd.v1)]
    v2_texts = [i.description for i in hd.items(hd.v2)]
    assert "本年度考取重点大学的学子所在单元予以加分" in v1_texts
    assert "本年度考取大学（含大专）的学子所在单元予以加分" not in v1_texts
    assert "本年度考取大学（含大专）的学子所在单元予以加分" in v2_texts
    assert "本年度考取重点大学的学子所在单元予以加分" not in v2_texts
    revised = hd.v2.items.get(description="本年度考取大学（含大专）的学子所在单元予以加分")
    assert revised.kind == ItemKind.BONUS
    assert revised.derived_from.description == "本年度考取重点大学的学子所在单元予以加分"
    assert revised.derived_from.version == hd.v1
    veto = hd.v2.items.get(kind=ItemKind.VETO)
    assert veto.description == "有飞线充电行为的单元实行一票否决"
    assert not hd.v1.items.filter(kind=ItemKind.VETO).exists()
    exemption = hd.v2.items.get(kind=ItemKind.EXEMPTION)
    assert exemption.description == "轮椅及婴儿车等居民生活必需品不作为楼道杂物扣分"
    assert exemption.points is None and not exemption.is_scored
    # 三长: 10% before, 10% raised by another 10% after.
    assert (hd.v1.role_subsidy_percent, hd.v1.role_subsidy_extra_percent) == (Decimal("10"), Decimal("0"))
    assert (hd.v2.role_subsidy_percent, hd.v2.role_subsidy_extra_percent) == (Decimal("10"), Decimal("10"))
    assert hd.v2.role_subsidy_total == Decimal("20")
    # The pilot version ends the day before the revision takes effect; adopted-by is recorded.
    hd.v1.refresh_from_db()
    assert hd.v1.effective_to == datetime.date(2023, 12, 31)
    assert hd.v2.effective_from == datetime.date(2024, 1, 1) and hd.v2.effective_to is None
    assert "红星议事会" in hd.v1.adopted_by and "共建议事会" in hd.v2.adopted_by


@pytest.mark.django_db
def test_overlapping_version_refused_and_nothing_written(hd):
    before = RuleVersion.objects.count(), RuleItem.objects.count()
    with pytest.raises(ValidationError) as e:
        services.version_create(actor=hd.staff, rule_set=hd.rule_set, effective_from=datetime.date(2023, 6, 1),
                                effective_to=datetime.date(2023, 8, 31), adopted_by="某次会议")
    assert "与第1版（2023-04-01 至 2023-12-31）重叠" in str(e.value)
    assert (RuleVersion.objects.count(), RuleItem.objects.count()) == before
    hd.v1.refresh_from_db()
    assert hd.v1.effective_to == datetime.date(2023, 12, 31)


@pytest.mark.django_db
def test_new_version_cannot_start_inside_periods_already_scored(hd):
    hd.open(datetime.date(2024, 3, 5))
    with pytest.raises(ValidationError) as e:
        services.version_create(actor=hd.staff, rule_set=hd.rule_set, effective_from=datetime.date(2024, 2, 1),
                                adopted_by="某次会议")
    assert "第2版已用于" in str(e.value)
    assert hd.rule_set.versions.count() == 2


@pytest.mark.django_db
def test_version_used_by_a_period_is_frozen(hd):
    hd.open(datetime.date(2023, 10, 1))
    with pytest.raises(ValidationError) as e:
        services.item_add(actor=hd.staff, version=hd.v1, kind=ItemKind.BONUS, category="civility",
                          description="新条目", points=1)
    assert "已用于考评" in str(e.value)
    with pytest.raises(ValidationError):
        services.item_remove(actor=hd.staff, item=hd.items(hd.v1)[0])
    assert hd.v1.items.count() == len(seed_rules.HONGDONGLI_V1)


@pytest.mark.django_db
def test_item_validation(hd):
    v3 = services.version_create(actor=hd.staff, rule_set=hd.rule_set, effective_from=datetime.date(2025, 1, 1),
                                 adopted_by="议事会")
    with pytest.raises(ValidationError, match="须填写大于0的分值"):
        services.item_add(actor=hd.staff, version=v3, kind=ItemKind.DEDUCTION, category="sanitation",
                          description="乱扔垃圾")
    with pytest.raises(ValidationError, match="每期上限不能小于单次分值"):
        services.item_add(actor=hd.staff, version=v3, kind=ItemKind.DEDUCTION, category="sanitation",
                          description="乱扔垃圾", points=5, cap=2)
    item = services.item_add(actor=hd.staff, version=v3, kind=ItemKind.DEDUCTION, category="sanitation",
                             description="乱扔垃圾，每次扣1分", points=1, cap=3)
    assert item.max_value == Decimal("3") and item.position == v3.items.count()


@pytest.mark.django_db
def test_other_community_staff_cannot_write_rules(hd, world):
    other = world.users["community_b"]
    with pytest.raises(PermissionDenied):
        services.rule_set_create(actor=other, node=world.compound_a, name="x", subject_type=SubjectType.UNIT)
    with pytest.raises(PermissionDenied):
        services.version_create(actor=other, rule_set=hd.rule_set, effective_from=datetime.date(2026, 1, 1),
                                adopted_by="x")
    with pytest.raises(PermissionDenied):
        hd.open.__func__(type("X", (), {"staff": other, "rule_set": hd.rule_set})())


@pytest.mark.django_db
def test_subject_type_must_fit_the_node(world):
    with pytest.raises(ValidationError, match="不能评比"):
        services.rule_set_create(actor=world.users["community_a"], node=world.unit_a1_1, name="x",
                                 subject_type=SubjectType.UNIT)
