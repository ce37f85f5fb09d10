"""Scores API latency on a province-sized history: 10 million responses, 1,000 offices, 90 days.

    .venv/bin/python bench/scores.py            # SQLite and PostgreSQL, 10,000,000 responses
    .venv/bin/python bench/scores.py --quick    # 300,000 responses; writes nothing

The database is generated once (rows and their rollups, bulk-inserted, consistent with each
other) and cached under the system temp folder (``hailong-bench-cache``), so a second run only
measures: the first run takes about 10-15 minutes on a 2-core machine, later ones a minute or
two. The real hub (``hailong hub run``) then serves ``GET /api/v1/offices/{office}/scores`` for
today, the last 30 days and the last 90 days of random offices; p50/p95/p99 are reported.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import HubProcess, fleet_response, machine, parse_runs, spread, start_broker, write_section

from hub.admin.accounts import Accounts
from hub.store import Store

CACHE = Path(tempfile.gettempdir()) / "hailong-bench-cache"
COUNTERS = 3  # counters (one kiosk each) per office; one officer on duty per counter
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# Answer patterns drawn from: the same mix as a real fleet, without drawing each of 10 million.
PATTERNS = 5000


def patterns(seed: int) -> list[tuple[str, dict[str, Any]]]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    out = []
    for _ in range(PATTERNS):
        answers = fleet_response(rng, "o", "k", 1, "1", "cb", now)["answers"]
        out.append((json.dumps(answers, separators=(",", ":"), sort_keys=True), answers))
    return out


def office_days(total: int, offices: int, days: int, seed: int) -> Iterator[tuple[int, date, int]]:
    """(office index, day, responses) with busy and quiet offices, summing to ``total``."""
    rng = random.Random(seed)
    weights = [rng.uniform(0.2, 1.8) for _ in range(offices)]
    scale = total / (sum(weights) * days)
    today = datetime.now(ZONE).date()
    remaining = total
    cells = [(o, today - timedelta(days=d)) for o in range(offices) for d in range(days)]
    for index, (office, day) in enumerate(cells):
        count = remaining if index == len(cells) - 1 else min(remaining, round(weights[office] * scale))
        remaining -= count
        yield office, day, count


def generate(total: int, offices: int, days: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """Per office: its rows (as tuples) and its rollup rows, consistent with each other."""
    pool = patterns(seed)
    rng = random.Random(seed)
    per_office: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for office, day, count in office_days(total, offices, days, seed):
        per_office[office].append((day, count))
    for office, spans in per_office.items():
        name = f"office-{office:04d}"
        rows: list[tuple[Any, ...]] = []
        counts: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
        ratings: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * 7)
        choices: dict[tuple[Any, ...], int] = defaultdict(int)
        seqs = [0] * COUNTERS
        for day, count in sorted(spans):
            opening = datetime(day.year, day.month, day.day, 7, 30, tzinfo=ZONE)
            for i in range(count):
                counter = i % COUNTERS
                seqs[counter] += 1
                text, answers = pool[rng.randrange(PATTERNS)]
                at = opening + timedelta(seconds=int(i * 32_400 / max(count, 1)))
                stamp = at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
                complete = rng.random() > 0.05
                officer = f"cb-{counter + 1}"
                rows.append((f"{office:08x}-{day.toordinal() % 65536:04x}-4{counter:03x}-8{i % 4096:03x}-"
                             f"{rng.getrandbits(48):012x}", name, f"k{counter + 1}",
                             seqs[counter], str(counter + 1), officer, "tap", "sipas@1", "vi",
                             stamp, stamp, stamp, day.isoformat(), complete, None, None, None,
                             text, f"{rng.getrandbits(256):064x}", ""))
                cell = (name, day.isoformat(), str(counter + 1), officer, "sipas@1")
                counts[cell][0] += 1
                counts[cell][1] += complete
                for question, value in answers.items():
                    if isinstance(value, int):
                        acc = ratings[(*cell, question)]
                        acc[0] += 1
                        acc[1] += value
                        acc[1 + value] += 1
                    else:
                        for choice in value:
                            choices[(*cell, question, choice)] += 1
        yield {"office": name, "rows": rows,
               "responses": [(*k, v[0], v[1], 0, 0, 0) for k, v in counts.items()],
               "ratings": [(*k, *v) for k, v in ratings.items()],
               "choices": [(*k, v) for k, v in choices.items()],
               "kiosks": [(name, f"k{c + 1}", seqs[c]) for c in range(COUNTERS)]}


RESPONSE_COLUMNS = ("id", "office", "kiosk", "seq", "counter", "officer", "trigger",
                    "questionnaire", "lang", "started_at", "submitted_at", "received_at", "day",
                    "complete", "receipt_h", "receipt_unit", "receipt_date", "answers", "digest",
                    "flags")
ROLLUPS = {
    "rollup_responses": ("office", "day", "counter", "officer", "questionnaire", "n", "complete",
                         "skewed", "ungated", "unknown"),
    "rollup_ratings": ("office", "day", "counter", "officer", "questionnaire", "question", "n",
                       "total", "d1", "d2", "d3", "d4", "d5"),
    "rollup_choices": ("office", "day", "counter", "officer", "questionnaire", "question",
                       "choice", "n"),
}
SECONDARY_INDEXES = ("ix_responses_office_day", "ix_responses_kiosk_seq")


def build(url: str, total: int, offices: int, days: int) -> None:
    """Create the schema with Alembic, then bulk-load rows and rollups."""
    store = Store(url)
    store.upgrade()
    postgres = store.dialect == "postgresql"
    store.close()
    started = time.monotonic()
    loaded = 0
    if postgres:
        import psycopg

        conninfo = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo) as conn:
            for index in SECONDARY_INDEXES:
                conn.execute(f"DROP INDEX IF EXISTS {index}")
            for part in generate(total, offices, days):
                _copy(conn, "responses", RESPONSE_COLUMNS, part["rows"])
                for table, columns in ROLLUPS.items():
                    _copy(conn, table, columns, part[table.replace("rollup_", "")])
                _copy(conn, "offices", ("id", "name", "province", "timezone", "kind", "registered",
                                        "gating"),
                      [(part["office"], part["office"], f"p{int(part['office'][-4:]) % 10}", "",
                        "admin", True, False)])
                _copy(conn, "kiosks", ("office", "kiosk", "registered", "counter", "max_seq",
                                       "received", "state", "version", "questionnaire", "outbox",
                                       "scanner", "rejected"),
                      [(o, k, True, k[1:], s, s, "online", "0.1.0", "sipas@1", 0, "ok", 0)
                       for o, k, s in part["kiosks"]])
                loaded += len(part["rows"])
                _progress(loaded, total, started)
            conn.execute("CREATE INDEX ix_responses_office_day ON responses (office, day)")
            conn.execute("CREATE INDEX ix_responses_kiosk_seq ON responses (office, kiosk, seq)")
            conn.execute("ANALYZE")
    else:
        path = url.removeprefix("sqlite:///")
        lite = sqlite3.connect(path)
        lite.execute("PRAGMA synchronous=OFF")
        for index in SECONDARY_INDEXES:
            lite.execute(f"DROP INDEX IF EXISTS {index}")
        for part in generate(total, offices, days):
            lite.executemany(_insert_sql("responses", RESPONSE_COLUMNS), part["rows"])
            for table, columns in ROLLUPS.items():
                lite.executemany(_insert_sql(table, columns), part[table.replace("rollup_", "")])
            lite.execute("INSERT INTO offices (id, name, province, timezone, kind, registered, "
                         "gating) VALUES (?, ?, ?, '', 'admin', 1, 0)",
                         (part["office"], part["office"], f"p{int(part['office'][-4:]) % 10}"))
            lite.executemany("INSERT INTO kiosks (office, kiosk, registered, counter, max_seq, "
                             "received, state, version, questionnaire, outbox, scanner, rejected) "
                             "VALUES (?, ?, 1, ?, ?, ?, 'online', '0.1.0', 'sipas@1', 0, 'ok', 0)",
                             [(o, k, k[1:], s, s) for o, k, s in part["kiosks"]])
            lite.commit()
            loaded += len(part["rows"])
            _progress(loaded, total, started)
        lite.execute("CREATE INDEX ix_responses_office_day ON responses (office, day)")
        lite.execute("CREATE INDEX ix_responses_kiosk_seq ON responses (office, kiosk, seq)")
        lite.execute("ANALYZE")
        lite.commit()
        lite.close()
    print(f"  built in {(time.monotonic() - started) / 60:.1f} min", flush=True)


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _copy(conn: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    conn.commit()


def _progress(loaded: int, total: int, started: float, _last: list[int] = [0]) -> None:  # noqa: B006
    if loaded == total or loaded - _last[0] >= 500_000:
        _last[0] = loaded
        rate = loaded / max(1e-9, time.monotonic() - started)
        print(f"  {loaded:,} of {total:,} rows ({rate:,.0f}/s)", flush=True)


def bench_token(url: str) -> str:
    """An admin API token for this run (the API needs one, as any script calling it does)."""
    store = Store(url)
    try:
        return Accounts(store.engine).create_token(f"bench-{secrets.token_hex(4)}", "admin", ())
    finally:
        store.engine.dispose()


def measure(port: int, offices: int, samples: int, token: str, seed: int = 3
            ) -> tuple[dict[str, list[float]], int]:
    """Milliseconds per request for today, 30 days and 90 days, over one kept-alive connection;
    and how many 90-day documents counted no response (every office has some: it should be 0)."""
    rng = random.Random(seed)
    today = datetime.now(ZONE).date()
    ranges = {"today": (today, today), "30 days": (today - timedelta(29), today),
              "90 days": (today - timedelta(89), today)}
    timings: dict[str, list[float]] = {name: [] for name in ranges}
    empty = 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for round_ in range(samples + 10):
        for name, (first, last) in ranges.items():
            office = f"office-{rng.randrange(offices):04d}"
            started = time.perf_counter()
            conn.request("GET", f"/api/v1/offices/{office}/scores?from={first}&to={last}",
                         headers={"Authorization": f"Bearer {token}"})
            reply = conn.getresponse()
            body = reply.read()
            took = (time.perf_counter() - started) * 1000
            if reply.status != 200:
                raise RuntimeError(f"{reply.status}: {body[:300]!r}")
            if round_ >= 10:  # the first rounds warm the caches
                timings[name].append(took)
            if name == "90 days" and not json.loads(body)["responses"]:
                empty += 1
            if round_ == 10 and name == "90 days":
                print(f"  e.g. {office} over 90 days: {json.loads(body)['responses']:,} responses",
                      flush=True)
    conn.close()
    return timings, empty


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 \
        else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=10_000_000)
    parser.add_argument("--offices", type=int, default=1_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--samples", type=int, default=200, help="requests per range")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = parse_runs(parser, "rounds of requests per database", "300,000 responses")
    if args.quick:
        args.responses, args.offices, args.samples = 300_000, 100, 50
    conditions = machine()
    print(f"{args.responses:,} responses, {args.offices} offices, {args.days} days; {conditions}",
          flush=True)
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    CACHE.mkdir(exist_ok=True)
    # One cached database per size, rebuilt each day (its last day must be today).
    size = f"{args.responses}-{args.offices}-{args.days}"
    tag = f"{size}-{datetime.now(ZONE).date()}"
    results: dict[str, list[dict[str, list[float]]]] = {}
    empty = 0
    began = time.monotonic()
    for kind in kinds:
        cluster = None
        try:
            if kind == "sqlite":
                path = CACHE / f"scores-{tag}.db"
                url = f"sqlite:///{path}"
                if not path.exists():
                    for old in CACHE.glob(f"scores-{size}-*.db*"):
                        old.unlink()
                    print(f"building {path}", flush=True)
                    build(f"sqlite:///{path}.part", args.responses, args.offices, args.days)
                    Path(f"{path}.part").rename(path)
            else:
                from tests.support.pgcluster import PostgresCluster

                cluster = PostgresCluster(fast=False, keep_in=CACHE / "postgresql").start()
                marker = CACHE / "postgresql" / f"scores-{tag}.done"
                if marker.exists():
                    url = cluster.url(f"scores_{size.replace('-', '_')}")
                else:
                    for old in (CACHE / "postgresql").glob(f"scores-{size}-*.done"):
                        old.unlink()
                    print("building the PostgreSQL database", flush=True)
                    url = cluster.create_database(f"scores_{size.replace('-', '_')}")
                    build(url, args.responses, args.offices, args.days)
                    marker.touch()
            folder = Path(tempfile.mkdtemp(prefix="hailong-bench-scores-"))
            broker = start_broker(folder / "broker")
            hub = HubProcess(folder / "hub", broker.url, url)
            try:
                hub.start()
                token = bench_token(url)
                results[kind] = []
                for run in range(args.runs):
                    timings, empties = measure(hub.port, args.offices, args.samples, token, 3 + run)
                    results[kind].append(timings)
                    empty += empties
            finally:
                hub.stop()
                broker.stop()
        finally:
            if cluster is not None:
                cluster.stop()
        for run, timings in enumerate(results[kind]):
            for name, values in timings.items():
                print(f"{kind:10s} run {run + 1} {name:8s} p50 {percentile(values, 50):6.1f} ms  "
                      f"p95 {percentile(values, 95):6.1f} ms  p99 {percentile(values, 99):6.1f} ms",
                      flush=True)
    took = (time.monotonic() - began) / 60

    def across(kind: str, name: str, q: int) -> list[float]:
        return [percentile(timings[name], q) for timings in results[kind]]

    table = "\n".join(
        f"| {kind} | {name} | {spread(across(kind, name, 50), '', 1)} | "
        f"**{spread(across(kind, name, 95), '', 1)}** | {spread(across(kind, name, 99), '', 1)} |"
        for kind, runs in results.items() for name in runs[0])
    worst = max(max(across(kind, name, 95)) for kind, runs in results.items() for name in runs[0])
    text = f"""\
### Scores API (`bench/scores.py`)

{args.responses:,} stored responses (rows and rollups) across {args.offices:,} offices and
{args.days} days, {COUNTERS} counters each; {args.samples} requests per range to the real hub, one
kept-alive connection, random offices; {args.runs} rounds per database (median, range). Measured
{time.strftime('%Y-%m-%d')} on {conditions}; the whole took {took:.1f} min (building the databases
included when not cached).

| database | range | p50 ms | p95 ms | p99 ms |
|---|---|---|---|---|
{table}

Worst p95 of any round: **{worst:.1f} ms** (target ≤ 50 ms). Scores read the daily rollups (office × day ×
counter × officer × questionnaire × question), never the rows, so a 90-day range of one office is
a few thousand small rows whatever the size of the responses table.
"""
    if empty:
        print(f"{empty} 90-day documents counted no response", flush=True)
    if not (args.quick or args.no_write):
        write_section("scores", text, {"every 90-day document counted the office's responses":
                                       empty == 0})
    return 0 if empty == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
