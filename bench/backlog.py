"""Backlog drain: 500,000 responses queued on the broker while the hub is down, then the hub starts.

    .venv/bin/python bench/backlog.py           # 500,000 responses from 5,000 kiosks (~4-6 min)
    .venv/bin/python bench/backlog.py --quick   # 50,000 responses; writes nothing
    .venv/bin/python bench/backlog.py --n 1000000   # issue 18's million (~10 min, ~1 GB broker)

The hub first connects once (so the broker holds its persistent session) and stops; the fleet
then publishes everything, which Mosquitto queues for the hub's session (the private broker has
no queue limit: ``max_queued_messages 0``); the hub starts again and drains the queue. Reported:
the drain rate from the hub's connection to the last ack, and proof of exactly once (rows, ids,
rollups and per-kiosk counts all equal the number sent; no seq gaps).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import _child, ack_counter
from loadgen import Fleet, HubProcess, Publishers, machine, parse_runs, spread, start_broker, write_section
from sqlalchemy import func, select

from hub.store import Store
from hub.store import tables as t


def exactly_once(url: str, total: int) -> dict[str, int]:
    store = Store(url)
    with store.engine.connect() as conn:
        counts = {
            "rows": conn.execute(select(func.count()).select_from(t.responses)).scalar_one(),
            "ids": conn.execute(select(func.count(t.responses.c.id.distinct()))).scalar_one(),
            "rolled up": conn.execute(select(func.sum(t.rollup_responses.c.n))).scalar_one(),
            "kiosk counts": conn.execute(select(func.sum(t.kiosks.c.received))).scalar_one(),
            "gaps": conn.execute(select(func.count()).select_from(t.kiosk_gaps)).scalar_one(),
        }
    store.close()
    return {k: int(v or 0) for k, v in counts.items()}


def broker_memory(pid: int) -> tuple[int, int]:
    """The broker's resident memory now and at its peak (VmRSS, VmHWM), in bytes."""
    fields = {}
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            name, _, value = line.partition(":")
            fields[name] = value.split()
    return int(fields["VmRSS"][0]) * 1024, int(fields["VmHWM"][0]) * 1024


def one_run(folder: Path, fleet: Fleet, args: argparse.Namespace) -> dict[str, Any]:
    """Queue the fleet's responses while the hub is down, start it, time the drain, count rows."""
    cluster = None
    broker = start_broker(folder / "broker")
    try:
        if args.database == "postgresql":
            from tests.pgcluster import PostgresCluster

            cluster = PostgresCluster(fast=False).start()
            url = cluster.create_database("backlog")
        else:
            url = f"sqlite:///{folder / 'hub' / 'hub.db'}"
        store = Store(url)
        store.upgrade()
        store.close()
        hub = HubProcess(folder / "hub", broker.url, url, client_id="backlog-hub").start()
        hub.stop()  # its session stays on the broker, queueing what comes
        acks, ack_results = _child(ack_counter, broker.port, fleet.total)
        publishers = Publishers(broker.port, fleet, args.publishers, args.run, "backlog")
        publishers.release()
        sent, start, end = publishers.finish()
        queued_memory, _ = broker_memory(broker.process.pid)
        print(f"queued {sent:,} on the broker while the hub was down "
              f"({sent / (end - start):,.0f}/s); broker resident memory "
              f"{queued_memory / 2**20:,.0f} MiB", flush=True)
        started = time.monotonic()
        hub.start()
        connected = time.monotonic()
        _, acked, acked_at = ack_results.get(timeout=3600)
        acks.join(30)
        _, peak_memory = broker_memory(broker.process.pid)
        hub.stop()
        drain = acked / (acked_at - connected)
        print(f"drained {acked:,} in {acked_at - connected:.1f} s after the hub connected "
              f"({drain:,.0f}/s; start-up took {connected - started:.1f} s)", flush=True)
        counts = exactly_once(url, fleet.total)
    finally:
        broker.stop()
        if cluster is not None:
            cluster.stop()
    print(f"exactly once: {counts}", flush=True)
    ok = all(counts[k] == fleet.total for k in ("rows", "ids", "rolled up", "kiosk counts")) \
        and counts["gaps"] == 0
    return {"queued_rate": sent / (end - start), "start_up": connected - started,
            "drain_s": acked_at - connected, "drain_rate": drain, "counts": counts, "ok": ok,
            "queued_mib": queued_memory / 2**20, "peak_mib": peak_memory / 2**20}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", "--n", type=int, default=500_000,
                        help="responses queued while the hub is down")
    parser.add_argument("--kiosks", type=int, default=5_000)
    parser.add_argument("--publishers", type=int, default=2)
    parser.add_argument("--run", type=int, default=50,
                        help="responses a kiosk sends in a row (its outbox's window)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parse_runs(parser, "times to measure the drain", "50,000 responses")
    if args.quick:
        args.responses, args.kiosks = 50_000, 500
    fleet = Fleet(kiosks=args.kiosks, per_kiosk=max(1, args.responses // args.kiosks), days=5)
    conditions = machine()
    print(f"{fleet.total:,} responses from {fleet.kiosks:,} kiosks; {args.runs} runs; "
          f"{conditions}", flush=True)
    began = time.monotonic()
    runs = []
    with tempfile.TemporaryDirectory(prefix="hailong-bench-backlog-") as tmp:
        for index in range(args.runs):
            print(f"run {index + 1} of {args.runs}", flush=True)
            runs.append(one_run(Path(tmp) / f"run-{index + 1}", fleet, args))
    ok = all(run["ok"] for run in runs)
    took = (time.monotonic() - began) / 60
    tallies = "; ".join(" / ".join(f"{run['counts'][k]:,}" for k in
                                   ("rows", "ids", "rolled up", "kiosk counts")) for run in runs)
    gaps = ", ".join(str(run["counts"]["gaps"]) for run in runs)

    def each(key: str) -> list[float]:
        return [run[key] for run in runs]

    text = f"""\
### Backlog (`bench/backlog.py`{' --database postgresql' if args.database == 'postgresql' else ''})

{fleet.total:,} responses from {fleet.kiosks:,} simulated kiosks queued on Mosquitto (no queue
limit) while the hub was down, then the hub ({args.database}) started; {args.runs} runs (median,
range). Measured {time.strftime('%Y-%m-%d')} on {conditions}; the runs took {took:.1f} min.

| | |
|---|---|
| queued on the broker | {fleet.total:,} at {spread(each('queued_rate'), '/s')} |
| broker resident memory, queue full / peak | {spread(each('queued_mib'), ' MiB')} / \
{spread(each('peak_mib'), ' MiB')} |
| hub start-up until connected | {spread(each('start_up'), ' s', 1)} |
| drained (stored, rolled up, acked) | {spread(each('drain_s'), ' s', 1)}, \
**{spread(each('drain_rate'), ' responses/s')}** |
| rows / distinct ids / rolled up / per-kiosk counts, each run | {tallies} |
| seq gaps left, each run | {gaps} |

{'Every run stored every response exactly once.' if ok else '**MISMATCH: see the counts above.**'}
"""
    if not (args.quick or args.no_write):
        write_section(f"backlog-{args.database}", text,
                      {"every run stored every response exactly once": ok})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
