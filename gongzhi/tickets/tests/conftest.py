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


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def flow(world, submit):
    """flow(status) -> a ticket at hh_a1 (reported by resident_a1) moved to that status."""
    from gongzhi.tickets import services

    u = world.users

    def _flow(status="submitted", **kw):
        kw.setdefault("reporter", u["resident_a1"])
        t = submit(**kw)
        steps = ["dispatched", "accepted", "resolved", "followed_up", "closed"]
        if status == "submitted":
            return t
        services.ticket_dispatch(actor=u["community_a"], ticket=t)
        for s in steps[1:steps.index(status) + 1] if status in steps else []:
            if s == "accepted":
                services.ticket_accept(actor=u["grid_a1"], ticket=t)
            elif s == "resolved":
                services.ticket_resolve(actor=u["grid_a1"], ticket=t, result="已处理完毕")
            elif s == "followed_up":
                services.ticket_follow_up(actor=u["community_a"], ticket=t, rating="satisfied")
            elif s == "closed":
                services.ticket_close(actor=u["community_a"], ticket=t)
        t.refresh_from_db()
        return t

    return _flow
