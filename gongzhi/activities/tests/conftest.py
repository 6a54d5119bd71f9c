import datetime
import uuid
from dataclasses import dataclass

import pytest
from django.utils import timezone

from gongzhi.activities import services
from gongzhi.activities.models import Activity
from gongzhi.points.tests.conftest import pts  # noqa: F401 - the residents and earning rules


@dataclass
class Act:
    pts: object
    activity: Activity
    shift: object
    organiser: object


def make_activity(world, actor, *, capacity=2, start=None, hours=3, **kw):
    start = start or timezone.now() + datetime.timedelta(days=2)
    return services.activity_create(
        actor=actor, community=world.community_a, title=kw.pop("title", "义诊"), kind=kw.pop("kind", "service"),
        start_at=start, end_at=start + datetime.timedelta(hours=hours),
        shifts=kw.pop("shifts", [services.ShiftInput("测血压", capacity)]), client_key=uuid.uuid4().hex,
        address="幸福小区广场", **kw)


@pytest.fixture
def act(pts):  # noqa: F811
    staff = pts.world.users["community_a"]
    a = make_activity(pts.world, staff)
    return Act(pts, a, a.shifts.get(), staff)
