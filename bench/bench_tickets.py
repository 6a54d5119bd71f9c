"""Tickets at city scale (issue 3, "Speed"): on PostgreSQL, a generated city (bench.citygen) with
N households and M tickets over five years, then:

  * a grid worker's queue (first page + count) and a street's overdue list: queries and p50/p95 ms;
  * the three rates for a street over a year (the one `ticket_measures` selector): p50/p95 ms;
  * dispatch (分办, routing through territory's answerable_for): p50/p95 ms per ticket;
  * the tickets' job (SLA sweep) over 1,000 overdue tickets: seconds (target < 5 s);
  * intake over HTTP on gunicorn (the production server), 16 concurrent clients: tickets per second
    and p50/p95 latency (target ≥ 150/s, p95 < 100 ms on a 2-core machine).

    .venv/bin/python bench/bench_tickets.py [--households 1000000] [--tickets 10000000]
        [--database-url postgres://postgres@127.0.0.1:5432/gongzhi_bench_tickets] [--runs 200]
        [--http-seconds 20] [--workers 2] [--threads 4] [--clients 16] [--no-http | --http-only]

Tickets are written with COPY (text format, secondary indexes dropped and rebuilt after, all in one
transaction: a failure restores the indexes), only the ticket rows: the reads measured here do not
touch the event history. Runs from an empty database (migrations, then the city). Re-running reuses the city and
the tickets already there (it only tops them up to --tickets), so a second run takes minutes, not hours;
it VACUUMs the ticket table once if its visibility map is mostly unset (the rates are an index-only
scan). Prints figures and one JSON line at the end.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
import bench  # noqa: E402,F401 - bench-only keys when none are set (bench/__init__.py)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/gongzhi_bench_tickets"
YEARS = 5


def ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    with psycopg.connect(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432, user=cfg["USER"] or "postgres",
                         password=cfg["PASSWORD"] or None, dbname="postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone():
            c.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def _ts(dt: datetime.datetime | None) -> str:
    return "\\N" if dt is None else dt.isoformat()


def load_tickets(target: int, *, seed: int = 3) -> dict:
    """Top the city's tickets up to `target` rows with COPY; returns timings."""
    from django.db import connection, transaction
    from django.utils import timezone

    from gongzhi.territory.models import Household, Level, Node, Role, RoleAssignment
    from gongzhi.tickets.models import Ticket
    from gongzhi.tickets.testing import ensure_catalogue

    have = Ticket.objects.count()
    if have >= target:
        return {"tickets": have, "loaded": 0}
    cats = list(ensure_catalogue().values())
    t0 = time.perf_counter()
    comm = dict(Node.objects.filter(level=Level.COMMUNITY).values_list("path", "id"))
    workers = dict(RoleAssignment.objects.filter(role=Role.GRID_WORKER).values_list("grid_id", "user_id"))
    staff = dict(RoleAssignment.objects.filter(role=Role.COMMUNITY_STAFF).values_list("node_id", "user_id"))
    hh = list(Household.objects.values_list("id", "node_path", "micro_grid_id", "micro_grid__parent_id"))
    prep_s = time.perf_counter() - t0
    print(f"  读取 {len(hh):,} 户与角色：{prep_s:.1f} 秒", flush=True)

    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    span = YEARS * 365 * 86400
    cols = ["kind", "channel", "category_id", "title", "description", "community_id", "household_id", "address",
            "node_path", "grid_id", "micro_grid_id", "reporter_name", "reporter_phone", "status", "handling_level",
            "handler_id", "created_at", "updated_at", "respond_by", "resolve_by", "due_at", "responded_at",
            "resolved_at", "closed_at", "resolved_level", "result", "rating", "escalations", "announce_pending"]
    _check_columns(Ticket, cols)
    done_mix = ["closed"] * 90 + ["followed_up"] * 3 + ["resolved"] * 2 + ["rejected"] * 3 + ["merged"] * 2
    open_mix = ["submitted"] * 10 + ["dispatched"] * 30 + ["accepted"] * 25 + ["in_progress"] * 25 + ["reopened"] * 10
    ratings = ["satisfied"] * 80 + ["basic"] * 14 + ["unsatisfied"] * 6
    levels = ["building"] * 35 + ["grid"] * 40 + ["compound"] * 10 + ["community"] * 12 + ["street"] * 3
    channels = ["self", "hotline", "12345", "wechat", "visit", "walk_in", "secretary"]

    def rows():
        for _ in range(target - have):
            h = hh[rng.randrange(len(hh))]
            cat = cats[rng.randrange(len(cats))]
            age = rng.random() ** 1.0 * span
            created = now - datetime.timedelta(seconds=int(age))
            respond_by = created + datetime.timedelta(hours=cat.response_hours)
            resolve_by = created + datetime.timedelta(hours=cat.resolve_hours)
            community_id = comm[h[1][:20]]
            if age > 30 * 86400 or rng.random() < 0.4:
                status = done_mix[rng.randrange(100)]
            else:
                status = open_mix[rng.randrange(100)]
            level = levels[rng.randrange(100)] if status != "submitted" else ""
            handler = workers.get(h[3]) if level in ("building", "grid", "compound") else staff.get(community_id)
            responded = created + datetime.timedelta(hours=rng.random() * cat.response_hours * 1.3)
            resolved = responded + datetime.timedelta(hours=rng.random() * cat.resolve_hours * 1.1)
            responded_at = resolved_at = closed_at = due_at = None
            rating = resolved_level = result = ""
            if status in ("closed", "followed_up", "resolved"):
                responded_at, resolved_at, resolved_level, result = responded, resolved, level, "已办结"
                if status != "resolved":
                    rating = ratings[rng.randrange(100)]
                if status == "closed":
                    closed_at = resolved + datetime.timedelta(days=1)
            elif status in ("rejected", "merged"):
                closed_at, handler, level = created + datetime.timedelta(hours=2), None, ""
            else:
                if status in ("accepted", "in_progress"):
                    responded_at, due_at = responded, resolve_by
                else:
                    due_at = respond_by
            yield "\t".join((
                "demand", channels[rng.randrange(7)], str(cat.pk), cat.name, f"{cat.name}：压测生成的诉求内容",
                str(community_id), str(h[0]), "", h[1], str(h[3]), str(h[2]), "居民", "", status, level,
                str(handler) if handler else "\\N", _ts(created), _ts(created), _ts(respond_by), _ts(resolve_by),
                _ts(due_at), _ts(responded_at), _ts(resolved_at), _ts(closed_at), resolved_level, result, rating, "0",
                "f",
            )) + "\n"

    with connection.cursor() as cur:
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tickets_ticket' "
                    "AND indexname NOT IN (SELECT conname FROM pg_constraint)")
        indexes = cur.fetchall()
    t1 = time.perf_counter()
    # One transaction for drop, load, check and rebuild: PostgreSQL's DDL is transactional, so a
    # failure anywhere (a bad row, a dangling key, Ctrl-C) leaves the table and its indexes as they were.
    with transaction.atomic(), connection.cursor() as cur:
        # Row-by-row FK triggers would cap COPY at a few thousand rows/s: switch them off for the
        # load (superuser), then check every foreign key once, set-based, below.
        cur.execute("SET LOCAL session_replication_role = replica")
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        n = 0
        buf = io.StringIO()
        with cur.cursor.copy(f"COPY tickets_ticket ({', '.join(cols)}) FROM STDIN") as copy:
            for line in rows():
                buf.write(line)
                n += 1
                if n % 20000 == 0:
                    copy.write(buf.getvalue())
                    buf = io.StringIO()
                if n % 1_000_000 == 0:
                    print(f"  COPY {n:,} 行，{time.perf_counter() - t1:.0f} 秒", flush=True)
            copy.write(buf.getvalue())
        cur.execute("SET LOCAL session_replication_role = DEFAULT")
        copy_s = time.perf_counter() - t1
        t2 = time.perf_counter()
        for fk, table in (("category_id", "tickets_category"), ("community_id", "territory_node"),
                          ("household_id", "territory_household"), ("grid_id", "territory_grid"),
                          ("micro_grid_id", "territory_grid"), ("handler_id", "accounts_user")):
            cur.execute(f"SELECT count(*) FROM tickets_ticket t LEFT JOIN {table} r ON r.id = t.{fk} "
                        f"WHERE t.{fk} IS NOT NULL AND r.id IS NULL")
            if cur.fetchone()[0]:
                raise RuntimeError(f"tickets_ticket.{fk}: dangling references after COPY")
        fk_s = time.perf_counter() - t2
        t2 = time.perf_counter()
        cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
        for _, ddl in indexes:
            cur.execute(ddl)
    with connection.cursor() as cur:
        # VACUUM, not just ANALYZE: it sets the visibility map, without which the rates' covering
        # index (ticket_place_created_cov) still visits the heap for every row.
        cur.execute("VACUUM (ANALYZE) tickets_ticket")
    index_s = time.perf_counter() - t2
    print(f"  工单 COPY {n:,} 行：{copy_s:.0f} 秒（{n / copy_s:,.0f} 行/秒）；重建 {len(indexes)} 个索引并 VACUUM ANALYZE："
          f"{index_s:.0f} 秒", flush=True)
    print(f"  外键校验：{fk_s:.0f} 秒", flush=True)
    return {"tickets": have + n, "loaded": n, "copy_s": round(copy_s, 1), "rows_per_s": round(n / copy_s),
            "fk_check_s": round(fk_s, 1), "index_s": round(index_s, 1)}


def timed(fn, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()  # warm
    samples = []
    with CaptureQueriesContext(connection) as q:
        fn()
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {"queries": len(q), "p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2), "max_ms": round(samples[-1], 2)}


def read_benchmarks(sample: dict, runs: int) -> dict:
    from django.core.paginator import Paginator
    from django.db.models import Count
    from django.utils import timezone

    from gongzhi.accounts.models import User
    from gongzhi.territory.models import Node
    from gongzhi.tickets import selectors
    from gongzhi.tickets.measures import ticket_measures
    from gongzhi.tickets.models import OPEN_STATUSES, Ticket

    busiest = (Ticket.objects.filter(status__in=OPEN_STATUSES, handler__username__startswith="city99_")
               .values("handler").annotate(n=Count("pk")).order_by("-n").first())
    worker_id = busiest["handler"] if busiest else sample["grid_worker_user_id"]
    street = Node.objects.get(pk=sample["street_id"])

    def queue():
        user = User.objects.get(pk=worker_id)  # a fresh user per request: scope is computed each time
        page = Paginator(selectors.handler_queue(user), 30).page(1)
        return page.paginator.count, list(page)

    def overdue():
        user = User.objects.get(pk=sample["street_staff_user_id"])
        page = Paginator(selectors.overdue_under(user, street.path), 50).page(1)
        return page.paginator.count, list(page)

    end = timezone.now()
    start = end - datetime.timedelta(days=365)

    def rates():
        return ticket_measures(street, start, end)

    out = {
        "queue": timed(queue, runs), "queue_rows": queue()[0],
        "street_overdue": timed(overdue, runs), "street_overdue_rows": overdue()[0],
        "street_rates_year": timed(rates, max(20, runs // 5)), "street_year_tickets": rates().total,
    }
    return out


def _check_columns(model, cols: list[str]) -> None:
    """Every NOT NULL column without a database default must be in the COPY (a field added later
    would otherwise fail the load on a fresh database)."""
    from django.db.models import NOT_PROVIDED

    missing = [f.column for f in model._meta.concrete_fields if not f.primary_key and not f.null
               and f.db_default is NOT_PROVIDED and f.column not in cols]
    if missing:
        raise SystemExit(f"bench_tickets: COPY leaves out NOT NULL columns {missing}: add them to load_tickets")


def _percentile(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return round(s[max(0, int(len(s) * q) - 1)], 1) if s else 0.0


def _load(url: str, headers: dict, body_fn, seconds: float, clients: int) -> dict:
    """Requests per second and latencies with `clients` keep-alive connections for `seconds`."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    stop = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients

    def run(i):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while time.perf_counter() < stop:
            body = body_fn() if body_fn else None
            t = time.perf_counter()
            conn.request("POST" if body else "GET", parts.path, body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            latencies[i].append((time.perf_counter() - t) * 1000)
            if r.status >= 300:
                errors[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    every = [x for lat in latencies for x in lat]
    if sum(errors):
        raise RuntimeError(f"{sum(errors)} of {len(every)} requests failed at {url}")
    return {"rps": round(len(every) / elapsed, 1), "p50_ms": _percentile(every, 0.5), "p95_ms": _percentile(every, 0.95),
            "requests": len(every)}


_WRK_SCRIPT = """
local counter, tid = 0, 0
function setup(thread) tid = tid + 1; thread:set("tid", tid) end
function init(args) math.randomseed(tid * 7919) end
request = function()
  counter = counter + 1
  local body = string.format(BODY, households[math.random(#households)], tid, counter, os.time())
  return wrk.format("POST", PATH, HEADERS, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %f %f %f %d\\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, e.status + e.connect + e.read + e.write + e.timeout))
end
"""


def _generator(choice: str) -> str:
    import shutil

    if choice == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if choice == "wrk" and not shutil.which("wrk"):
        raise SystemExit("bench_tickets: wrk is not installed (apt-get install wrk)")
    return choice


def _wrk(url: str, token: str, households: list[int], seconds: float, clients: int) -> dict:
    """The same load from wrk (Debian's package): a C client takes about 1 % of a core where the
    Python threads above take a good part of one, on the same two cores as the server."""
    import tempfile
    from urllib.parse import urlsplit

    body = ('{"category":"repair","channel":"visit","household_id":%d,"description":"走访发现楼道灯不亮需要维修",'
            '"idempotency_key":"wrk-%d-%d-%d"}')
    lua = (f"households = {{{','.join(map(str, households))}}}\n"
           f"BODY = {json.dumps(body, ensure_ascii=False)}\nPATH = {json.dumps(urlsplit(url).path)}\n"
           f'HEADERS = {{["Authorization"] = "Bearer {token}", ["Content-Type"] = "application/json"}}\n' + _WRK_SCRIPT)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua)
    try:
        out = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{int(seconds)}s", "-s", f.name, url],
                             capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(f.name)
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    requests, elapsed, p50, p95, errors = line.split()[1:]
    if int(errors):
        raise RuntimeError(f"{errors} of {requests} requests failed at {url}")
    return {"rps": round(int(requests) / float(elapsed), 1), "p50_ms": round(float(p50), 1),
            "p95_ms": round(float(p95), 1), "requests": int(requests)}


def http_benchmark(sample: dict, database_url: str, seconds: float, workers: int, clients: int,
                   threads: int = 1, port: int = 8085, generator: str = "python") -> dict:
    from gongzhi.accounts.models import User
    from gongzhi.accounts.services import token_create
    from gongzhi.territory.models import Household
    from gongzhi.tickets.testing import ensure_catalogue

    ensure_catalogue()
    user = User.objects.get(pk=sample["grid_worker_user_id"])
    _tok, key = token_create(actor=user, name="bench")
    households = list(Household.objects.filter(micro_grid__parent_id=sample["grid_id"]).values_list("id", flat=True))
    env = dict(os.environ, DATABASE_URL=database_url, DEBUG="0", ALLOWED_HOSTS="127.0.0.1")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}",
                               "-w", str(workers), "--threads", str(threads), "--preload", "--log-level", "warning"],
                              cwd=ROOT, env=env)
    try:
        import http.client
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/healthz")
                c.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        seq = iter(range(10**9))
        rng = random.Random(7)

        def intake_body():
            return json.dumps({"category": "repair", "channel": "visit", "household_id": rng.choice(households),
                               "description": "走访发现楼道灯不亮需要维修",
                               "idempotency_key": f"bench-{os.getpid()}-{next(seq)}-{time.time_ns()}"})

        base = f"http://127.0.0.1:{port}"
        _load(f"{base}/api/tickets/", headers, intake_body, 2, clients)  # warm
        if generator == "wrk":
            intake = _wrk(f"{base}/api/tickets/", key, households, seconds, clients)
        else:
            intake = _load(f"{base}/api/tickets/", headers, intake_body, seconds, clients)
    finally:
        server.terminate()
        try:
            server.wait(60)  # gthread workers finish their requests first
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return {"intake_rps": intake["rps"], "intake_p50_ms": intake["p50_ms"], "intake_p95_ms": intake["p95_ms"],
            "requests": intake["requests"], "workers": workers, "threads": threads, "clients": clients,
            "load_generator": generator,
            "seconds": seconds}


def job_benchmarks(sample: dict, overdue: int = 1000, dispatches: int = 200) -> dict:
    """Dispatch p50/p95 (new tickets in the sample community, routed through answerable_for) and
    the SLA sweep's time for `overdue` tickets past their deadline, spread over the city."""
    from django.utils import timezone

    from gongzhi.accounts.models import User
    from gongzhi.territory.models import Household
    from gongzhi.tickets import services
    from gongzhi.tickets.models import OPEN_STATUSES, Status, Ticket
    from gongzhi.tickets.services.sla import sweep
    from gongzhi.tickets.testing import ensure_catalogue

    cats = ensure_catalogue()
    staff = User.objects.get(pk=sample["community_staff_user_id"])
    homes = list(Household.objects.filter(micro_grid__community_id=sample["community_id"])
                 .select_related("micro_grid__community")[:dispatches])
    new = [services.ticket_submit(actor=staff, channel="hotline", category=cats["repair"], household=h,
                                  description="压测：分办耗时的工单内容") for h in homes]
    samples = []
    for t in new:
        t0 = time.perf_counter()
        services.ticket_dispatch(actor=staff, ticket=t)
        samples.append((time.perf_counter() - t0) * 1000)
    now = timezone.now()
    # Overdue tickets across the city: open ones, moved past their deadline.
    # Only these are overdue at `now` (the generated backlog's deadlines are moved past it first).
    Ticket.objects.filter(status__in=OPEN_STATUSES, due_at__lte=now).update(due_at=now + datetime.timedelta(days=30))
    ids = list(Ticket.objects.filter(status__in=[Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS],
                                     due_at__gt=now).order_by("?").values_list("pk", flat=True)[:overdue])
    Ticket.objects.filter(pk__in=ids).update(due_at=now - datetime.timedelta(hours=1))
    t0 = time.perf_counter()
    done = sweep(now=now, limit=len(ids))
    sweep_s = time.perf_counter() - t0
    return {"dispatch_p50_ms": _percentile(samples, 0.5), "dispatch_p95_ms": _percentile(samples, 0.95),
            "dispatches": len(samples), "overdue": len(ids), "escalated": done, "sweep_s": round(sweep_s, 2)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, default=1_000_000)
    ap.add_argument("--tickets", type=int, default=10_000_000)
    ap.add_argument("--database-url", default=os.environ.get("BENCH_TICKETS_DATABASE_URL", DEFAULT_DB))
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--http-seconds", type=float, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (gthread)")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--load-generator", choices=["auto", "wrk", "python"], default="auto",
                    help="who sends the intake load: wrk (Debian's package) when installed, else Python threads")
    ap.add_argument("--port", type=int, default=8085)
    ap.add_argument("--no-jobs", action="store_true", help="skip the dispatch and SLA-sweep figures")
    ap.add_argument("--no-http", action="store_true")
    ap.add_argument("--http-only", action="store_true", help="skip the read benchmarks")
    a = ap.parse_args(argv)
    ensure_database(a.database_url)
    os.environ["DATABASE_URL"] = a.database_url
    from bench.citygen import generate_city

    t = time.perf_counter()
    city = generate_city(households=a.households, database_url=a.database_url, if_exists="reuse", migrate=True)
    print(f"城市：{city['counts']['households']:,} 户，{city['counts']['grids']:,} 个网格（{time.perf_counter() - t:.0f} 秒，"
          f"{'复用' if city.get('reused') else '新建'}）", flush=True)
    result = {"households": city["counts"]["households"], "city": city.get("timings", {})}
    result["load"] = load_tickets(a.tickets)
    ensure_visibility_map()
    if not a.http_only:
        print_reads(result, read_benchmarks(city["sample"], a.runs))
    if not a.no_jobs:
        j = job_benchmarks(city["sample"])
        result["jobs"] = j
        print(f"分办：p50 {j['dispatch_p50_ms']} ms，p95 {j['dispatch_p95_ms']} ms（{j['dispatches']} 件）；"
              f"督办任务：{j['overdue']} 件超时工单 {j['sweep_s']} 秒（升级 {j['escalated']} 件）", flush=True)
    if not a.no_http:
        h = http_benchmark(city["sample"], a.database_url, a.http_seconds, a.workers, a.clients, a.threads, a.port,
                           generator=_generator(a.load_generator))
        result["http"] = h
        print(f"HTTP 受理（gunicorn {h['workers']} 个进程×{h['threads']} 线程，{h['clients']} 个并发连接，"
              f"负载由 {h['load_generator']} 发出，"
              f"{h['seconds']:.0f} 秒）：{h['intake_rps']} 件/秒，p50 {h['intake_p50_ms']} ms，p95 {h['intake_p95_ms']} ms")
    print(json.dumps(result, ensure_ascii=False))
    return 0


def ensure_visibility_map() -> None:
    """A table loaded by an older run of this script was only ANALYZEd: VACUUM it once."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT relallvisible::float / greatest(relpages, 1) FROM pg_class WHERE relname = 'tickets_ticket'")
        if cur.fetchone()[0] < 0.9:
            t = time.perf_counter()
            cur.execute("VACUUM (ANALYZE) tickets_ticket")
            print(f"  VACUUM tickets_ticket：{time.perf_counter() - t:.0f} 秒", flush=True)


def print_reads(result: dict, reads: dict) -> None:
    result["reads"] = reads
    print(f"网格员待办（首页30条+总数）：{reads['queue']['queries']} 次查询，p50 {reads['queue']['p50_ms']} ms，"
          f"p95 {reads['queue']['p95_ms']} ms（{reads['queue_rows']} 件）")
    print(f"街道超时清单（首页50条+总数）：{reads['street_overdue']['queries']} 次查询，p50 {reads['street_overdue']['p50_ms']} ms，"
          f"p95 {reads['street_overdue']['p95_ms']} ms（{reads['street_overdue_rows']:,} 件）")
    print(f"街道一年三率：{reads['street_rates_year']['queries']} 次查询，p50 {reads['street_rates_year']['p50_ms']} ms，"
          f"p95 {reads['street_rates_year']['p95_ms']} ms（{reads['street_year_tickets']:,} 件）")


if __name__ == "__main__":
    raise SystemExit(main())
