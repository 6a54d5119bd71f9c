import pytest
from django.utils import timezone

from gongzhi.demo import visits as demo
from gongzhi.tickets.models import Channel, Ticket
from gongzhi.tickets.testing import ensure_catalogue
from gongzhi.visits.models import Campaign, CampaignHousehold, CareDue, Visit
from gongzhi.visits.testing import tagged_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    return ensure_catalogue()


def test_demo_builds_once_in_a_seed_community(world, catalogue, monkeypatch):
    monkeypatch.setattr(demo, "SEED_CODES", [world.community_a.code])
    monkeypatch.setattr(demo, "GUANYAN", world.community_a.code)
    tagged_resident(world.hh_a1, "孤老甲", "solitary")
    tagged_resident(world.hh_a2, "空巢乙", "empty_nest")
    lines = demo.build()
    assert lines and "甲社区" in lines[0]
    n = Visit.objects.count()
    assert n > 20
    first = Visit.objects.order_by("visited_at").first().visited_at
    assert (timezone.now() - first).days >= 80  # three months back
    assert CareDue.objects.filter(done_on__isnull=True, due_on__lt=timezone.localdate()).exists()  # some overdue
    assert Campaign.objects.count() == 1
    assert CampaignHousehold.objects.exclude(state="pending").exists()
    assert Ticket.objects.filter(channel=Channel.VISIT).exists() or not Visit.objects.filter(
        tags__tag__in=["hazard", "dispute", "need"]).exists()
    assert demo.build() == [] and Visit.objects.count() == n
