import pytest


@pytest.fixture
def cats(db):
    from gongzhi.tickets.testing import ensure_catalogue

    return ensure_catalogue()


@pytest.fixture
def submit(world, cats):
    """submit(**kw) -> a ticket filed by the A1 grid worker at hh_a1 unless told otherwise."""
    from gongzhi.tickets.services import ticket_submit

    def _submit(actor=None, **kw):
        kw.setdefault("channel", "hotline")
        kw.setdefault("category", cats["repair"])
        kw.setdefault("description", "一单元楼道的声控灯坏了，晚上很黑")
        if not any(k in kw for k in ("household", "node", "community")):
            kw["household"] = world.hh_a1
        return ticket_submit(actor=actor or world.users["community_a"], **kw)

    return _submit
