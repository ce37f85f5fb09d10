"""Ingest throughput: the hub against a bare paho subscriber (the ceiling), same broker, same load.

    .venv/bin/python bench/ingest.py            # 200,000 responses from 2,000 kiosks, 3 runs (~12 min)
    .venv/bin/python bench/ingest.py --quick    # 20,000 responses, a smoke run; writes nothing

Phases, each on a fresh private Mosquitto with the same pre-encoded responses:
1. the publishers alone (nobody subscribed): they must be at least twice the ceiling, so they
   are not the bottleneck;
2. two bare paho subscribers (QoS 1, paho's automatic acks) that only count, one after the
   other: MQTT 3.1.1 with a clean session and ``loop()`` in its one thread, and MQTT 5 with a
   persistent session like the hub's; the faster is the ceiling of a paho-based consumer here;
3. the real hub (``hailong hub run``) with 1 and 2 workers, measured until every response is
   stored and rolled up and every id has come back in an ack message.
Every phase runs ``--runs`` times (3); the report gives the median and min–max of each figure,
the CPU per message of each process (and of the broker), and the load average at each phase's
start. The hub's rate over the ceiling's (same run) is the figure; it is written to
docs/performance.md only when every check held (exactly once, every message counted,
publishers fast enough).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sqlite3
import statistics
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
    start_broker,
    write_section,
)
from pages import Pages

# The hub's session settings, for a like-for-like ceiling.
SESSION_EXPIRY = 7 * 24 * 3600
# The two bare subscribers; the faster of them in each run is that run's ceiling.
CEILINGS = {"3.1.1": "MQTT 3.1.1, clean session, `loop()` in its one thread",
            "5": "MQTT 5, persistent session, network thread"}
# The publishers alone must be at least this much faster than the ceiling, or they (not the
# subscriber) might be what limits a phase, and no figure is claimed.
PUBLISHER_HEADROOM = 2


def bare_subscriber(port: int, total: int, topic: str, protocol: str, ready: Any,
                   results: Any) -> None:
    """A ceiling: paho at QoS 1 with its automatic acks, counting only. ``protocol`` "3.1.1":
    a clean session, ``loop()`` called in this process's only thread; "5": a persistent
    session (the hub's settings) with paho's network thread."""
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
    persistent = protocol == "5"
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-ceiling-{protocol}",
                         protocol=mqtt.MQTTv5 if persistent else mqtt.MQTTv311,
                         clean_session=None if persistent else True)
    client.on_message = on_message
    client.on_subscribe = lambda *a: subscribed.set()
    client.on_connect = lambda c, *a: c.subscribe(topic, qos=1)
    if persistent:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY
        client.connect("127.0.0.1", port, clean_start=False, properties=props)
        client.loop_start()
        subscribed.wait(30)
        ready.put("subscriber")
        done.wait(1800)
    else:
        client.connect("127.0.0.1", port)
        deadline = time.monotonic() + 30
        while not subscribed.is_set() and time.monotonic() < deadline:
            client.loop(0.1)
        ready.put("subscriber")
        deadline = time.monotonic() + 1800
        while not done.is_set() and time.monotonic() < deadline:
            client.loop(1.0)
    results.put(("subscriber", count[0], last[0]))
    client.disconnect()
    if persistent:
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


def load() -> float:
    """The 1-minute load average, written beside every figure: the machine is shared."""
    return os.getloadavg()[0]


def phase_publishers(folder: Path, fleet: Fleet, args: argparse.Namespace) -> dict[str, float]:
    broker = start_broker(folder / "broker-pub")
    try:
        at_start = load()
        broker_cpu = cpu_seconds(broker.process.pid)
        publishers = Publishers(broker.port, fleet, args.publishers, args.run, "alone")
        publishers.release()
        sent, start, end = publishers.finish()
        return {"messages": sent, "seconds": end - start, "rate": sent / (end - start),
                "cpu": publishers.cpu, "broker": cpu_seconds(broker.process.pid) - broker_cpu,
                "load": at_start}
    finally:
        broker.stop()


def phase_ceiling(folder: Path, fleet: Fleet, args: argparse.Namespace, protocol: str
                  ) -> dict[str, float]:
    broker = start_broker(folder / f"broker-ceiling-{protocol}")
    try:
        process, results = _child(bare_subscriber, broker.port, fleet.total,
                                  "hailong/v1/+/+/response", protocol)
        publishers = Publishers(broker.port, fleet, args.publishers, args.run, "ceiling")
        at_start = load()
        cpu_before, broker_cpu = cpu_seconds(process.pid), cpu_seconds(broker.process.pid)
        start = publishers.release()
        publishers.finish()
        _, count, last = results.get(timeout=1800)
        cpu = cpu_seconds(process.pid) - cpu_before if process.is_alive() else float("nan")
        broker_cpu = cpu_seconds(broker.process.pid) - broker_cpu
        process.join(30)
        return {"messages": count, "seconds": last - start, "rate": count / (last - start),
                "cpu": cpu, "broker": broker_cpu, "load": at_start}
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
            from tests.support.pgcluster import PostgresCluster

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
        # Live pages open on the first offices (the fleet's offices each have two kiosks).
        pages = Pages.open(hubs[0].port, url, sorted({fleet.kiosk(i)[0] for i in range(
            min(fleet.kiosks, 2 * args.pages))})) if args.pages else None
        publishers = Publishers(broker.port, fleet, args.publishers, args.run, f"hub{workers}")
        at_start = load()
        cpu_before, broker_cpu = sum(hub.cpu() for hub in hubs), cpu_seconds(broker.process.pid)
        start = publishers.release()
        publishers.finish()
        _, acked, acked_at = ack_results.get(timeout=1800)
        cpu = sum(hub.cpu() for hub in hubs) - cpu_before
        broker_cpu = cpu_seconds(broker.process.pid) - broker_cpu
        acks.join(30)
        seen = pages.close() if pages is not None else {"pages": 0, "events": 0}
        health = json.loads(hubs[0].get("/healthz"))
        if args.database == "sqlite":
            stored = stored_count(folder / "hub" / "hub.db")
        else:
            from hub.store import Store

            store = Store(url)
            stored = store.read.response_count_all()
            store.close()
        return {"messages": acked, "stored": stored, "seconds": acked_at - start,
                "rate": acked / (acked_at - start), "cpu": cpu, "broker": broker_cpu,
                "load": at_start, "health": health, **seen}
    finally:
        for hub in hubs:
            hub.stop()
        broker.stop()
        if cluster is not None:
            cluster.stop()


def spread(values: list[float], form: str = "{:,.0f}") -> str:
    """Median and min–max of the runs, e.g. ``2,121 (2,050–2,190)``."""
    if len(values) == 1:
        return form.format(values[0])
    return (f"{form.format(statistics.median(values))} "
            f"({form.format(min(values))}–{form.format(max(values))})")


def per_message(phases: list[dict[str, Any]], key: str) -> str:
    micros = [p[key] / p["messages"] * 1e6 for p in phases]
    return spread(micros, "{:.1f}" if max(micros) < 10 else "{:.0f}") + " µs"


def one_run(folder: Path, fleet: Fleet, args: argparse.Namespace, workers: list[int]
            ) -> dict[str, dict[str, Any]]:
    """Every phase once, each on its own broker; the ceiling is the faster bare subscriber."""
    run: dict[str, dict[str, Any]] = {"alone": phase_publishers(folder / "alone", fleet, args)}
    print(f"  publishers alone: {run['alone']['rate']:,.0f}/s, "
          f"{run['alone']['cpu'] / run['alone']['messages'] * 1e6:.1f} µs CPU per message "
          f"(load {run['alone']['load']:.1f})", flush=True)
    for protocol in CEILINGS:
        phase = run[protocol] = phase_ceiling(folder / f"ceiling-{protocol}", fleet, args,
                                              protocol)
        print(f"  bare paho subscriber, {CEILINGS[protocol]}: {phase['rate']:,.0f}/s, "
              f"{phase['cpu'] / phase['messages'] * 1e6:.0f} µs CPU per message "
              f"(load {phase['load']:.1f})", flush=True)
    ceiling = max(CEILINGS, key=lambda protocol: run[protocol]["rate"])
    run["ceiling"] = {**run[ceiling], "protocol": ceiling}
    for count in workers:
        hub = run[f"hub{count}"] = phase_hub(folder, fleet, args, count)
        hub["ratio"] = hub["rate"] / run["ceiling"]["rate"]
        print(f"  hub ({args.database}, {count} worker{'s' if count > 1 else ''}): "
              f"{hub['rate']:,.0f}/s stored, rolled up and acked = {hub['ratio']:.0%} of the "
              f"ceiling, {hub['cpu'] / hub['messages'] * 1e6:.0f} µs CPU per message; stored "
              f"{hub['stored']}; {hub['pages']} live pages got {hub['events']} events "
              f"(load {hub['load']:.1f})", flush=True)
    return run


def failed_checks(runs: list[dict[str, dict[str, Any]]], total: int, workers: list[int]
                  ) -> list[str]:
    """Why the figures may not be claimed; empty when every check held."""
    failures = []
    for number, run in enumerate(runs, 1):
        for count in workers:
            hub = run[f"hub{count}"]
            if hub["stored"] != total or hub["messages"] < total:
                failures.append(f"run {number}, {count} workers: {hub['stored']} stored, "
                                f"{hub['messages']} acked of {total}")
        for protocol in CEILINGS:
            if run[protocol]["messages"] != total:
                failures.append(f"run {number}: the {protocol} subscriber counted "
                                f"{run[protocol]['messages']} of {total}")
        if run["alone"]["rate"] < PUBLISHER_HEADROOM * run["ceiling"]["rate"]:
            failures.append(f"run {number}: the publishers alone ({run['alone']['rate']:,.0f}/s) "
                            f"are not {PUBLISHER_HEADROOM}× the ceiling: they may be the limit")
    return failures


def report(runs: list[dict[str, dict[str, Any]]], fleet: Fleet, args: argparse.Namespace,
           workers: list[int], conditions: str, took: float) -> str:
    def row(label: str, key: str, ratio: bool = False) -> str:
        phases = [run[key] for run in runs]
        share = f"{spread([p['ratio'] * 100 for p in phases], '{:.0f}')} %" if ratio else ""
        return (f"| {label} | {spread([p['rate'] for p in phases])} | {share} | "
                f"{per_message(phases, 'cpu')} | {per_message(phases, 'broker')} | "
                f"{spread([p['load'] for p in phases], '{:.1f}')} |")

    faster = [run["ceiling"]["protocol"] for run in runs]
    pages = f", {args.pages} offices' live pages open" if args.pages else ""
    options = (" --database postgresql" if args.database == "postgresql" else "") + (
        f" --pages {args.pages}" if args.pages else "")
    hubs = "\n".join(row(f"hub on {args.database}, {w} worker{'s' if w > 1 else ''}{pages}: "
                          "stored, rolled up, acked", f"hub{w}", ratio=True) for w in workers)
    ratios = {w: spread([run[f"hub{w}"]["ratio"] * 100 for run in runs], "{:.0f}") for w in workers}
    verdict = "; ".join(f"{w} worker{'s' if w > 1 else ''}: **{ratios[w]} % of the ceiling**"
                        for w in workers) + " (target ≥ 80 %)."
    return f"""\
### Ingest (`bench/ingest.py`{options})

{fleet.total:,} responses from {fleet.kiosks:,} simulated kiosks (runs of {args.run} per kiosk,
{args.publishers} raw-socket publisher processes, pre-encoded), one private Mosquitto per phase,
{len(runs)} runs of every phase; each figure is the median of the runs with their min–max.
Measured {time.strftime('%Y-%m-%d')} on {conditions}; the load column is the 1-minute load
average at each phase's start. The whole measurement took {took / 60:.1f} min.

| phase | responses/s | of the ceiling | CPU per response | broker CPU per response | load |
|---|---|---|---|---|---|
{row("publishers alone (no subscriber)", "alone")}
{row(f"bare paho subscriber, {CEILINGS['3.1.1']}", "3.1.1")}
{row(f"bare paho subscriber, {CEILINGS['5']}", "5")}
{row("**ceiling**: the faster of the two in each run", "ceiling")}
{hubs}

The ceiling was the MQTT 3.1.1 subscriber in {faster.count('3.1.1')} of {len(runs)} runs and
the MQTT 5 one in {faster.count('5')}. {verdict}
Every run stored each of the {fleet.total:,} responses exactly once, and the publishers alone
were at least {PUBLISHER_HEADROOM}× the ceiling.
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=200_000)
    parser.add_argument("--kiosks", type=int, default=2_000)
    parser.add_argument("--publishers", type=int, default=2, help="publisher processes")
    parser.add_argument("--run", type=int, default=50,
                        help="responses a kiosk sends in a row (its outbox's window)")
    parser.add_argument("--runs", type=int, default=3, help="times every phase is measured")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", default="1,2",
                        help="hub processes to measure, comma-separated (more than one share the "
                        "subscription)")
    parser.add_argument("--pages", type=int, default=0, help="offices whose live page is open "
                        "(an event stream each) while the hub ingests")
    parser.add_argument("--quick", action="store_true", help="20,000 responses; writes nothing")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    args = parser.parse_args()
    if args.quick:
        args.responses, args.kiosks = 20_000, 200
    workers = [int(w) for w in args.workers.split(",")]
    fleet = Fleet(kiosks=args.kiosks, per_kiosk=max(1, args.responses // args.kiosks))
    conditions = machine()
    print(f"{fleet.total} responses from {fleet.kiosks} kiosks, {args.publishers} publishers, "
          f"runs of {args.run}, {args.runs} runs; {conditions}", flush=True)
    began = time.monotonic()
    runs = []
    with tempfile.TemporaryDirectory(prefix="hailong-bench-") as tmp:
        for number in range(1, args.runs + 1):
            print(f"run {number} of {args.runs}", flush=True)
            runs.append(one_run(Path(tmp) / f"run-{number}", fleet, args, workers))
    text = report(runs, fleet, args, workers, conditions, time.monotonic() - began)
    print(text)
    failures = failed_checks(runs, fleet.total, workers)
    if failures:
        print("NOT WRITTEN, a check failed: " + "; ".join(failures))
        return 1
    if not (args.quick or args.no_write):
        write_section(f"ingest-{args.database}" + (f"-pages{args.pages}" if args.pages else ""),
                      text, {"every check of every run (failed_checks)": not failures})
    return 0


if __name__ == "__main__":
    sys.exit(main())
