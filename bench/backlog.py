"""Backlog drain: 500,000 responses queued on the broker while the hub is down, then the hub starts.

    .venv/bin/python bench/backlog.py           # 500,000 responses from 5,000 kiosks (~4-6 min)
    .venv/bin/python bench/backlog.py --quick   # 50,000 responses; writes nothing
    .venv/bin/python bench/backlog.py --n 1000000   # issue 18's million (~10 min, ~1 GB broker)

The hub first connects once (so the broker holds its persistent session) and stops; the fleet
then publishes everything, which Mosquitto queues for the hub's session (the private broker has
no queue limit: ``max_queued_messages 0``); the hub starts again and drains the queue. Reported:
the drain rate from the hub's connection to the last ack, and proof of exactly once (rows, ids,
rollups and per-kiosk counts all equal the number sent; no seq gaps).

Beside it, on a broker of its own, a bare paho subscriber drains the same queued responses the
same way (a persistent MQTT 3.1.1 session, QoS 1, paho's automatic acks, ``loop()`` in its one
thread, counting only): the most a paho-based consumer drains here. The hub's drain over the
bare one's is the figure (target ≥ 80 %), with the CPU per response of each.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import _child, ack_counter
from loadgen import (
    Fleet,
    HubProcess,
    Publishers,
    machine,
    start_broker,
    write_section,
)
from sqlalchemy import func, select

from hub.store import Store
from hub.store import tables as t

DEFAULT_RESPONSES = 500_000


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


def bare_drainer(port: int, total: int, go: Any, ready: Any, results: Any) -> None:
    """Subscribes with a persistent session and leaves; on ``go`` comes back and drains what
    the broker queued meanwhile, counting only."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    count = [0]
    last = [0.0]

    def on_message(_c: Any, _u: Any, _m: Any) -> None:
        count[0] += 1
        if count[0] == total:
            last[0] = time.monotonic()

    def session() -> mqtt.Client:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-bare-drainer",
                             protocol=mqtt.MQTTv311, clean_session=False)
        client.on_message = on_message
        client.connect("127.0.0.1", port)
        return client

    client = session()
    subscribed: list[bool] = []
    client.on_subscribe = lambda *a: subscribed.append(True)
    client.subscribe("hailong/v1/+/+/response", qos=1)
    deadline = time.monotonic() + 30
    while not subscribed and time.monotonic() < deadline:
        client.loop(0.1)
    client.disconnect()
    ready.put("subscribed")
    go.get(timeout=3600)
    cpu, connected = time.process_time(), time.monotonic()
    client = session()
    deadline = connected + 3600
    while count[0] < total and time.monotonic() < deadline:
        client.loop(1.0)
    results.put((count[0], last[0] - connected, time.process_time() - cpu))
    client.disconnect()


def bare_drain(folder: Path, fleet: Fleet, args: argparse.Namespace) -> dict[str, float]:
    """The same backlog drained by a bare paho subscriber: rate, seconds, CPU per response."""
    context = mp.get_context("spawn")
    broker = start_broker(folder / "broker-bare")
    go, ready, results = context.Queue(), context.Queue(), context.Queue()
    process = context.Process(target=bare_drainer, args=(broker.port, fleet.total, go, ready,
                                                         results), daemon=True)
    try:
        process.start()
        ready.get(timeout=60)
        publishers = Publishers(broker.port, fleet, args.publishers, args.run, "bare")
        publishers.release()
        publishers.finish()
        at_start = os.getloadavg()[0]
        go.put("go")
        count, seconds, cpu = results.get(timeout=3600)
        process.join(30)
        return {"messages": count, "seconds": seconds, "rate": count / seconds,
                "cpu": cpu / max(1, count), "load": at_start}
    finally:
        broker.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", "--n", type=int, default=DEFAULT_RESPONSES,
                        help="responses queued while the hub is down")
    parser.add_argument("--kiosks", type=int, default=5_000)
    parser.add_argument("--publishers", type=int, default=2)
    parser.add_argument("--run", type=int, default=50,
                        help="responses a kiosk sends in a row (its outbox's window)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="50,000 responses; writes nothing")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.responses, args.kiosks = 50_000, 500
    fleet = Fleet(kiosks=args.kiosks, per_kiosk=max(1, args.responses // args.kiosks), days=5)
    conditions = machine()
    print(f"{fleet.total:,} responses from {fleet.kiosks:,} kiosks; {conditions}", flush=True)
    began = time.monotonic()
    cluster = None
    with tempfile.TemporaryDirectory(prefix="hailong-bench-backlog-") as tmp:
        folder = Path(tmp)
        bare = bare_drain(folder, fleet, args)
        print(f"bare paho subscriber drained {bare['messages']:,} in {bare['seconds']:.1f} s "
              f"({bare['rate']:,.0f}/s, {bare['cpu'] * 1e6:.0f} µs CPU per response; load "
              f"{bare['load']:.1f})", flush=True)
        broker = start_broker(folder / "broker")
        try:
            if args.database == "postgresql":
                from tests.support.pgcluster import PostgresCluster

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
            hub_load = os.getloadavg()[0]
            started = time.monotonic()
            hub.start()
            connected = time.monotonic()
            hub_cpu = hub.cpu()
            _, acked, acked_at = ack_results.get(timeout=3600)
            hub_cpu = (hub.cpu() - hub_cpu) / max(1, acked)
            acks.join(30)
            _, peak_memory = broker_memory(broker.process.pid)
            hub.stop()
            drain = acked / (acked_at - connected)
            ratio = drain / bare["rate"]
            print(f"drained {acked:,} in {acked_at - connected:.1f} s after the hub connected "
                  f"({drain:,.0f}/s = {ratio:.0%} of the bare subscriber's drain, "
                  f"{hub_cpu * 1e6:.0f} µs CPU per response; start-up took "
                  f"{connected - started:.1f} s; load {hub_load:.1f})", flush=True)
            counts = exactly_once(url, fleet.total)
        finally:
            broker.stop()
            if cluster is not None:
                cluster.stop()
    print(f"exactly once: {counts}", flush=True)
    ok = all(counts[k] == fleet.total for k in ("rows", "ids", "rolled up", "kiosk counts")) \
        and counts["gaps"] == 0 and bare["messages"] == fleet.total
    took = (time.monotonic() - began) / 60
    tally = " / ".join(f"{counts[k]:,}" for k in ("rows", "ids", "rolled up", "kiosk counts"))
    memory = f"{queued_memory / 2**20:,.0f} MiB / {peak_memory / 2**20:,.0f} MiB"
    hub_row = (f"{acked_at - connected:.1f} s, **{drain:,.0f} responses/s**, "
               f"{hub_cpu * 1e6:.0f} µs CPU per response (load {hub_load:.1f})")
    bare_row = (f"{bare['seconds']:.1f} s, {bare['rate']:,.0f} responses/s, "
                f"{bare['cpu'] * 1e6:.0f} µs CPU per response (load {bare['load']:.1f})")
    # the default run keeps its block; another size (issue 18's million) gets a block of its own
    size = "" if fleet.total == DEFAULT_RESPONSES else f" --n {fleet.total}"
    text = f"""\
### Backlog (`bench/backlog.py{size}`{' --database postgresql' if args.database == 'postgresql' else ''})

{fleet.total:,} responses from {fleet.kiosks:,} simulated kiosks queued on Mosquitto (no queue
limit) while the hub was down, then the hub ({args.database}) started. Measured
{time.strftime('%Y-%m-%d')} on {conditions}; the run took {took:.1f} min.

| | |
|---|---|
| queued on the broker | {sent:,} at {sent / (end - start):,.0f}/s |
| broker resident memory, queue full / peak | {memory} |
| hub start-up until connected | {connected - started:.1f} s |
| drained (stored, rolled up, acked) | {hub_row} |
| the same drained by a bare paho subscriber (counting only) | {bare_row} |
| the hub's drain over the bare subscriber's | **{ratio:.0%}** (target ≥ 80 %) |
| rows / distinct ids / rolled up / per-kiosk counts | {tally} |
| seq gaps left | {counts['gaps']} |

{'Every response was stored exactly once.' if ok else '**MISMATCH: see the counts above.**'}
"""
    if not (args.quick or args.no_write):
        write_section(f"backlog-{args.database}{size.replace(' --n ', '-')}", text,
                      {"every response stored exactly once, and the bare subscriber got each": ok})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
