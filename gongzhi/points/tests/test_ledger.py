import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.core.errors import Conflict
from gongzhi.points import services
from gongzhi.points.expiry import expire_accounts, expire_community_year, expire_due
from gongzhi.points.models import Account, EarnKind, Entry, EntryKind, ExpiryRun, YearCredit
from gongzhi.points.selectors import balance_differences, household_points, stars

from .conftest import balance, fund, many_residents, rules

pytestmark = pytest.mark.django_db


def test_earn_by_the_rule_in_force_and_once_per_source(pts):
    e = services.earn(resident=pts.alice, kind=EarnKind.VOLUNTEER_HOUR, source_key="signup:1:hours", minutes=135)
    assert e.amount == 22  # 10 per hour × 2h15 = 22.5, rounded down
    again = services.earn(resident=pts.alice, kind=EarnKind.VOLUNTEER_HOUR, source_key="signup:1:hours", minutes=135)
    assert again.pk == e.pk
    assert balance(pts.alice) == 22
    assert Entry.objects.count() == 1
    assert e.rule_version == pts.version


def test_newer_version_applies_from_its_day(pts):
    rules(pts.world, pts.staff, effective_from=datetime.date(2024, 6, 1),
          rules=[services.RuleInput(EarnKind.VOLUNTEER_HOUR, 20)])
    at_old = timezone.make_aware(datetime.datetime(2024, 5, 31, 12))
    at_new = timezone.make_aware(datetime.datetime(2024, 6, 1, 12))
    assert services.earn(resident=pts.alice, kind=EarnKind.VOLUNTEER_HOUR, source_key="a", minutes=60, at=at_old).amount == 10
    assert services.earn(resident=pts.alice, kind=EarnKind.VOLUNTEER_HOUR, source_key="b", minutes=60, at=at_new).amount == 20
    # the new version has no vote rule: nothing is paid
    assert services.earn(resident=pts.alice, kind=EarnKind.VOTE, source_key="c", at=at_new) is None


def test_monthly_cap_trims_then_stops(pts):
    at = timezone.make_aware(datetime.datetime(2025, 3, 10, 9))
    got = [services.earn(resident=pts.alice, kind=EarnKind.VOTE, source_key=f"vote:{i}", at=at) for i in range(5)]
    assert [e.amount if e else None for e in got] == [2, 2, 2, None, None]
    nxt = services.earn(resident=pts.alice, kind=EarnKind.VOTE, source_key="vote:next", at=at + datetime.timedelta(days=30))
    assert nxt.amount == 2


def test_no_rules_no_points(pts):
    assert services.earn(resident=pts.carol, kind=EarnKind.VOLUNTEER_HOUR, source_key="x", minutes=600) is None
    assert not Entry.objects.exists()


def test_source_key_is_unique_in_the_database(pts):
    fund(pts.alice, 5, pts.staff)
    acc = Account.objects.get(resident=pts.alice)
    key = Entry.objects.get().source_key
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(account=acc, amount=1, kind=EntryKind.EARN, source_key=key, created_at=timezone.now())


def test_balance_cannot_go_negative_even_by_hand(pts):
    acc = services.account_for(pts.alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=acc.pk).update(balance=-1)


def test_manual_award_needs_staff_reason_and_acts_once(pts):
    key = uuid.uuid4().hex
    with pytest.raises(PermissionDenied):
        services.manual_award(actor=pts.world.users["community_b"], resident=pts.alice, amount=5, reason="x", client_key=key)
    with pytest.raises(ValidationError) as e:
        services.manual_award(actor=pts.staff, resident=pts.alice, amount=0, reason=" ", client_key=key)
    assert set(e.value.message_dict) == {"amount", "reason"}
    with pytest.raises(ValidationError):
        services.manual_award(actor=pts.staff, resident=pts.alice, amount=5, reason="x", client_key="短")
    a = services.manual_award(actor=pts.staff, resident=pts.alice, amount=5, reason="协助疫苗接种", client_key=key)
    b = services.manual_award(actor=pts.staff, resident=pts.alice, amount=5, reason="协助疫苗接种", client_key=key)
    assert a.pk == b.pk and balance(pts.alice) == 5
    assert a.rule == EarnKind.MANUAL and a.actor == pts.staff and a.note == "协助疫苗接种"


def test_reversal_is_an_entry_once_and_never_below_zero(pts):
    e = fund(pts.alice, 30, pts.staff)
    r = services.entry_reverse(actor=pts.staff, entry=e, reason="重复录入")
    assert r.amount == -30 and r.kind == EntryKind.CORRECT and r.reverses == e
    assert balance(pts.alice) == 0
    with pytest.raises(Conflict) as c:
        services.entry_reverse(actor=pts.staff, entry=e, reason="again")
    assert c.value.conflict_code == "already_reversed"
    with pytest.raises(Conflict):
        services.entry_reverse(actor=pts.staff, entry=r, reason="undo")
    e2 = fund(pts.alice, 10, pts.staff)
    item = services.item_create(actor=pts.staff, community=pts.world.community_a, name="肥皂", price=10, stock=5)
    services.redeem(actor=pts.alice.user, item=item, account=services.account_for(pts.alice), quantity=1,
                    client_key=uuid.uuid4().hex)
    with pytest.raises(Conflict) as c:
        services.entry_reverse(actor=pts.staff, entry=e2, reason="误发")
    assert c.value.conflict_code == "insufficient_points"
    assert balance(pts.alice) == 0
    assert not balance_differences()


def test_household_sum_and_check_command(pts, capsys):
    fund(pts.alice, 7, pts.staff)
    fund(pts.alice_child, 5, pts.staff)
    assert household_points(pts.world.hh_a1) == 12
    call_command("check_points")
    Account.objects.filter(resident=pts.alice).update(balance=99)
    with pytest.raises(Exception, match="不一致"):
        call_command("check_points")
    assert "相差 92" in capsys.readouterr().out


def _at(y, m, d):
    return timezone.make_aware(datetime.datetime(y, m, d, 10))


def test_expiry_takes_what_is_left_of_old_points_once(pts):
    acc = services.account_for(pts.alice)
    services.earn(resident=pts.alice, kind=EarnKind.VOLUNTEER_HOUR, source_key="h1", minutes=600, at=_at(2023, 5, 1))  # 100
    services.earn(resident=pts.alice, kind=EarnKind.VOLUNTEER_HOUR, source_key="h2", minutes=300, at=_at(2024, 5, 1))  # 50
    item = services.item_create(actor=pts.staff, community=pts.world.community_a, name="米", price=30, stock=5)
    services.redeem(actor=pts.alice.user, item=item, account=acc, quantity=1, client_key="order-key-1")  # uses 2023's first
    n, p = expire_community_year(pts.world.community_a, 2023)
    assert (n, p) == (1, 70)
    assert balance(pts.alice) == 50
    assert expire_community_year(pts.world.community_a, 2023) == (0, 0)  # a rerun books nothing twice
    e = Entry.objects.get(kind=EntryKind.EXPIRE)
    assert e.amount == -70 and e.source_key == f"expire:2023:{acc.pk}"
    assert not balance_differences()


def test_periodic_stage_runs_the_due_year_once(pts):
    services.earn(resident=pts.alice, kind=EarnKind.VOLUNTEER_HOUR, source_key="h1", minutes=60, at=_at(2023, 5, 1))
    services.earn(resident=pts.alice, kind=EarnKind.VOLUNTEER_HOUR, source_key="h2", minutes=60, at=_at(2024, 5, 1))
    assert expire_due(now=_at(2024, 12, 31)) == 0  # 2023's points live to the end of 2024
    assert expire_due(now=_at(2025, 1, 1)) == 1
    assert balance(pts.alice) == 10
    assert expire_due(now=_at(2025, 1, 2)) == 0
    assert sorted(ExpiryRun.objects.values_list("year", flat=True)) == [2022, 2023]


def test_run_sla_calls_the_expiry_stage(pts, capsys):
    services.earn(resident=pts.alice, kind=EarnKind.VOLUNTEER_HOUR, source_key="h1", minutes=60, at=_at(2020, 5, 1))
    call_command("run_sla")
    assert "expired 1" in capsys.readouterr().out
    assert balance(pts.alice) == 0


def test_stars_only_with_consent_and_no_identity(pts):
    fund(pts.alice, 50, pts.staff)
    fund(pts.bob, 80, pts.staff)
    services.consent_set(actor=pts.alice.user, account=services.account_for(pts.alice), consent=True)
    with pytest.raises(PermissionDenied):
        services.consent_set(actor=pts.alice.user, account=services.account_for(pts.bob), consent=True)
    now = timezone.now()
    top = stars(pts.world.community_a.path, now - datetime.timedelta(days=1), now + datetime.timedelta(days=1))
    assert top == [{"name": "张三", "earned": 50}]


def test_rule_version_validation(pts):
    with pytest.raises(ValidationError) as e:
        rules(pts.world, pts.staff, effective_from=datetime.date(2020, 1, 1),
              rules=[services.RuleInput("nonsense", 0), services.RuleInput(EarnKind.VOTE, 1, 0)])
    assert "rules" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        rules(pts.world, pts.staff, effective_from=datetime.date(2020, 1, 1))
    assert "effective_from" in e.value.message_dict
    with pytest.raises(PermissionDenied):
        rules(pts.world, pts.world.users["community_b"], effective_from=datetime.date(2021, 1, 1))


def test_communities_due_the_same_year_run_together_and_are_recorded_each(pts):
    services.rule_version_create(actor=pts.world.users["community_b"], community=pts.world.community_b,
                                 effective_from=datetime.date(2020, 1, 1),
                                 rules=[services.RuleInput(EarnKind.VOLUNTEER_HOUR, 10)])
    services.earn(resident=pts.alice, kind=EarnKind.VOLUNTEER_HOUR, source_key="a", minutes=60, at=_at(2023, 5, 1))
    services.earn(resident=pts.bob, kind=EarnKind.VOLUNTEER_HOUR, source_key="b", minutes=120, at=_at(2023, 5, 1))
    services.earn(resident=pts.carol, kind=EarnKind.VOLUNTEER_HOUR, source_key="c", minutes=180, at=_at(2023, 5, 1))
    assert expire_due(now=_at(2025, 1, 1)) == 3
    runs = {r.community_id: (r.entries, r.points) for r in ExpiryRun.objects.filter(year=2023)}
    assert runs == {pts.world.community_a.pk: (2, 30), pts.world.community_b.pk: (1, 30)}
    assert balance(pts.alice) == balance(pts.bob) == balance(pts.carol) == 0
    assert expire_due(now=_at(2025, 1, 2)) == 0


def test_year_credits_are_kept_with_each_credit_and_checked(pts, capsys):
    acc = services.account_for(pts.alice)
    services.earn(resident=pts.alice, kind=EarnKind.VOLUNTEER_HOUR, source_key="h1", minutes=600, at=_at(2023, 5, 1))
    services.earn(resident=pts.alice, kind=EarnKind.VOLUNTEER_HOUR, source_key="h2", minutes=60, at=_at(2023, 12, 31))
    services.earn(resident=pts.alice, kind=EarnKind.VOLUNTEER_HOUR, source_key="h3", minutes=300, at=_at(2024, 5, 1))
    item = services.item_create(actor=pts.staff, community=pts.world.community_a, name="米", price=30, stock=5)
    services.redeem(actor=pts.alice.user, item=item, account=acc, quantity=1, client_key="order-key-1")
    # half past midnight on New Year's Day in Shanghai is 2024's, though it is still 2023 in UTC
    late = timezone.make_aware(datetime.datetime(2024, 1, 1, 0, 30))
    services.earn(resident=pts.alice, kind=EarnKind.VOTE, source_key="v1", at=late)
    got = dict(YearCredit.objects.filter(account=acc).values_list("year", "credited"))
    assert got == {2023: 110, 2024: 52}  # debits do not touch the credit totals
    call_command("check_points")
    YearCredit.objects.filter(account=acc, year=2024).update(credited=10)
    with pytest.raises(Exception, match="不一致"):
        call_command("check_points")
    assert "2024年" in capsys.readouterr().out


def _expiry_queries(pts, n):
    residents = many_residents(pts.world, n, prefix=f"q{n}-")
    for i, r in enumerate(residents):
        services.earn(resident=r, kind=EarnKind.VOLUNTEER_HOUR, source_key=f"q{n}:{i}", minutes=60, at=_at(2023, 5, 1))
    with CaptureQueriesContext(connection) as ctx:
        written, _points = expire_community_year(pts.world.community_a, 2023, chunk=4)
    assert written == n
    return len(ctx.captured_queries)


def test_expiry_queries_are_bounded_by_the_chunks_not_the_accounts(pts):
    # 8 accounts in chunks of 4: per chunk, savepoint + accounts locked + one INSERT … SELECT + one
    # balance update + release = 5; then one more look that finds no account (savepoint, select,
    # release). Every entry is read nowhere; more accounts per chunk add no query.
    assert _expiry_queries(pts, 8) == 2 * 5 + 3
    assert not balance_differences()
    assert expire_community_year(pts.world.community_a, 2023, chunk=4) == (0, 0)


def test_expiry_queries_for_a_partial_last_chunk(pts):
    assert _expiry_queries(pts, 6) == 2 * 5  # a short chunk ends the run
    assert sum(Account.objects.values_list("balance", flat=True)) == 0


@pytest.mark.django_db(transaction=True)
def test_parallel_expiry_books_what_one_connection_books(pts):
    """Stripes of account ids in parallel connections (PostgreSQL) book exactly the entries and balances
    the one-connection run books: every account once, the per-community figures summed right."""
    if connection.vendor != "postgresql":
        pytest.skip("parallel stripes run on PostgreSQL only (SQLite has one writer)")
    residents = many_residents(pts.world, 11, prefix="par-")
    for i, r in enumerate(residents):
        services.earn(resident=r, kind=EarnKind.VOLUNTEER_HOUR, source_key=f"par:{i}", minutes=60 * (i + 1),
                      at=_at(2023, 5, 1))
    services.earn(resident=residents[0], kind=EarnKind.VOLUNTEER_HOUR, source_key="par:later", minutes=60,
                  at=_at(2024, 5, 1))  # 2024's points stay
    before = {a.pk: a.balance for a in Account.objects.all()}
    per = expire_accounts([pts.world.community_a.pk], 2023, chunk=2, workers=3)
    expired = {e.account_id: -e.amount for e in Entry.objects.filter(kind=EntryKind.EXPIRE)}
    assert len(expired) == 11 and per == {pts.world.community_a.pk: (11, sum(expired.values()))}
    first = Account.objects.get(resident=residents[0])
    assert first.balance == 10 and expired[first.pk] == before[first.pk] - 10
    assert all(a.balance == (10 if a.pk == first.pk else 0) for a in Account.objects.filter(pk__in=expired))
    assert not balance_differences()
    assert expire_accounts([pts.world.community_a.pk], 2023, chunk=2, workers=3) == {}  # nothing twice
