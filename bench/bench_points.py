"""Benchmark: 微积分 at city scale on PostgreSQL.

    .venv/bin/python bench/bench_points.py [--households 100000] [--entries 20] [--db-url URL] [--port 8087]
                                           [--skip-http] [--reuse]

1. Generates (bench/citygen.py, with residents) a city, one points account per resident, `--entries`
   ledger entries per account spread over three years (earns and redemptions, COPY-speed SQL), stored
   balances equal to the sums, and each community's earning rules (points expire after one year).
2. A resident's balance + last 20 entries (`selectors.account_summary`): queries per call and p50/p95
   over 2,000 random accounts.
3. The expiry run over the city (`expiry.expire_due`, the periodic job's stage): seconds, entries written,
   then `check_points`' comparisons (every balance with its entries, every kept per-year credit total
   with that year's credits).
4. 200 concurrent redemptions of the last 10 items over HTTP (gunicorn, 2 workers × 4 threads, token
   auth): how many succeeded, and that every other answer was 409 "库存不足".
Prints the figures and one JSON line. Not a timed test.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import bench  # noqa: E402,F401 - bench-only keys when none are set (bench/__init__.py)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gongzhi_bench_points"


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def build_ledger(entries_per_account: int) -> dict:
    """Accounts, entries and rules with set-based SQL (a generator, not the product's code path)."""
    import datetime

    from django.conf import settings
    from django.db import connection

    from gongzhi.points.models import EarningRule, EarnKind, RuleVersion
    from gongzhi.territory.models import Level, Node

    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("""
            INSERT INTO points_account (resident_id, community_id, balance, public_consent, created_at)
            SELECT r.id, n.id, 0, (r.id %% 7 = 0), now()
            FROM people_resident r JOIN territory_household h ON h.id = r.household_id
            JOIN territory_node n ON n.path = substr(h.node_path, 1, 20) AND n.level = %s""", [Level.COMMUNITY])
        cur.execute("SELECT count(*) FROM points_account")
        accounts = cur.fetchone()[0]
        # Even entries earn 20 at a time, odd ones redeem 10: balances never dip below zero.
        cur.execute("""
            INSERT INTO points_entry (account_id, amount, kind, rule, source_key, note, created_at)
            SELECT a.id, CASE WHEN g %% 2 = 1 THEN 20 ELSE -10 END,
                   CASE WHEN g %% 2 = 1 THEN 'earn' ELSE 'redeem' END,
                   CASE WHEN g %% 2 = 1 THEN 'volunteer_hour' ELSE '' END,
                   'bench:' || a.id || ':' || g, '',
                   now() - make_interval(days => ((%s - g) * 1095 / %s)::int, mins => (a.id %% 1440)::int)
            FROM points_account a CROSS JOIN generate_series(1, %s) g""",
                    [entries_per_account, entries_per_account, entries_per_account])
        cur.execute("""UPDATE points_account a SET balance = s.total FROM
                       (SELECT account_id, sum(amount) AS total FROM points_entry GROUP BY account_id) s
                       WHERE s.account_id = a.id""")
        # The per-account, per-year credit totals the product keeps with each credit (services._post).
        cur.execute("""INSERT INTO points_yearcredit (account_id, year, credited)
                       SELECT account_id, extract(year FROM created_at AT TIME ZONE %s)::int, sum(amount)
                       FROM points_entry WHERE amount > 0 GROUP BY 1, 2""", [settings.TIME_ZONE])
        cur.execute("SELECT count(*) FROM points_entry")
        entries = cur.fetchone()[0]
        cur.execute("ANALYZE points_account; ANALYZE points_entry; ANALYZE points_yearcredit")
    from gongzhi.accounts.models import User

    staff = User.objects.filter(username__startswith="city99_").first()
    versions = RuleVersion.objects.bulk_create([
        RuleVersion(community=c, number=1, effective_from=datetime.date(2000, 1, 1), expire_after_years=1, created_by=staff)
        for c in Node.objects.filter(level=Level.COMMUNITY)])
    EarningRule.objects.bulk_create([EarningRule(version=v, kind=EarnKind.VOLUNTEER_HOUR, points=10, monthly_cap=200)
                                     for v in versions])
    return {"accounts": accounts, "entries": entries, "communities": len(versions),
            "seconds": round(time.perf_counter() - t, 1)}


def bench_summary(n: int = 2000) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongzhi.points.models import Account
    from gongzhi.points.selectors import account_summary

    lo, hi = Account.objects.order_by("pk").values_list("pk", flat=True)[0], Account.objects.order_by("-pk").values_list("pk", flat=True)[0]
    rnd = random.Random(14)
    times, queries = [], set()
    for _ in range(n):
        pk = rnd.randint(lo, hi)
        t = time.perf_counter()
        with CaptureQueriesContext(connection) as q:
            acc, entries = account_summary(pk)
        times.append((time.perf_counter() - t) * 1000)
        queries.add(len(q))
    times.sort()
    return {"calls": n, "queries_per_call": sorted(queries), "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(n * 0.95)], 2), "max_ms": round(times[-1], 2)}


def bench_expiry(at: str = "") -> dict:
    """The periodic job's expiry stage; with `at` (YYYY-MM-DD), as if run that day (the generated
    ledger spans the last three years, so at the next 1 January the year before this one is due)."""
    import datetime

    from django.db.models import Sum
    from django.utils import timezone

    from gongzhi.points.expiry import expire_due
    from gongzhi.points.models import Entry
    from gongzhi.points.selectors import balance_differences, year_credit_differences

    now = timezone.make_aware(datetime.datetime.fromisoformat(at)) if at else None
    before = -(Entry.objects.filter(kind="expire").aggregate(s=Sum("amount"))["s"] or 0)
    t = time.perf_counter()
    written = expire_due(now=now)
    seconds = time.perf_counter() - t
    expired = -(Entry.objects.filter(kind="expire").aggregate(s=Sum("amount"))["s"] or 0) - before
    t = time.perf_counter()
    diffs = balance_differences()
    year_diffs = year_credit_differences()
    check = time.perf_counter() - t
    again = time.perf_counter()
    rerun = expire_due(now=now)
    return {"seconds": round(seconds, 1), "entries_written": written, "points_expired": expired,
            "check_points_seconds": round(check, 1), "balance_differences": len(diffs),
            "year_credit_differences": len(year_diffs), "rerun_entries": rerun,
            "rerun_seconds": round(time.perf_counter() - again, 2)}


def bench_http(db_url: str, port: int, n: int = 200, stock: int = 10) -> dict:
    from gongzhi.accounts.models import User
    from gongzhi.accounts.services import token_create
    from gongzhi.points import services
    from gongzhi.points.models import Account

    accounts = list(Account.objects.select_related("resident", "community").filter(balance__gte=50)
                    .order_by("community_id", "pk")[: n * 3])
    community = accounts[0].community
    accounts = [a for a in accounts if a.community_id == community.pk][:n]
    keys = []
    for a in accounts:
        r = a.resident
        if r.user_id is None:
            u = User.objects.create(username=f"bench14_{r.pk}", name=r.name)
            r.user = u
            r.save(update_fields=["user"])
        keys.append(token_create(actor=r.user, name="bench")[1])
    staff = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser("bench14_admin", password="x")
    item = services.item_create(actor=staff, community=community, name="最后十件", price=10, stock=stock)
    env = {**os.environ, "DATABASE_URL": db_url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    proc = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2",
                             "--threads", "4", "--preload", "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.5)

        def post(i):
            req = urllib.request.Request(f"http://127.0.0.1:{port}/api/points/items/{item.pk}/orders",
                                         data=json.dumps({"quantity": 1, "client_key": f"bench-{i:05d}-x"}).encode(),
                                         headers={"Authorization": f"Bearer {keys[i]}", "Content-Type": "application/json"},
                                         method="POST")
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    return r.status, json.loads(r.read())
            except urllib.error.HTTPError as e:
                return e.code, json.loads(e.read() or b"{}")

        t = time.perf_counter()
        with ThreadPoolExecutor(max_workers=n) as ex:
            results = list(ex.map(post, range(len(keys))))
        seconds = time.perf_counter() - t
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    ok = sum(1 for s, _ in results if s == 201)
    others = {}
    for s, body in results:
        if s != 201:
            k = f"{s} {body.get('code', '')} {body.get('detail', '')}"
            others[k] = others.get(k, 0) + 1
    item.refresh_from_db()
    return {"requests": len(results), "succeeded": ok, "other_answers": others, "stock_left": item.stock,
            "negative_balances": Account.objects.filter(balance__lt=0).count(), "seconds": round(seconds, 2)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--households", type=int, default=100_000)
    p.add_argument("--entries", type=int, default=20, help="ledger entries per account")
    p.add_argument("--db-url", default=DEFAULT_URL)
    p.add_argument("--port", type=int, default=8087)
    p.add_argument("--skip-http", action="store_true")
    p.add_argument("--expiry-at", default="", help="run the expiry stage as if on this day (YYYY-MM-DD)")
    p.add_argument("--reuse", action="store_true", help="keep the database built by an earlier run")
    args = p.parse_args()
    os.environ["DATABASE_URL"] = args.db_url
    if not args.reuse:
        recreate_database(args.db_url)
    from bench.citygen import generate_city

    t = time.perf_counter()
    city = generate_city(households=args.households, database_url=args.db_url, residents=True,
                         if_exists="reuse", migrate=True, verbose=False)
    out = {"households": city["counts"]["households"], "residents": city["counts"]["residents"],
           "citygen_seconds": round(time.perf_counter() - t, 1)}
    print(f"city: {out}")
    from gongzhi.points.models import Entry

    if not Entry.objects.exists():
        out["ledger"] = build_ledger(args.entries)
        print(f"ledger: {out['ledger']}")
        from django.db import connection

        with connection.cursor() as cur:  # what autovacuum does in production after a bulk load
            cur.execute("VACUUM ANALYZE points_entry")
            cur.execute("VACUUM ANALYZE points_account")
    out["summary"] = bench_summary()
    print(f"balance + last 20 entries: {out['summary']}")
    out["expiry"] = bench_expiry(args.expiry_at)
    print(f"expiry over the city: {out['expiry']}")
    if not args.skip_http:
        out["http"] = bench_http(args.db_url, args.port)
        print(f"200 concurrent redemptions over HTTP: {out['http']}")
    print(json.dumps({"bench": "points", **out}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
