"""A division re-import that moves a community carries its tickets' copied paths along."""

import pytest

from gongzhi.territory.divisions import import_divisions, path_copies
from gongzhi.territory.models import Node
from gongzhi.tickets.models import Ticket


def test_ticket_path_is_a_registered_copy():
    assert (Ticket._meta.db_table, "node_path") in path_copies()


@pytest.mark.django_db
def test_ticket_follows_its_community_when_divisions_move_it(world, submit, tmp_path):
    ticket = submit()
    Node.objects.filter(pk=world.community_a.pk).update(code="990101002001")
    files = {
        "provinces.csv": "code,name\n99,测试省\n",
        "cities.csv": "code,name,provinceCode\n9901,测试市,99\n",
        "areas.csv": "code,name,cityCode,provinceCode\n990101,测试区,9901,99\n",
        "streets.csv": "code,name,areaCode,provinceCode,cityCode\n990101001,测试街道,990101,99,9901\n"
        "990101002,新街道,990101,99,9901\n",
        "villages.csv": "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        "990101001002,乙社区,990101001,99,9901,990101\n990101002001,甲社区,990101002,99,9901,990101\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    import_divisions(tmp_path)
    ticket.refresh_from_db()
    world.hh_a1.refresh_from_db()
    assert ticket.node_path == world.hh_a1.node_path
    assert ticket.node_path.startswith(Node.objects.get(code="990101002000").path)
