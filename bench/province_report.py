"""Benchmark: how long the province report takes for a province of many communes.

Fills a private SQLite hub database with ``--offices`` admin offices of one province, each
with ``--per-day`` kiosk ratings (every SIPAS question answered) on each of ``--days`` days and
as many in the previous period, then builds the report the page, files and API serve
(``gather_province`` → ``build_province_report`` → ``province_document``) ``--runs`` times.

    python bench/province_report.py [--offices 100] [--days 30] [--per-day 20] [--no-write]

No target was set by the issue; the figure says what a Sở Nội vụ waits for on one click.
Its section of docs/performance.md is replaced when its check held (``--no-write``: only print).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from loadgen import machine, write_section  # noqa: E402

from hailong import contract  # noqa: E402
from hailong.questionnaire import load_catalog  # noqa: E402
from hailong.topics import kiosk_topic  # noqa: E402
from hub.roster import Office, Roster  # noqa: E402
from hub.scores.documents import Documents  # noqa: E402
from hub.scores.province_facts import province_document  # noqa: E402
from hub.scores.province_inputs import gather_province  # noqa: E402
from hub.scores.province_report import build_province_report  # noqa: E402
from hub.settings import CredibilitySection  # noqa: E402
from hub.store import Accepted, Store  # noqa: E402

QUESTIONS = ("overall", "access", "procedure", "officer", "result", "feedback")
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def rating(office: str, seq: int, day: date, rng: random.Random) -> Accepted:
    at = datetime(day.year, day.month, day.day, 3, tzinfo=UTC) + timedelta(seconds=seq)
    document = {"v": 1, "id": str(uuid.uuid4()), "seq": seq, "office": office, "kiosk": "k01",
                "counter": "1", "officer": None, "receipt": None, "trigger": "tap",
                "questionnaire": "sipas@1", "lang": "vi",
                "started_at": (at - timedelta(seconds=30)).isoformat(),
                "submitted_at": at.isoformat(), "complete": True,
                "answers": {q: rng.choice((2, 3, 4, 4, 5, 5)) for q in QUESTIONS}}
    payload = contract.encode(document)
    return Accepted(kiosk_topic(office, "k01", "response"), payload,
                    contract.decode_response(payload), hashlib.sha256(payload).hexdigest(),
                    at, day)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offices", type=int, default=100)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print, do not write the docs")
    args = parser.parse_args()
    rng = random.Random(7)
    last = date(2026, 11, 30)
    first = last - timedelta(days=args.days - 1)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/hub.db")
        store.upgrade()
        offices = [f"xa-{i:03d}" for i in range(args.offices)]
        store.apply_roster(Roster(offices=[Office.model_validate(
            {"id": o, "name": f"UBND xã {i}", "province": "bench"})
            for i, o in enumerate(offices)]))
        started = time.perf_counter()
        for office in offices:
            seq, batch = 0, []
            for offset in range(2 * args.days):  # this period and the one before
                day = first - timedelta(days=args.days) + timedelta(days=offset)
                for _ in range(args.per_day):
                    seq += 1
                    batch.append(rating(office, seq, day, rng))
            store.write_batch(batch, [])
        loaded = time.perf_counter() - started
        documents = Documents(store.read, lambda _office: ZONE, load_catalog(), 30,
                              CredibilitySection.model_validate({}))
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            report = build_province_report(gather_province(documents, "bench", "admin", first,
                                                           last))
            document = province_document(report)
            times.append(time.perf_counter() - started)
        store.close()
    ratings = args.offices * args.per_day * args.days
    median = statistics.median(times)
    print(f"{args.offices} offices, {ratings:,} ratings in the period (as many before), "
          f"loaded in {loaded:.1f} s; report: median {median:.2f} s of {args.runs} "
          f"({', '.join(f'{t:.2f}' for t in times)}), {len(document['ranked'])} ranked")
    text = (f"Province report (`bench/province_report.py --offices {args.offices} --days "
            f"{args.days} --per-day {args.per_day}`, SQLite, {machine()}): "
            f"{args.offices} communes, {ratings:,} kiosk ratings in the {args.days}-day period "
            f"and as many in the previous one: the report (every unit's index documents for "
            f"both periods, channels and aspects, ranked and pooled) takes a median "
            f"**{median:.2f} s** of {args.runs} runs.")
    if not args.no_write:
        write_section("province-report", text,
                      {"every unit ranked": len(document["ranked"]) == args.offices})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
