"""What the hub benchmarks share: a simulated fleet's responses pre-encoded as MQTT packets, raw
socket publishers that cannot be the bottleneck, the hub as a child process, and the report.

The load is made deterministically from a seed, so every phase of a run (publishers alone, the
bare subscriber, the hub) sends the very same responses. Publishers write ready-made MQTT 3.1.1
PUBLISH packets (QoS 1) straight to a socket in chunks and count the broker's PUBACKs, keeping a
window of unacknowledged messages like a kiosk's outbox does: no client library runs per message.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from hailong.broker import Broker, free_port, wait_for_port  # noqa: E402
from hailong.topics import kiosk_topic  # noqa: E402

LOW_REASONS = ("wait", "facilities", "unclear-procedure", "impolite", "late-result", "many-visits")
# Answers 1..5 drawn like national results (80-85 % satisfied).
WEIGHTS = (3, 4, 9, 40, 44)
RATED = ("access", "procedure", "officer", "result", "feedback")


def fleet_response(rng: random.Random, office: str, kiosk: str, seq: int, counter: str,
                   officer: str | None, at: datetime) -> dict[str, Any]:
    """One plausible SIPAS response, as the kiosk would send it."""
    answers: dict[str, Any] = {}
    overall = rng.choices(range(1, 6), WEIGHTS)[0]
    answers["overall"] = overall
    if overall <= 3:
        answers["reasons"] = rng.sample(LOW_REASONS, rng.randint(1, 2))
    for question in RATED:
        if rng.random() < 0.9:
            answers[question] = rng.choices(range(1, 6), WEIGHTS)[0]
    if rng.random() < 0.5:
        answers["visits"] = [rng.choice(("1", "2", "3+"))]
    return {"v": 1, "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "seq": seq,
            "office": office, "kiosk": kiosk, "counter": counter, "officer": officer,
            "receipt": None, "trigger": rng.choice(("tap", "scan", "officer")), "lang": "vi",
            "questionnaire": "sipas@1",
            "started_at": (at - timedelta(seconds=rng.randint(15, 45))).isoformat(),
            "submitted_at": at.isoformat(), "complete": rng.random() > 0.05, "answers": answers}


@dataclass(frozen=True)
class Fleet:
    """``kiosks`` kiosks, ``per_kiosk`` responses each, two kiosks per office, over recent days."""

    kiosks: int
    per_kiosk: int
    seed: int = 1
    days: int = 3

    @property
    def total(self) -> int:
        return self.kiosks * self.per_kiosk

    def kiosk(self, index: int) -> tuple[str, str, str]:
        return f"office-{index // 2:04d}", f"k{index % 2 + 1}", str(index % 2 + 1)

    def responses(self, kiosk_index: int) -> Iterator[dict[str, Any]]:
        office, kiosk, counter = self.kiosk(kiosk_index)
        rng = random.Random(self.seed * 1_000_003 + kiosk_index)
        now = datetime.now(UTC).replace(microsecond=0)
        start = now - timedelta(days=self.days)
        step = (now - start - timedelta(minutes=20)) / max(1, self.per_kiosk)
        for seq in range(1, self.per_kiosk + 1):
            yield fleet_response(rng, office, kiosk, seq, counter, f"cb-{counter}",
                                 start + step * seq)


# -- MQTT 3.1.1 packets --------------------------------------------------------------------
def _varlen(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (128 if n else 0))
        if not n:
            return bytes(out)


def _string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("!H", len(raw)) + raw


def connect_packet(client_id: str) -> bytes:
    body = _string("MQTT") + bytes([4, 0x02]) + struct.pack("!H", 0) + _string(client_id)
    return b"\x10" + _varlen(len(body)) + body


def publish_packet(topic: str, payload: bytes, packet_id: int) -> bytes:
    body = _string(topic) + struct.pack("!H", packet_id) + payload
    return b"\x32" + _varlen(len(body)) + body


# Unacknowledged messages a publisher keeps in flight: like a few hundred kiosks' outboxes
# releasing their windows at once (a kiosk keeps up to 200), far below the 65,535 packet ids.
WINDOW = 2000
# Packets per socket write: large writes keep the publisher's own cost per message tiny.
CHUNK = 100


def interleave(fleet: Fleet, kiosk_indexes: list[int], run: int) -> list[dict[str, Any]]:
    """Kiosks take turns, each sending ``run`` responses at a time (its outbox's window)."""
    streams = [fleet.responses(i) for i in kiosk_indexes]
    order: list[dict[str, Any]] = []
    while streams:
        alive = []
        for stream in streams:
            batch = [doc for _, doc in zip(range(run), stream, strict=False)]
            order.extend(batch)
            if len(batch) == run:
                alive.append(stream)
        streams = alive
    return order


def publisher(port: int, name: str, fleet: Fleet, kiosk_indexes: list[int], run: int,
              ready: Any, go: Any, results: Any) -> None:
    """A child process: encode its share of the load, then send it as fast as the broker takes it."""
    packets = []
    for number, doc in enumerate(interleave(fleet, kiosk_indexes, run)):
        topic = kiosk_topic(doc["office"], doc["kiosk"], "response")
        payload = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()
        packets.append(publish_packet(topic, payload, number % 65535 + 1))
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(connect_packet(name))
    if sock.recv(4)[:1] != b"\x20":
        raise RuntimeError("the broker refused the publisher")
    acked = [0]
    done = threading.Event()

    def count_acks() -> None:
        need, got = 4 * len(packets), 0
        while got < need:
            data = sock.recv(1 << 16)
            if not data:
                break
            got += len(data)
            acked[0] = got // 4
        done.set()

    reader = threading.Thread(target=count_acks, daemon=True)
    reader.start()
    ready.put(name)
    go.wait()
    started = time.monotonic()
    cpu_started = time.process_time()
    sent = 0
    while sent < len(packets):
        if sent - acked[0] >= WINDOW:
            time.sleep(0.0005)
            continue
        upto = min(sent + CHUNK, len(packets))
        sock.sendall(b"".join(packets[sent:upto]))
        sent = upto
    done.wait(600)
    results.put((name, len(packets), started, time.monotonic(),
                 time.process_time() - cpu_started))
    sock.close()


class Publishers:
    """``count`` publisher processes sharing the fleet's kiosks; started, then released at once."""

    def __init__(self, port: int, fleet: Fleet, count: int, run: int, tag: str) -> None:
        context = mp.get_context("spawn")
        self.ready = context.Queue()
        self.results = context.Queue()
        self.go = context.Event()
        self.cpu = 0.0
        self.processes = [context.Process(target=publisher, args=(
            port, f"{tag}-pub-{i}", fleet, list(range(i, fleet.kiosks, count)), run, self.ready,
            self.go, self.results), daemon=True) for i in range(count)]
        for process in self.processes:
            process.start()
        for _ in self.processes:
            self.ready.get(timeout=300)

    def release(self) -> float:
        started = time.monotonic()
        self.go.set()
        return started

    def finish(self) -> tuple[int, float, float]:
        """Messages sent, first start and last end (monotonic seconds, shared by processes);
        ``cpu`` then holds the CPU seconds the publishers spent sending."""
        rows = [self.results.get(timeout=900) for _ in self.processes]
        for process in self.processes:
            process.join(30)
        self.cpu = sum(r[4] for r in rows)
        return sum(r[1] for r in rows), min(r[2] for r in rows), max(r[3] for r in rows)


# -- the broker and the hub ------------------------------------------------------------------
# The dev broker saves its persistence file every second (tests kill it); with hundreds of
# thousands of queued messages that would rewrite hundreds of megabytes a second. A benchmark
# saves every minute, as a production broker does (deploy/'s config), and on a clean stop.
BENCH_BROKER_CONFIG = "autosave_interval 60\n"


def start_broker(folder: Path) -> Broker:
    return Broker(folder, extra_config=BENCH_BROKER_CONFIG).start()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class HubProcess:
    """``hailong hub run`` as a child process with its own config, like production."""

    def __init__(self, folder: Path, broker_url: str, database_url: str,
                 client_id: str = "bench-hub", extra: str = "") -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.config = folder / "hub.toml"
        self.config.write_text(
            f'[hub]\nclient_id = "{client_id}"\n{extra}\n[http]\nport = {self.port}\n'
            f'[mqtt]\nurl = "{broker_url}"\n[data]\ndir = "{folder}"\n'
            f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
        self.log = folder / "hub.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> HubProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HAILONG_")}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hailong", "hub", "run", "--config", str(self.config)],
                env=env, stdout=log, stderr=subprocess.STDOUT)
        if not wait_for_port("127.0.0.1", self.port, 60):
            raise RuntimeError(f"the hub did not start; see {self.log}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if '"mqtt":true' in self.get("/healthz").replace(" ", ""):
                return self
            time.sleep(0.1)
        raise RuntimeError(f"the hub did not connect to the broker; see {self.log}")

    def get(self, path: str) -> str:
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as reply:
            return str(reply.read().decode())

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid) if self.process else 0.0

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def machine() -> str:
    """What the figures were measured on, for the report."""
    model = ""
    try:
        with open("/proc/cpuinfo") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle
                          if line.startswith("model name")), "")
    except OSError:
        pass
    load = os.getloadavg()[0]
    mosquitto = subprocess.run(["mosquitto", "-h"], capture_output=True, text=True).stdout
    version = re.search(r"mosquitto version (\S+)", mosquitto)
    return (f"{os.cpu_count()} CPUs ({model or 'unknown model'}), load average {load:.1f} at the "
            f"start, Python {sys.version.split()[0]}, Mosquitto {version.group(1) if version else '?'}")


# Runs of each benchmark by default: one run on a shared machine says little; the spread of a
# few says how far to trust the median.
RUNS = 3


def parse_runs(parser: argparse.ArgumentParser, runs: str, quick: str) -> argparse.Namespace:
    """Add --runs (what one run is), --quick (a smoke run: what it does) and --no-write, and parse
    the arguments with --runs settled: RUNS, or 1 for a --quick smoke run."""
    parser.add_argument("--runs", type=int, default=0,
                        help=f"{runs} (default {RUNS}; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help=f"{quick}; writes nothing")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    args = parser.parse_args()
    args.runs = args.runs or (1 if args.quick else RUNS)
    return args


def spread(values: list[float], unit: str = "", digits: int = 0) -> str:
    """The median of several runs with their range, e.g. "1,234/s (1,100-1,300/s, 3 runs)"."""
    ordered = sorted(values)
    middle = ordered[len(ordered) // 2] if len(ordered) % 2 else \
        (ordered[len(ordered) // 2 - 1] + ordered[len(ordered) // 2]) / 2

    def show(value: float) -> str:
        return f"{value:,.{digits}f}{unit}"

    if len(ordered) == 1:
        return f"{show(middle)} (1 run)"
    return f"{show(middle)} ({show(ordered[0])}–{show(ordered[-1])}, {len(ordered)} runs)"


def checks_held(checks: dict[str, bool]) -> bool:
    """Print each of a benchmark's own checks that failed; True when every one held."""
    for what, held in checks.items():
        if not held:
            print(f"CHECK FAILED: {what}", flush=True)
    return all(checks.values())


def write_section(name: str, text: str, checks: dict[str, bool],
                  doc: Path = REPO / "docs" / "performance.md") -> bool:
    """Replace this benchmark's block in docs/performance.md (between its two markers), only when
    every one of the benchmark's own ``checks`` held: a figure whose run failed its check is
    printed, never written down as a claim."""
    if not checks_held(checks):
        print(f"the {name} figures were not written to {doc}: a check failed", flush=True)
        return False
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    current = doc.read_text(encoding="utf-8") if doc.exists() else "# Performance\n"
    block = f"{begin}\n{text.strip()}\n{end}"
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        current = head + block + rest.split(end, 1)[1]
    else:
        current = current.rstrip() + "\n\n" + block + "\n"
    doc.write_text(current, encoding="utf-8")
    print(f"wrote the {name} figures to {doc}")
    return True
