"""The hub's own processing cost per response, without MQTT: decode, validate, flag, store, roll up.

    .venv/bin/python bench/ingest_cpu.py                  # 20,000 responses in batches of 500
    .venv/bin/python bench/ingest_cpu.py --database postgresql   # a private cluster on loopback
    .venv/bin/python bench/ingest_cpu.py --profile        # the same under cProfile, top functions

``bench/ingest.py`` measures the whole hub behind a broker, whose figures move with the load of
the machine; this isolates the part the hub's own code decides, so two versions can be compared
(run it on each checkout, alternately, in one session). Reported: the CPU time of this process
per response, steady on a busy machine, and the wall time, which also holds the waits for
fsync and, on PostgreSQL, for the server (whose own CPU is not counted), with the load average.
It prints its figures and writes nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import Fleet

from hailong import contract
from hailong.questionnaire import load_catalog
from hailong.topics import kiosk_topic
from hub.ingest.ingest import AnswerChecks, Ingestor
from hub.ingest.subscriber import Message
from hub.store import Store

BATCH = 500  # the hub's own batch size (hub/ingest/ingest.py)
WARM_UP = 2_000  # responses processed first and not counted: caches, SQLite pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=440, help="simulated kiosks (50 each)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--profile", action="store_true", help="print the top functions")
    args = parser.parse_args()
    fleet = Fleet(kiosks=args.kiosks, per_kiosk=50)
    messages = []
    for index in range(fleet.kiosks):
        office, kiosk, _counter = fleet.kiosk(index)
        topic = kiosk_topic(office, kiosk, "response")
        messages += [Message(topic, contract.encode(doc), 1, 1, False)
                     for doc in fleet.responses(index)]
    cluster = None
    with tempfile.TemporaryDirectory(prefix="hailong-bench-cpu-") as folder:
        url = f"sqlite:///{folder}/hub.db"
        if args.database == "postgresql":
            from tests.support.pgcluster import PostgresCluster

            cluster = PostgresCluster(fast=False).start()
            url = cluster.create_database("bench")
        store = Store(url)
        store.upgrade()
        ingestor = Ingestor(store, timezone_of=lambda _office: ZoneInfo("Asia/Ho_Chi_Minh"),
                            publish=lambda _topic, _payload: None, ack=lambda _mid, _qos: None,
                            checks=AnswerChecks(load_catalog(), lambda *_: False))

        def run(batch: list[Message]) -> tuple[float, float]:
            started, cpu = time.perf_counter(), time.process_time()
            for start in range(0, len(batch), BATCH):
                ingestor.process(batch[start:start + BATCH])
            return time.perf_counter() - started, time.process_time() - cpu

        run(messages[:WARM_UP])
        counted = messages[WARM_UP:]
        if args.profile:
            profile = cProfile.Profile()
            took, cpu = profile.runcall(run, counted)
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        else:
            took, cpu = run(counted)
        store.engine.dispose()
        if cluster is not None:
            cluster.stop()
    print(f"{len(counted):,} responses on {args.database}: {cpu / len(counted) * 1e6:.0f} µs of "
          f"CPU per response; wall {took / len(counted) * 1e6:.0f} µs ({len(counted) / took:,.0f}/s);"
          f" load {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
