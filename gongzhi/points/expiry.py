"""Expiry of points as ledger entries, run by the periodic job (run_sla) and `manage.py expire_points`.

Points earned in year Y expire at the end of year Y + N (N = the community's `expire_after_years` in
the rule version in force). Debits (redemptions, earlier expiries, negative corrections) use the oldest
points first, so what is left of the points credited up to the end of Y is
    credits up to the end of Y + all debits so far = balance − credits after Y,
capped by the balance. The credits after Y come from `YearCredit` (one row per account and year, kept
with every credit), so the run reads a row or two per account, never the entries. Accounts (of every
community due for the same year) with a positive balance are handled in chunks of ids, each chunk in
one transaction under row locks, with a fixed number of queries: the accounts locked, one INSERT …
SELECT that computes and writes their entries, one UPDATE of the balances to what they keep. A
unique source key per account and year makes a rerun (or an interrupted run) book nothing twice."""

import datetime
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Max, Min, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from gongzhi.territory.models import Node

from .models import Account, Entry, EntryKind, ExpiryRun, RuleVersion, YearCredit
from .services import rule_version_in_force

CHUNK = 20000


def expire_community_year(community: Node, year: int, *, now=None, chunk: int = CHUNK) -> tuple[int, int]:
    """Expire what is left of the points the community's accounts earned up to the end of `year`.
    Returns (entries written, points expired)."""
    per = expire_accounts([community.pk], year, now=now, chunk=chunk)
    return per.get(community.pk, (0, 0))


def _insert_sql(n_communities: int) -> str:
    """The expiry entries of one chunk of accounts, computed and written by the database in one
    statement (INSERT … SELECT, which the ORM cannot say). Written with the ORM the run built and
    sent one Entry object per account: at the issue's scale (2.6 M accounts) that Python work alone
    was several minutes against the 60 s the run has. Portable SQL: PostgreSQL and SQLite ≥ 3.35 both
    run it; RETURNING names what was booked. A rerun books nothing twice without ON CONFLICT (which
    cost a speculative insertion per row): an account already expired for the year holds no more than
    its later credits, so the WHERE leaves it out, and the row locks make a concurrent run wait and
    then see that; the unique source key still refuses a double booking outright."""
    entry, acc, credit = Entry._meta.db_table, Account._meta.db_table, YearCredit._meta.db_table
    communities = ", ".join(["%s"] * n_communities)
    return f"""
        INSERT INTO {entry} (account_id, amount, kind, rule, source_key, note, created_at)
        SELECT a.id, COALESCE(l.total, 0) - a.balance, %s, '', CAST(%s AS VARCHAR) || CAST(a.id AS VARCHAR), %s, %s
        FROM {acc} a
        LEFT JOIN (SELECT account_id, SUM(credited) AS total FROM {credit}
                   WHERE year > %s AND account_id >= %s AND account_id <= %s GROUP BY account_id) l
               ON l.account_id = a.id
        WHERE a.id >= %s AND a.id <= %s AND a.community_id IN ({communities}) AND a.balance > COALESCE(l.total, 0)
        RETURNING account_id, amount"""


def _due(community_ids: list[int]):
    """The accounts the run looks at: those of these communities with points left."""
    return Account.objects.filter(community_id__in=community_ids, balance__gt=0)


def expire_accounts(community_ids: list[int], year: int, *, now=None, chunk: int = CHUNK,
                    workers: int | None = None) -> dict[int, tuple[int, int]]:
    """The expiry of `year` for every account of these communities, in chunks of account ids across
    them all (a few large transactions rather than one per community). The id range is cut into
    `workers` stripes (settings.POINTS_EXPIRY_WORKERS), each run in its own thread and connection:
    the work is in the database, so a second connection uses the server's second core. SQLite has one
    writer at a time, so it runs one stripe. Returns, per community, (entries written, points expired)."""
    now = now or timezone.now()
    workers = workers or settings.POINTS_EXPIRY_WORKERS
    if connection.vendor == "sqlite" or workers <= 1:
        return _expire_stripe(community_ids, year, now, chunk, 0, None)
    bounds = _due(community_ids).aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return {}
    step = (bounds["hi"] - bounds["lo"]) // workers + 1
    stripes = [(bounds["lo"] - 1 + i * step, bounds["lo"] - 1 + (i + 1) * step) for i in range(workers)]

    def run(stripe):
        try:
            return _expire_stripe(community_ids, year, now, chunk, *stripe)
        finally:
            connections.close_all()  # this thread's connection

    per: dict[int, tuple[int, int]] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for part in pool.map(run, stripes):
            for community_id, (n, pts) in part.items():
                n0, pts0 = per.get(community_id, (0, 0))
                per[community_id] = (n0 + n, pts0 + pts)
    return per


def _expire_stripe(community_ids: list[int], year: int, now, chunk: int, after: int, upto: int | None
                   ) -> dict[int, tuple[int, int]]:
    """The accounts with after < id <= upto (no upper bound: None), chunk by chunk. Per chunk, in one
    transaction: the accounts with a positive balance locked (a redemption waits, so no balance moves
    between the reading and the writing), the entries written by one INSERT … SELECT, the balances
    set to what they keep in one UPDATE."""
    prefix = f"expire:{year}:"
    note = f"{year}年及以前获得的积分到期"
    sql = _insert_sql(len(community_ids))
    created = connection.ops.adapt_datetimefield_value(now)
    # What an expired account keeps: its credits of the years after `year` (balance + the booked
    # amount, since the amount is exactly what exceeds them; the row lock keeps both still).
    kept = Coalesce(Subquery(YearCredit.objects.filter(account=OuterRef("pk"), year__gt=year).order_by()
                             .values("account").annotate(total=Sum("credited")).values("total")), 0)
    scope = _due(community_ids)
    if upto is not None:
        scope = scope.filter(pk__lte=upto)
    per: dict[int, tuple[int, int]] = {}
    last = after
    while True:
        with transaction.atomic():
            accounts = list(scope.select_for_update().filter(pk__gt=last)
                            .order_by("pk").values_list("pk", "community_id")[:chunk])
            if not accounts:
                break
            lo, last = accounts[0][0], accounts[-1][0]
            with connection.cursor() as cur:
                cur.execute(sql, [EntryKind.EXPIRE.value, prefix, note, created, year, lo, last, lo, last, *community_ids])
                written = cur.fetchall()
            if written:
                Account.objects.filter(pk__in=[a for a, _amount in written]).update(balance=kept)
                community_of = dict(accounts)
                for account_id, amount in written:
                    n, pts = per.get(community_of[account_id], (0, 0))
                    per[community_of[account_id]] = (n + 1, pts - amount)
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
        version = rule_version_in_force(community_id, today)
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
