"""Benchmark: the phone questionnaire at 200 submissions/s for a minute, with kiosks' ingest
alongside, against a real hub on loopback (``hailong hub run`` as a child process).

- web: paced clients (child processes, keep-alive HTTP/1.1) send the last screen of a rating
  (``POST /r/{token}``, "Gửi đánh giá") at ``--rate`` per second, each for a new dossier link
  with its own response id, and open first screens (``GET /r/{token}``) at a quarter of that
  rate. The bench signs links and form states with the hub's own secret
  (``{data}/web-link.key``), as the hub would have served them; the CSRF cookie and field are
  the bench's own double-submit pair. Server time is the hub's own ``Server-Timing`` header
  (hub/web/dashboard.py: the request reaching the app → the page's first byte, the wait for
  the ingest's commit included); the client's round trip is reported beside it.
- ingest: at the same time a paced raw MQTT publisher sends kiosk responses (QoS 1) at
  ``--kiosk-rate`` per second; the figure is what the hub stored per second over the run and
  how long it took to store the last one after it was sent.

Checks: every web submission stored exactly once under channel ``web``, every kiosk response
stored, page p95 ≤ 50 ms; only then are the figures written to docs/performance.md.

    python bench/web_form.py [--seconds 60] [--rate 200] [--kiosk-rate 100] [--runs 3] [--quick]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import socket
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.loadgen import (  # noqa: E402
    HubProcess,
    connect_packet,
    fleet_response,
    machine,
    publish_packet,
    start_broker,
    write_section,
)
from hailong.topics import kiosk_topic  # noqa: E402

TARGET_P95_MS = 50.0
# Clients per process: enough keep-alive connections that a slow page never holds up the pace.
CONNECTIONS = 12
OFFICES = 50


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def _requests(secret_file: Path, count: int, seed: int, kind: str) -> list[tuple[str, str, bytes]]:
    """``count`` ready requests: (method, path, body) of last screens or first screens."""
    from hub.web.links import LinkSigner
    from hub.web.rating_form import FormState

    signer = LinkSigner(bytes.fromhex(secret_file.read_text().strip()))
    expires = datetime.now(UTC) + timedelta(days=30)
    out = []
    for i in range(count):
        h = f"{seed:08x}{i:056x}"
        office = f"office-{i % OFFICES:04d}"
        token = signer.dossier_link(office, "1", "result", h, expires)
        if kind == "get":
            out.append(("GET", f"/r/{token}", b""))
            continue
        started = (datetime.now(UTC) - timedelta(seconds=40)).isoformat(timespec="seconds")
        state = FormState(str(uuid.uuid4()), started, "vi", "overall",
                          {"overall": 1 + i % 5})
        out.append(("POST", f"/r/{token}", urlencode({
            "state": signer.seal("form-state", state.sealed()), "csrf": "b" * 43,
            "action": "send"}).encode()))
    return out


def web_client(port: int, secret_file: Path, rate: float, seconds: float, seed: int,
               ready: Any, go: Any, results: Any) -> None:
    """A child process: submissions at ``rate``/s and first screens at a quarter of it."""
    posts = _requests(secret_file, int(rate * seconds), seed, "post")
    gets = _requests(secret_file, int(rate * seconds / 4), seed + 1, "get")
    plan = sorted([(i / rate, r) for i, r in enumerate(posts)] +
                  [(i / (rate / 4), r) for i, r in enumerate(gets)], key=lambda p: p[0])
    lock = threading.Lock()
    timings: dict[str, list[float]] = {"GET": [], "POST": []}  # round trips, at the client
    server: dict[str, list[float]] = {"GET": [], "POST": []}  # the hub's Server-Timing
    statuses: dict[int, int] = {}
    late = [0]
    ready.put(os.getpid())
    go.wait()
    start = time.monotonic()
    cursor = [0]

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Origin": f"http://127.0.0.1:{port}", "Cookie": "hailong_form=" + "b" * 43,
                   "Content-Type": "application/x-www-form-urlencoded"}
        while True:
            with lock:
                if cursor[0] >= len(plan):
                    return
                due, (method, path, body) = plan[cursor[0]]
                cursor[0] += 1
            wait = start + due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            elif wait < -0.05:
                late[0] += 1
            sent = time.monotonic()
            conn.request(method, path, body=body or None, headers=headers)
            reply = conn.getresponse()
            reply.read()
            elapsed = (time.monotonic() - sent) * 1000
            timing = reply.getheader("server-timing", "")
            with lock:
                timings[method].append(elapsed)
                if timing.startswith("app;dur="):
                    server[method].append(float(timing.removeprefix("app;dur=")))
                statuses[reply.status] = statuses.get(reply.status, 0) + 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put({"timings": timings, "server": server, "statuses": statuses, "late": late[0],
                 "seconds": time.monotonic() - start, "submitted": len(posts)})


def kiosk_publisher(port: int, rate: float, seconds: float, ready: Any, go: Any,
                    results: Any) -> None:
    """A child process: kiosk responses at ``rate``/s over raw MQTT (QoS 1), paced every 20 ms."""
    import random

    rng = random.Random(7)
    now = datetime.now(UTC).replace(microsecond=0)
    total = int(rate * seconds)
    packets = []
    for i in range(total):
        # 100 kiosks (i mod 50, i mod 4), each taking one response in every hundred: seq = i // 100 + 1
        office, kiosk = f"office-{i % OFFICES:04d}", f"k{i % 4 + 1}"
        doc = fleet_response(rng, office, kiosk, i // 100 + 1, "1", None,
                             now - timedelta(seconds=30))
        payload = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()
        packets.append(publish_packet(kiosk_topic(office, kiosk, "response"), payload,
                                      i % 65535 + 1))
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(connect_packet("bench-web-kiosks"))
    sock.recv(4)
    threading.Thread(target=lambda: [sock.recv(1 << 16) for _ in iter(int, 1)],
                     daemon=True).start()
    ready.put(os.getpid())
    go.wait()
    start = time.monotonic()
    sent = 0
    while sent < total:
        due = int((time.monotonic() - start) * rate) + 1
        if due > sent:
            upto = min(total, due)
            sock.sendall(b"".join(packets[sent:upto]))
            sent = upto
        time.sleep(0.02)
    results.put({"kiosk_sent": total, "kiosk_last_sent": time.monotonic()})


def counts(database: Path) -> tuple[int, int]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as conn:
        rows = dict(conn.execute("SELECT channel, count(*) FROM responses GROUP BY channel"))
    return int(rows.get("kiosk", 0)), int(rows.get("web", 0))


def run(args: argparse.Namespace) -> tuple[str, dict[str, bool], str]:
    """One run: its section of docs/performance.md, its checks, and its headline figures in
    one line (for the spread of several runs)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-web-"))
    broker = start_broker(folder / "broker")
    hub = HubProcess(folder / "hub", broker.url, f"sqlite:///{folder / 'hub' / 'hub.db'}",
                     client_id="bench-web-hub").start()
    try:
        context = mp.get_context("spawn")
        ready, go, results = context.Queue(), context.Event(), context.Queue()
        clients = 2
        processes = [context.Process(target=web_client, args=(
            hub.port, folder / "hub" / "web-link.key", args.rate / clients, args.seconds,
            1000 * (i + 1), ready, go, results), daemon=True) for i in range(clients)]
        processes.append(context.Process(target=kiosk_publisher, args=(
            broker.port, args.kiosk_rate, args.seconds, ready, go, results), daemon=True))
        for process in processes:
            process.start()
        for _ in processes:
            ready.get(timeout=600)
        cpu_before = hub.cpu()
        started = time.monotonic()
        go.set()
        outcomes = [results.get(timeout=args.seconds * 10 + 600) for _ in processes]
        database = folder / "hub" / "hub.db"
        kiosk_total = int(args.kiosk_rate * args.seconds)
        web_total = sum(o.get("submitted", 0) for o in outcomes)
        deadline = time.monotonic() + 300
        while counts(database) != (kiosk_total, web_total) and time.monotonic() < deadline:
            time.sleep(0.1)
        finished = time.monotonic()
        kiosk_stored, web_stored = counts(database)
        load_end = os.getloadavg()[0]
        cpu = hub.cpu() - cpu_before
    finally:
        hub.stop()
        broker.stop()
    last_sent = max(o.get("kiosk_last_sent", 0.0) for o in outcomes)
    posts = [t for o in outcomes if "server" in o for t in o["server"]["POST"]]
    gets = [t for o in outcomes if "server" in o for t in o["server"]["GET"]]
    trips = [t for o in outcomes if "timings" in o for m in ("GET", "POST")
             for t in o["timings"][m]]
    statuses: dict[int, int] = {}
    for o in outcomes:
        for code, n in o.get("statuses", {}).items():
            statuses[code] = statuses.get(code, 0) + n
    late = sum(o.get("late", 0) for o in outcomes)
    wall = finished - started
    checks = {
        f"every web submission stored once ({web_stored} of {web_total})": web_stored == web_total,
        f"every kiosk response stored ({kiosk_stored} of {kiosk_total})":
            kiosk_stored == kiosk_total,
        f"every page answered 200 ({statuses})": set(statuses) == {200},
        f"submission p95 ≤ {TARGET_P95_MS:.0f} ms": percentile(posts, 0.95) <= TARGET_P95_MS,
        f"first screen p95 ≤ {TARGET_P95_MS:.0f} ms": percentile(gets, 0.95) <= TARGET_P95_MS,
    }
    def times(values: list[float]) -> str:
        return (f"p50 {percentile(values, 0.5):.1f} ms, **p95 {percentile(values, 0.95):.1f} "
                f"ms**, p99 {percentile(values, 0.99):.1f} ms, max {max(values):.0f} ms")

    rows = [
        ("web submissions (`POST /r/{token}`, last screen, stored under `web`)",
         f"{web_total:,} in {args.seconds:.0f} s at {args.rate:.0f}/s; {late} sent over 50 ms "
         "late (the load generator's own lag)", "200/s for a minute"),
        ("server time per submission (the hub's Server-Timing: request in → page out, the "
         "ingest's commit included)", times(posts), "p95 ≤ 50 ms"),
        (f"server time per first screen (`GET /r/{{token}}`, {len(gets):,} pages)", times(gets),
         "p95 ≤ 50 ms"),
        ("round trip at the client (loopback; the load generator shares the cores)",
         times(trips), ""),
        ("kiosk ingest alongside (MQTT QoS 1, paced)",
         f"{kiosk_total:,} sent at {args.kiosk_rate:.0f}/s; all stored "
         f"{max(0.0, finished - last_sent):.1f} s after the last was sent "
         f"({kiosk_stored / wall:,.0f}/s over the whole run)", "keeps pace"),
        ("hub CPU", f"{cpu:.1f} s over {wall:.1f} s ({cpu / wall * 100:.0f} % of one core); "
         f"{cpu * 1000 / max(1, len(trips) + kiosk_stored):.2f} ms per page or kiosk response",
         ""),
    ]
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    text = (f"## Phone questionnaire under load (bench/web_form.py)\n\n{machine()}; load average "
            f"{load_end:.1f} at the end. One hub process on SQLite, one Mosquitto, the load from child "
            f"processes on the same 2 cores; `{' '.join(sys.argv[1:]) or '(defaults)'}`.\n\n"
            f"| figure | measured | target |\n|---|---|---|\n{table}\n")
    headline = (f"submission p95 {percentile(posts, 0.95):.1f} ms, first screen p95 "
                f"{percentile(gets, 0.95):.1f} ms, kiosks' last stored "
                f"{max(0.0, finished - last_sent):.1f} s after sent, load {load_end:.1f}")
    return text, checks, headline


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=200.0, help="web submissions per second")
    # 100 kiosk responses a second alongside: ten times the busiest province's peak (Hà Nội's
    # 579 communes rating every dossier of a busy day come to about 10/s). docs/performance.md
    # also reports the run at 1,000/s, where the target is not met.
    parser.add_argument("--kiosk-rate", type=float, default=100.0,
                        help="kiosk responses per second over MQTT, alongside")
    # The claim is the last run's table, with every run's headline: a spread, not one run.
    parser.add_argument("--runs", type=int, default=3, help="runs, each checked")
    parser.add_argument("--quick", action="store_true", help="10 s, writes nothing")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.runs = 10.0, 1
    checks: dict[str, bool] = {}
    headlines = []
    for number in range(1, args.runs + 1):
        text, held, headline = run(args)
        print(text, flush=True)
        checks |= {f"run {number}: {name}": ok for name, ok in held.items()}
        headlines.append(f"- run {number}: {headline}")
    text += f"\nEach of the {args.runs} runs (the table is the last):\n\n" + "\n".join(headlines) + "\n"
    if args.quick or args.no_write:
        from bench.loadgen import checks_held

        return 0 if checks_held(checks) else 1
    return 0 if write_section("web_form", text, checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
