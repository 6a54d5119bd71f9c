import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from gongzhi.core.errors import Conflict
from gongzhi.core.testing import race
from gongzhi.points import services
from gongzhi.points.codes import account_id_from_code, personal_code
from gongzhi.points.models import Account, Entry, EntryKind, Item, Order
from gongzhi.points.selectors import balance_differences

from .conftest import balance, fund, many_residents


def _item(pts, **kw):
    return services.item_create(actor=pts.staff, community=pts.world.community_a, **{"name": "洗衣液", "price": 20, "stock": 3, **kw})


@pytest.mark.django_db
def test_order_takes_stock_and_points_cancel_returns_them(pts):
    fund(pts.alice, 50, pts.staff)
    item = _item(pts)
    acc = services.account_for(pts.alice)
    o = services.redeem(actor=pts.alice.user, item=item, account=acc, quantity=2, client_key="k-0000001")
    assert o.status == Order.Status.PLACED and o.points == 40
    assert services.redeem(actor=pts.alice.user, item=item, account=acc, quantity=2, client_key="k-0000001").pk == o.pk
    item.refresh_from_db()
    assert item.stock == 1 and balance(pts.alice) == 10
    services.order_cancel(actor=pts.alice.user, order=o)
    item.refresh_from_db()
    assert item.stock == 3 and balance(pts.alice) == 50
    assert list(Entry.objects.filter(account=acc).order_by("id").values_list("kind", "amount")) == [
        (EntryKind.EARN, 50), (EntryKind.REDEEM, -40), (EntryKind.CORRECT, 40)]
    with pytest.raises(Conflict):
        services.order_cancel(actor=pts.alice.user, order=o)
    assert not balance_differences()


@pytest.mark.django_db
def test_refusals_write_nothing(pts):
    fund(pts.alice, 30, pts.staff)
    acc = services.account_for(pts.alice)
    item = _item(pts, per_person_limit=1)
    cases = [
        (dict(quantity=2), "limit_reached"),
        (dict(quantity=1, item=_item(pts, name="电饭煲", price=500)), "insufficient_points"),
        (dict(quantity=1, item=_item(pts, name="空", stock=0)), "out_of_stock"),
    ]
    for kw, code in cases:
        with pytest.raises(Conflict) as c:
            services.redeem(**{"actor": pts.alice.user, "item": item, "account": acc, "client_key": uuid.uuid4().hex, **kw})
        assert c.value.conflict_code == code
    with pytest.raises(ValidationError):
        services.redeem(actor=pts.alice.user, item=item, account=acc, quantity=0, client_key=uuid.uuid4().hex)
    with pytest.raises(ValidationError):
        services.redeem(actor=pts.alice.user, item=item, account=acc, quantity=10**9, client_key=uuid.uuid4().hex)
    with pytest.raises(PermissionDenied):  # nobody orders for somebody else on the phone
        services.redeem(actor=pts.bob.user, item=item, account=acc, quantity=1, client_key=uuid.uuid4().hex)
    carol_item = services.item_create(actor=pts.world.users["community_b"], community=pts.world.community_b,
                                      name="乙社区的米", price=1, stock=5)
    with pytest.raises(Conflict):
        services.redeem(actor=pts.alice.user, item=carol_item, account=acc, quantity=1, client_key=uuid.uuid4().hex)
    assert not Order.objects.exists() and balance(pts.alice) == 30


@pytest.mark.django_db
def test_counter_redeems_by_personal_code_and_hands_over(pts):
    fund(pts.alice, 30, pts.staff)
    item = _item(pts)
    acc_id = account_id_from_code(personal_code(services.account_for(pts.alice).pk))
    assert account_id_from_code("garbage") is None and account_id_from_code(personal_code(1) + "x") is None
    acc = Account.objects.get(pk=acc_id)
    with pytest.raises(PermissionDenied):
        services.redeem(actor=pts.alice.user, item=item, account=acc, quantity=1, client_key=uuid.uuid4().hex,
                        channel=Order.Channel.COUNTER)
    o = services.redeem(actor=pts.staff, item=item, account=acc, quantity=1, client_key=uuid.uuid4().hex,
                        channel=Order.Channel.COUNTER)
    assert o.status == Order.Status.COLLECTED
    with pytest.raises(Conflict):
        services.order_cancel(actor=pts.staff, order=o)


@pytest.mark.django_db
def test_item_validation(pts):
    with pytest.raises(ValidationError) as e:
        services.item_create(actor=pts.staff, community=pts.world.community_a, name="", price=0, stock=-1)
    assert set(e.value.message_dict) == {"name", "price", "stock"}
    with pytest.raises(PermissionDenied):
        services.item_create(actor=pts.alice.user, community=pts.world.community_a, name="x", price=1)
    item = _item(pts)
    with pytest.raises(ValidationError):
        services.item_update(actor=pts.staff, item=item, add_stock=-10)
    assert services.item_update(actor=pts.staff, item=item, add_stock=7).stock == 10


@pytest.mark.django_db(transaction=True)
def test_200_concurrent_redemptions_of_the_last_10_items(world):
    """200 residents (each with 15 points, a price of 10) try to take the last 10 items at once:
    exactly 10 succeed, the others hear 库存不足, no balance goes below zero. Run with 20 connections
    (the server allows 100 for every test database on the machine), each sending 10 in turn."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are tested on PostgreSQL")
    from .conftest import Pts, rules

    staff = world.users["community_a"]
    p = Pts(world, None, None, None, None, staff, rules(world, staff))
    residents = many_residents(world, 200)
    for r in residents:
        fund(r, 15, staff)
    item = _item(p, stock=10, price=10)
    accounts = {a.resident_id: a for a in Account.objects.all()}

    def worker(t):
        out = []
        for r in residents[t::20]:
            try:
                services.redeem(actor=r.user, item=item, account=accounts[r.pk], quantity=1, client_key=uuid.uuid4().hex)
                out.append("ok")
            except Conflict as c:
                out.append(c.conflict_code)
        return out

    results = [x for batch in race(20, worker) for x in batch]
    assert results.count("ok") == 10
    assert set(results) == {"ok", "out_of_stock"}
    assert Item.objects.get(pk=item.pk).stock == 0
    assert Order.objects.count() == 10
    assert not Account.objects.filter(balance__lt=0).exists()
    assert not balance_differences()


@pytest.mark.django_db(transaction=True)
def test_one_account_spent_at_once_never_goes_below_zero(pts):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are tested on PostgreSQL")
    fund(pts.alice, 50, pts.staff)
    item = _item(pts, stock=100, price=10)
    acc = services.account_for(pts.alice)

    def go(i):
        try:
            services.redeem(actor=pts.alice.user, item=item, account=acc, quantity=1, client_key=uuid.uuid4().hex)
            return "ok"
        except Conflict as c:
            return c.conflict_code

    results = race(12, go)
    assert results.count("ok") == 5 and balance(pts.alice) == 0
    assert not balance_differences()
