"""Benchmark: an owners' vote of a 5,000-flat compound tallied (Civil Code Art. 278, by head and by area),
and the public board of a community with 1,000 topics, on PostgreSQL.

    .venv/bin/python bench/bench_deliberation.py [--flats 5000] [--topics 1000] [--db-url URL]

Creates (drops first) a dedicated database, migrates it, builds the register, the ballots and the topics
with bulk inserts, then times `tally(vote)` and a render of the board page and counts their queries.
Prints the figures and a final JSON line. Not a timed test: run it on demand.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import bench  # noqa: E402,F401 - bench-only keys when none are set (bench/__init__.py)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gongzhi_bench_deliberation"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--flats", type=int, default=5_000)
    ap.add_argument("--topics", type=int, default=1_000)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = ap.parse_args()
    if args.db_url.startswith("postgres"):
        from bench.bench_evaluation import recreate_database

        recreate_database(args.db_url)
    os.environ["DATABASE_URL"] = args.db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from gongzhi.deliberation.models import (
        Ballot,
        Decision,
        Meeting,
        Owner,
        OwnerRegister,
        Step,
        Topic,
        Vote,
    )
    from gongzhi.deliberation.tally import tally
    from gongzhi.territory.models import Level
    from gongzhi.territory.testing import make_node, make_user

    rnd = random.Random(278)
    admin = make_user("bench-admin", is_superuser=True, is_staff=True)
    prov = make_node(None, Level.PROVINCE, "四川省", "510000000000")
    city = make_node(prov, Level.CITY, "成都市", "510100000000")
    county = make_node(city, Level.COUNTY, "简阳市", "510185000000")
    street = make_node(county, Level.STREET, "石钟镇", "510185114000")
    community = make_node(street, Level.COMMUNITY, "长沟社区", "510185114003")
    compounds = [make_node(community, Level.COMPOUND, f"基准小区{i + 1}") for i in range(10)]
    compound = compounds[0]

    # The register: one flat per row; about one owner in ten holds a second flat.
    t0 = time.perf_counter()
    reg = OwnerRegister.objects.create(compound=compound, imported_by=admin)
    areas = [rnd.randint(5000, 16000) for _ in range(args.flats)]
    owners_area: list[int] = []
    for i, a in enumerate(areas):
        if owners_area and i % 10 == 9:
            owners_area[-1] += a
        else:
            owners_area.append(a)
    Owner.objects.bulk_create([Owner(register=reg, name=f"业主{i}", id_key=f"k{i}", id_masked="*", area_c=a)
                               for i, a in enumerate(owners_area)], batch_size=2000)
    now = timezone.now()
    topic = Topic.objects.create(place=compound, place_path=compound.path, title="使用维修资金", matter="fund_use",
                                 step=Step.CONSULTATION, created_by=admin)
    vote = Vote.objects.create(topic=topic, form="owner", opens_at=now - datetime.timedelta(days=1),
                               closes_at=now + datetime.timedelta(days=1), created_by=admin)
    owner_ids = list(Owner.objects.filter(register=reg).values_list("pk", flat=True))
    Ballot.objects.bulk_create([
        Ballot(vote=vote, voter_key=f"o{pk}", owner_id=pk, choice=rnd.choice(["yes", "yes", "yes", "no", "abstain"]),
               channel="paper", cast_by=admin)
        for pk in owner_ids if rnd.random() < 0.8], batch_size=2000)
    setup_vote_s = time.perf_counter() - t0

    tally(vote)  # warm
    times = []
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            result = tally(vote)
            times.append((time.perf_counter() - t) * 1000)
    tally_queries = len(q)

    # The board: 1,000 topics over ten compounds, in every public step, half with a meeting and a decision.
    t0 = time.perf_counter()
    steps = [Step.NOTICE, Step.CONSULTATION, Step.APPLY, Step.FEEDBACK, Step.CLOSED]
    topics = Topic.objects.bulk_create([
        Topic(place=c, place_path=c.path, title=f"议题{i}", plan_how="方案" * 20, step=steps[i % 5],
              notice_until=now.date(), notice_published_at=now, created_by=admin,
              feedback="已完成" if steps[i % 5] == Step.CLOSED else "",
              feedback_published_at=now if steps[i % 5] == Step.CLOSED else None)
        for i, c in ((i, compounds[i % 10]) for i in range(args.topics))], batch_size=1000)
    Meeting.objects.bulk_create([Meeting(topic=t, starts_at=now, location="议事厅") for t in topics[::2]])
    Decision.objects.bulk_create([Decision(topic=t, method="consensus", text="同意", decided_by=admin)
                                  for t in topics[::2] if t.step in (Step.APPLY, Step.FEEDBACK, Step.CLOSED)])
    setup_board_s = time.perf_counter() - t0
    client = Client(SERVER_NAME="127.0.0.1")
    url = f"/deliberation/board/{community.pk}/"
    client.get(url)
    board_times = []
    for page in (1, 5, 10):
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            r = client.get(f"{url}?page={page}")
            board_times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.status_code
    board_queries = len(q)

    out = {
        "bench": "deliberation", "db": connection.vendor, "flats": args.flats, "owners": len(owners_area),
        "ballots": result.participants, "tally_ms_median": round(statistics.median(times), 2),
        "tally_ms_max": round(max(times), 2), "tally_queries": tally_queries, "outcome": str(result.outcome),
        "topics": Topic.objects.filter(place_path__startswith=community.path).count(),
        "board_ms_median": round(statistics.median(board_times), 2), "board_queries": board_queries,
        "setup_s": round(setup_vote_s + setup_board_s, 2),
    }
    print(f"owners' vote: {args.flats} flats, {len(owners_area)} owners, {result.participants} ballots -> "
          f"{result.outcome}; tally median {out['tally_ms_median']} ms, max {out['tally_ms_max']} ms, "
          f"{tally_queries} queries")
    print(f"public board: {out['topics']} topics; page render median {out['board_ms_median']} ms, "
          f"{board_queries} queries per page")
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
