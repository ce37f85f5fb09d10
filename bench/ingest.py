"""Ingest throughput: the hub against a bare paho subscriber (the ceiling), same broker, same load.

    .venv/bin/python bench/ingest.py            # 200,000 responses from 2,000 kiosks (~3-5 min)
    .venv/bin/python bench/ingest.py --quick    # 20,000 responses, a smoke run; writes nothing

Three phases, each on a fresh private Mosquitto with the same pre-encoded responses:
1. the publishers alone (nobody subscribed): their own ceiling, so they are not the bottleneck;
2. a bare paho subscriber (MQTT 5, persistent session, QoS 1, paho's automatic acks) that only
   counts: the ceiling of any paho-based consumer on this machine;
3. the real hub (``hailong hub run``), measured until every response is stored and rolled up and
   every id has come back in an ack message.
The hub's rate over the ceiling's is the figure. Every phase runs --runs times (3): the median
and range are written to docs/performance.md, and only when every run stored and acked each
response exactly once.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import (
    Fleet,
    HubProcess,
    Publishers,
    cpu_seconds,
    machine,
    parse_runs,
    spread,
    start_broker,
    write_section,
)

# The hub's session settings, for a like-for-like ceiling.
SESSION_EXPIRY = 7 * 24 * 3600


def bare_subscriber(port: int, total: int, topic: str, ready: Any, results: Any) -> None:
    """The ceiling: paho, MQTT 5, persistent session, QoS 1, automatic acks, counting only."""
    import threading

    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    count = [0]
    done = threading.Event()
    last = [0.0]

    def on_message(_c: Any, _u: Any, _m: Any) -> None:
        count[0] += 1
        if count[0] == total:
            last[0] = time.monotonic()
            done.set()

    subscribed = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-ceiling",
                         protocol=mqtt.MQTTv5)
    client.on_message = on_message
    client.on_subscribe = lambda *a: subscribed.set()
    client.on_connect = lambda c, *a: c.subscribe(topic, qos=1)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = SESSION_EXPIRY
    client.connect("127.0.0.1", port, clean_start=False, properties=props)
    client.loop_start()
    subscribed.wait(30)
    ready.put("subscriber")
    done.wait(1800)
    results.put(("subscriber", count[0], last[0]))
    client.disconnect()
    client.loop_stop()


def ack_counter(port: int, total: int, ready: Any, results: Any) -> None:
    """Counts the distinct ids the hub acknowledges in its ack messages."""
    import threading

    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    seen: set[str] = set()
    done = threading.Event()
    last = [0.0]

    def on_message(_c: Any, _u: Any, message: Any) -> None:
        seen.update(json.loads(message.payload)["ids"])
        if len(seen) >= total and not done.is_set():
            last[0] = time.monotonic()
            done.set()

    subscribed = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-acks", protocol=mqtt.MQTTv5)
    client.on_message = on_message
    client.on_subscribe = lambda *a: subscribed.set()
    client.on_connect = lambda c, *a: c.subscribe("hailong/v1/+/+/ack", qos=1)
    client.connect("127.0.0.1", port)
    client.loop_start()
    subscribed.wait(30)
    ready.put("acks")
    done.wait(1800)
    results.put(("acks", len(seen), last[0]))
    client.disconnect()
    client.loop_stop()


def _child(target: Any, *args: Any) -> tuple[Any, Any]:
    context = mp.get_context("spawn")
    ready, results = context.Queue(), context.Queue()
    process = context.Process(target=target, args=(*args, ready, results), daemon=True)
    process.start()
    ready.get(timeout=60)
    return process, results


def phase_publishers(folder: Path, fleet: Fleet, args: argparse.Namespace) -> dict[str, float]:
    broker = start_broker(folder / "broker-pub")
    try:
        publishers = Publishers(broker.port, fleet, args.publishers, args.run, "alone")
        publishers.release()
        sent, start, end = publishers.finish()
        return {"messages": sent, "seconds": end - start, "rate": sent / (end - start)}
    finally:
        broker.stop()


def phase_ceiling(folder: Path, fleet: Fleet, args: argparse.Namespace) -> dict[str, float]:
    broker = start_broker(folder / "broker-ceiling")
    try:
        process, results = _child(bare_subscriber, broker.port, fleet.total,
                                  "hailong/v1/+/+/response")
        publishers = Publishers(broker.port, fleet, args.publishers, args.run, "ceiling")
        cpu_before = cpu_seconds(process.pid)
        start = publishers.release()
        publishers.finish()
        _, count, last = results.get(timeout=1800)
        cpu = cpu_seconds(process.pid) - cpu_before if process.is_alive() else float("nan")
        process.join(30)
        return {"messages": count, "seconds": last - start, "rate": count / (last - start),
                "cpu": cpu}
    finally:
        broker.stop()


def stored_count(database: Path) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as conn:
        return int(conn.execute("SELECT count(*) FROM responses").fetchone()[0])


def phase_hub(folder: Path, fleet: Fleet, args: argparse.Namespace, workers: int
              ) -> dict[str, Any]:
    folder = folder / f"hub-{workers}"
    broker = start_broker(folder / "broker")
    cluster = None
    hubs: list[HubProcess] = []
    try:
        if args.database == "postgresql":
            from tests.pgcluster import PostgresCluster

            cluster = PostgresCluster(fast=False).start()
            url = cluster.create_database("bench")
            from hub.store import Store

            store = Store(url)
            store.upgrade()
            store.close()
        else:
            url = f"sqlite:///{folder / 'hub' / 'hub.db'}"
        # One worker is a plain hub; more share the responses ($share/…), as docs/api.md says.
        shared = 'shared_group = "bench"' if workers > 1 else ""
        hubs = [HubProcess(folder / "hub" if i == 0 else folder / f"hub-{i}", broker.url, url,
                           client_id=f"bench-hub-{i}", extra=shared).start()
                for i in range(workers)]
        acks, ack_results = _child(ack_counter, broker.port, fleet.total)
        publishers = Publishers(broker.port, fleet, args.publishers, args.run, f"hub{workers}")
        cpu_before = sum(hub.cpu() for hub in hubs)
        start = publishers.release()
        publishers.finish()
        _, acked, acked_at = ack_results.get(timeout=1800)
        cpu = sum(hub.cpu() for hub in hubs) - cpu_before
        acks.join(30)
        health = json.loads(hubs[0].get("/healthz"))
        if args.database == "sqlite":
            stored = stored_count(folder / "hub" / "hub.db")
        else:
            from hub.store import Store

            store = Store(url)
            stored = store.read.response_count_all()
            store.close()
        return {"messages": acked, "stored": stored, "seconds": acked_at - start,
                "rate": acked / (acked_at - start), "cpu": cpu, "health": health}
    finally:
        for hub in hubs:
            hub.stop()
        broker.stop()
        if cluster is not None:
            cluster.stop()


def one_run(folder: Path, fleet: Fleet, args: argparse.Namespace, workers: list[int]
            ) -> dict[str, Any]:
    """Every phase once: the publishers alone, the ceiling, the hub with each worker count."""
    alone = phase_publishers(folder, fleet, args)
    print(f"publishers alone: {alone['rate']:,.0f}/s", flush=True)
    ceiling = phase_ceiling(folder, fleet, args)
    print(f"bare paho subscriber (ceiling): {ceiling['rate']:,.0f}/s "
          f"({ceiling['cpu'] / ceiling['messages'] * 1e6:.0f} µs CPU per message)", flush=True)
    hubs = {}
    for count in workers:
        hub = hubs[count] = phase_hub(folder, fleet, args, count)
        hub["ratio"] = hub["rate"] / ceiling["rate"]
        print(f"hub ({args.database}, {count} worker{'s' if count > 1 else ''}): "
              f"{hub['rate']:,.0f}/s stored, rolled up and acked = {hub['ratio']:.0%} of the "
              f"ceiling ({hub['cpu'] / hub['messages'] * 1e6:.0f} µs CPU per message); "
              f"stored {hub['stored']}", flush=True)
    return {"alone": alone, "ceiling": ceiling, "hubs": hubs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=200_000)
    parser.add_argument("--kiosks", type=int, default=2_000)
    parser.add_argument("--publishers", type=int, default=2, help="publisher processes")
    parser.add_argument("--run", type=int, default=50,
                        help="responses a kiosk sends in a row (its outbox's window)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", default="1,2",
                        help="hub processes to measure, comma-separated (more than one share the "
                        "subscription)")
    args = parse_runs(parser, "times to run every phase", "20,000 responses")
    if args.quick:
        args.responses, args.kiosks = 20_000, 200
    fleet = Fleet(kiosks=args.kiosks, per_kiosk=max(1, args.responses // args.kiosks))
    workers = [int(w) for w in args.workers.split(",")]
    conditions = machine()
    print(f"{fleet.total} responses from {fleet.kiosks} kiosks, {args.publishers} publishers, "
          f"runs of {args.run}; {args.runs} runs; {conditions}", flush=True)
    began = time.monotonic()
    runs = []
    with tempfile.TemporaryDirectory(prefix="hailong-bench-") as tmp:
        for index in range(args.runs):
            print(f"run {index + 1} of {args.runs}", flush=True)
            runs.append(one_run(Path(tmp) / f"run-{index + 1}", fleet, args, workers))
    took = time.monotonic() - began
    exactly_once = all(h["stored"] == fleet.total and h["messages"] >= fleet.total
                       for run in runs for h in run["hubs"].values())
    if not exactly_once:
        print("MISMATCH: " + "; ".join(
            f"run {i + 1}, {w} workers: {h['stored']} stored, {h['messages']} acked of "
            f"{fleet.total}" for i, run in enumerate(runs) for w, h in run["hubs"].items()))

    def per_run(phase: str, key: str) -> list[float]:
        return [run[phase][key] for run in runs]

    def per_hub(count: int, key: str) -> list[float]:
        return [run["hubs"][count][key] for run in runs]

    def cpu_per_message(values: list[dict[str, Any]]) -> list[float]:
        return [v["cpu"] / v["messages"] * 1e6 for v in values]

    def percent_of_ceiling(count: int) -> str:
        return spread([ratio * 100 for ratio in per_hub(count, "ratio")], " %")

    rows = "\n".join(
        f"| hub on {args.database}, {w} worker{'s' if w > 1 else ''}: stored, rolled up, acked | "
        f"{spread(per_hub(w, 'rate'), '/s')}; {percent_of_ceiling(w)} of the ceiling | "
        f"{spread(cpu_per_message([run['hubs'][w] for run in runs]), ' µs')} |" for w in workers)
    verdict = "; ".join(f"{w} worker{'s' if w > 1 else ''}: **{percent_of_ceiling(w)} of the "
                        f"ceiling**" for w in workers) + " (target ≥ 80 %)."
    text = f"""\
### Ingest (`bench/ingest.py`{' --database postgresql' if args.database == 'postgresql' else ''})

{fleet.total:,} responses from {fleet.kiosks:,} simulated kiosks (runs of {args.run} per kiosk,
{args.publishers} raw-socket publisher processes, pre-encoded), one private Mosquitto per phase,
every phase run {args.runs} times (median, range), measured {time.strftime('%Y-%m-%d')} on
{conditions}. The whole measurement took {took / 60:.1f} min.

| phase | responses/s | CPU per response |
|---|---|---|
| publishers alone (no subscriber) | {spread(per_run('alone', 'rate'), '/s')} | |
| bare paho subscriber, automatic acks (**ceiling**) | {spread(per_run('ceiling', 'rate'), '/s')} | \
{spread(cpu_per_message([run['ceiling'] for run in runs]), ' µs')} |
{rows}

{verdict} Every run stored each of the {fleet.total:,} responses exactly once (checked: rows
stored and ids acked).
"""
    if not (args.quick or args.no_write):
        write_section(f"ingest-{args.database}", text,
                      {"every run stored and acked each response exactly once": exactly_once})
    return 0 if exactly_once else 1


if __name__ == "__main__":
    sys.exit(main())
