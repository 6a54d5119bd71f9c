import datetime

import pytest
from django.utils import timezone

from gongzhi.activities.models import Activity, SignUp
from gongzhi.demo import activities as activities_demo
from gongzhi.demo import points as points_demo
from gongzhi.points.models import Entry, Item
from gongzhi.points.selectors import balance_differences
from gongzhi.points.tests.conftest import many_residents

pytestmark = pytest.mark.django_db


def test_demo_builders_on_a_small_world(world):
    staff = world.users["community_a"]
    rs = many_residents(world, 6)
    for r in rs:
        r.birth_date = datetime.date(1970, 1, 1)
        r.save()
    today = timezone.localdate()
    lines = points_demo.build_points(world.community_a, staff, today=today)
    assert "积分超市物品5种" in lines[0]
    assert points_demo.build_points(world.community_a, staff, today=today)[0].endswith("跳过")
    assert Item.objects.filter(community=world.community_a).count() == 5
    n, minutes = activities_demo._past(world.community_a, staff, None, rs, today, activities_demo.PAST[:2], "t")
    assert n == 2 and minutes > 0
    assert Activity.objects.count() == 2 and SignUp.objects.filter(minutes__gt=0).exists()
    assert Entry.objects.filter(rule="volunteer_hour").exists()  # the check-outs granted hour points
    assert not balance_differences()
    assert activities_demo.build() == [] and points_demo.build() == []  # no seed communities here: nothing
