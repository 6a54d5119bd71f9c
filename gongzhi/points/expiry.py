"""Expiry of points as ledger entries, run by the periodic job (run_sla) and `manage.py expire_points`.

Points earned in year Y expire at the end of year Y + N (N = the community's `expire_after_years` in
the rule version in force). Debits (redemptions, earlier expiries, negative corrections) use the oldest
points first, so what is left of the points credited up to the end of Y is
    credits up to the end of Y + all debits so far = balance − credits after Y,
capped by the balance. The credits after Y come from `YearCredit` (one row per account and year, kept
with every credit), so the run reads a row or two per account, never the entries. Accounts (of every
community due for the same year) with a positive balance are handled in chunks of ids, each chunk in
one transaction under row locks, with a fixed number of queries: the accounts, their later credits,
the expiries already booked, one bulk insert and one UPDATE of the balances from the new entries. A
unique source key per account and year makes a rerun (or an interrupted run) book nothing twice."""

import datetime

from django.db import transaction
from django.db.models import CharField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from gongzhi.territory.models import Node

from .models import Account, Entry, EntryKind, ExpiryRun, RuleVersion, YearCredit

CHUNK = 5000
INSERT_BATCH = 5000


def expire_community_year(community: Node, year: int, *, now=None, chunk: int = CHUNK) -> tuple[int, int]:
    """Expire what is left of the points the community's accounts earned up to the end of `year`.
    Returns (entries written, points expired)."""
    per = expire_accounts([community.pk], year, now=now, chunk=chunk)
    return per.get(community.pk, (0, 0))


def expire_accounts(community_ids: list[int], year: int, *, now=None, chunk: int = CHUNK) -> dict[int, tuple[int, int]]:
    """The expiry of `year` for every account of these communities, in chunks of account ids across
    them all (a few large transactions rather than one per community). Returns, per community,
    (entries written, points expired)."""
    now = now or timezone.now()
    prefix = f"expire:{year}:"
    note = f"{year}年及以前获得的积分到期"
    # The expiry entry booked for an account (by its source key): what its balance moves by.
    booked = Subquery(Entry.objects.filter(
        source_key=Concat(Value(prefix), Cast(OuterRef("pk"), CharField()), output_field=CharField()))
        .values("amount")[:1])
    per: dict[int, tuple[int, int]] = {}
    last = 0
    while True:
        with transaction.atomic():
            accounts = list(Account.objects.select_for_update()
                            .filter(community_id__in=community_ids, pk__gt=last, balance__gt=0)
                            .order_by("pk").values_list("pk", "balance", "community_id")[:chunk])
            if not accounts:
                break
            last = accounts[-1][0]
            ids = [a[0] for a in accounts]
            later = dict(YearCredit.objects.filter(account_id__in=ids, year__gt=year).values("account_id")
                         .annotate(total=Sum("credited")).values_list("account_id", "total").order_by())
            done = set(Entry.objects.filter(source_key__in=[f"{prefix}{i}" for i in ids])
                       .values_list("account_id", flat=True))
            entries = []
            for pk, balance, community_id in accounts:
                left = balance - later.get(pk, 0)
                if left > 0 and pk not in done:
                    entries.append(Entry(account_id=pk, amount=-left, kind=EntryKind.EXPIRE,
                                         source_key=f"{prefix}{pk}", note=note, created_at=now))
                    n, pts = per.get(community_id, (0, 0))
                    per[community_id] = (n + 1, pts + left)
            if entries:
                Entry.objects.bulk_create(entries, batch_size=INSERT_BATCH)
                Account.objects.filter(pk__in=[e.account_id for e in entries]).update(balance=F("balance") + booked)
        if len(accounts) < chunk:
            break
    return per


def due_year(version: RuleVersion, today: datetime.date) -> int | None:
    """The latest earning year whose points have expired by `today` (None: the rules keep them)."""
    if not version.expire_after_years:
        return None
    return today.year - version.expire_after_years - 1


def expire_due(*, now=None) -> int:
    """The periodic job's stage: for each community whose rules let points expire, run the expiry of
    the latest year that is due, once (communities due for the same year are run together).
    Returns the number of entries written."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due: dict[int, list[int]] = {}
    for community_id in RuleVersion.objects.values_list("community_id", flat=True).distinct():
        version = (RuleVersion.objects.filter(community_id=community_id, effective_from__lte=today)
                   .order_by("-effective_from", "-number").first())
        year = due_year(version, today) if version else None
        if year is not None:
            due.setdefault(year, []).append(community_id)
    total = 0
    for year, ids in due.items():
        done = set(ExpiryRun.objects.filter(year=year, community_id__in=ids).values_list("community_id", flat=True))
        todo = [i for i in ids if i not in done]
        if not todo:
            continue
        per = expire_accounts(todo, year, now=now)
        ExpiryRun.objects.bulk_create([ExpiryRun(community_id=i, year=year, entries=per.get(i, (0, 0))[0],
                                                 points=per.get(i, (0, 0))[1]) for i in todo], ignore_conflicts=True)
        total += sum(n for n, _p in per.values())
    return total
