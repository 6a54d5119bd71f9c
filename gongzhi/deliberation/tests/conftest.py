import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from gongzhi.deliberation import services
from gongzhi.deliberation.models import Owner, OwnerRegister, Step, Topic
from gongzhi.deliberation.services.register import id_key
from gongzhi.territory.models import Role
from gongzhi.territory.testing import assign, make_household, make_user


@dataclass
class D:
    world: object
    staff: object
    resident: object


@pytest.fixture
def d(world) -> D:
    return D(world, world.users["community_a"], world.users["resident_a1"])


def make_topic(d: D, **kw) -> Topic:
    kw.setdefault("title", "加装健身器材")
    kw.setdefault("plan_how", "在中心花园安装一组健身器材")
    kw.setdefault("options", ["中心花园", "北门空地"])
    return services.topic_create(actor=d.staff, place=kw.pop("place", d.world.compound_a), **kw)


def to_consultation(d: D, topic: Topic) -> Topic:
    """Publish the notice, schedule the meeting, and let the notice period pass."""
    services.topic_publish_notice(actor=d.staff, topic=topic)
    topic.refresh_from_db()
    services.meeting_schedule(actor=d.staff, topic=topic, kind="council",
                              starts_at=timezone.now() + datetime.timedelta(days=8), location="社区议事厅")
    Topic.objects.filter(pk=topic.pk).update(notice_until=timezone.localdate())
    topic.refresh_from_db()
    services.meeting_open(actor=d.staff, topic=topic)
    topic.refresh_from_db()
    assert topic.step == Step.CONSULTATION
    return topic


def make_register(d: D, areas_c: list[int], users: bool = False) -> list[Owner]:
    """Owners of 幸福小区 with the given areas (hundredths of m²); with users, each gets a login."""
    reg = OwnerRegister.objects.create(compound=d.world.compound_a, imported_by=d.staff)
    owners = []
    for i, a in enumerate(areas_c):
        user = make_user(f"owner{i}") if users else None
        owners.append(Owner.objects.create(register=reg, name=f"业主{i}", id_key=id_key(f"K{i}"), id_masked="*",
                                           area_c=a, user=user))
    return owners


def extra_resident(d: D, number: str):
    h = make_household(d.world.unit_a1_1, d.world.micro_a1_1, number)
    u = make_user(f"res{number}")
    assign(u, Role.RESIDENT, h)
    return u, h
