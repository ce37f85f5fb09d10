"""Kiosk benchmark: start-up, idle CPU, memory, frame time, tap-to-disk, a 50,000-row drain,
and the screens and key presses a rating takes at each tested size.

    .venv/bin/python bench/kiosk.py                    # every phase; prints JSON
    .venv/bin/python bench/kiosk.py --phases screens   # only some: start, frames, drain, screens

Runs the real kiosk (``hailong kiosk run`` in a child process for start-up, idle CPU and
memory; the real KioskApp in this process, driven by posted pygame events, for frames and
taps) under SDL's dummy video driver, against a private Mosquitto on a free loopback port and,
for the drain, the real hub in a child process. Every phase is bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hailong import contract  # noqa: E402
from hailong.broker import Broker, free_port  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
BUDGET_MS = 16.0  # the frame budget (60 Hz)
LOOP_MS = 1000 / 30  # the app's loop period
PHASES = ("start", "frames", "drain", "screens")
# The sizes the layouts are tested at (docs/kiosk.md, "Any screen").
SIZES = ((800, 480), (1024, 600), (1280, 800), (1920, 1080), (1080, 1920))
# A one-tap rating (Enter, a face, Send), a full one, and a full one after a low overall answer
# (which adds the reasons): the overall answer of each, and whether every question is answered
# (False: Send on the screen after the overall answer).
RATINGS = {"one tap": (4, False), "full": (4, True), "full with reasons": (2, True)}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAILONG_")}
    env.update(extra)
    return env


def kiosk_toml(folder: Path, broker: Broker, kiosk_id: str = "k01") -> Path:
    path = folder / f"{kiosk_id}.toml"
    path.write_text(f'[kiosk]\noffice = "bench"\nid = "{kiosk_id}"\nreceipt_key = "bench"\n'
                    f'min_interval = 0\n\n[mqtt]\nurl = "{broker.url}"\n\n'
                    f'[data]\ndir = "{folder}"\n', encoding="utf-8")
    return path


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_idle_cpu_memory(folder: Path, broker: Broker, runs: int, idle_seconds: float
                          ) -> dict[str, float]:
    """``hailong kiosk run`` until READY=1 (sent once the idle screen is drawn), then idle."""
    config = kiosk_toml(folder, broker)
    starts: list[float] = []
    result: dict[str, float] = {}
    for run in range(runs):
        sock_path = folder / f"notify-{run}.sock"
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        listener.bind(str(sock_path))
        listener.settimeout(30)
        began = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "hailong", "kiosk", "run", "--config", str(config),
             "--windowed", "1920x1080"], env=child_env(NOTIFY_SOCKET=str(sock_path)),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert listener.recv(64) == b"READY=1"
            starts.append(time.perf_counter() - began)
            if run == runs - 1:
                time.sleep(3)  # let start-up work (imports, first connection) settle
                cpu0, wall0 = cpu_seconds(process.pid), time.perf_counter()
                time.sleep(idle_seconds)
                cpu1, wall1 = cpu_seconds(process.pid), time.perf_counter()
                result["idle_cpu_percent"] = 100 * (cpu1 - cpu0) / (wall1 - wall0)
                result["idle_rss_mb"] = rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait(15)
            listener.close()
    result["start_median_s"] = statistics.median(starts)
    result["start_max_s"] = max(starts)
    return result


def open_app(folder: Path, broker: Broker | None, size: tuple[int, int]):  # type: ignore[no-untyped-def]
    from hailong.questionnaire import find_questionnaire
    from hailong.settings import load_settings
    from kiosk.app import KioskApp
    from kiosk.settings import KioskSettings
    from kiosk.speech import Speaker

    env = {"HAILONG_DATA_DIR": str(folder), "HAILONG_KIOSK_OFFICE": "bench",
           "HAILONG_KIOSK_ID": "k01", "HAILONG_KIOSK_RECEIPT_KEY": "bench",
           "HAILONG_KIOSK_MIN_INTERVAL": "0",
           "HAILONG_KIOSK_COMPLAINT_URL": "https://dichvucong.gov.vn/p/phananhkiennghi",
           "HAILONG_MQTT_URL": broker.url if broker else f"mqtt://127.0.0.1:{free_port()}"}
    settings = load_settings(KioskSettings, None, env=env)
    app = KioskApp(settings, find_questionnaire("sipas"), size=size, speaker=Speaker("off"))
    app.open(connect=broker is not None)
    return app


# A full rating after a low overall answer at a size that groups (sipas@3): Enter, overall 2, two
# reasons, the five factors (one skipped), the integrity pair, two needs, the number of visits.
CITIZEN = "\n" "2" "18" "\n" "43504" "21" "27" "\n" "2"


def idle_warm_up(drive, seconds: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """The kiosk idles before its first citizen, as after any start, until it has drawn every
    screen off-screen (one per loop iteration: about 4 s at 1920×1080)."""
    for _ in range(int(seconds * 30)):
        if not drive.app.warming:
            return
        drive.step(1 / 30)
        time.sleep(1 / 30)  # the loop's pace: delivery (in the drain) runs meanwhile
    raise RuntimeError("the warm-up did not finish")


def frames_and_taps(folder: Path, citizens: int) -> dict[str, float]:
    """Frames at 1920×1080 through every screen, and tap → response committed (FULL sync)."""
    from tools.drive import Driver

    app = open_app(folder / "cold", None, (1920, 1080))
    try:  # a citizen arriving the very moment the kiosk started: nothing cached yet
        drive = Driver(app)
        drive.start()
        drive.keys(CITIZEN)
        cold = list(app.frame_ms)
    finally:
        app.close()
    app = open_app(folder / "warm", None, (1920, 1080))
    try:
        drive = Driver(app)
        drive.start()
        idle_warm_up(drive)
        app.frame_ms.clear()
        app.frame_cpu_ms.clear()
        for _ in range(citizens):
            drive.keys(CITIZEN)
            drive.step(6)  # the thank-you ends
        frames = list(app.frame_ms)
        frames_cpu = list(app.frame_cpu_ms)
        taps = list(app.durable_ms)
    finally:
        app.close()
    return {"frames": len(frames), "frame_p50_ms": pct(frames, 50),
            "frame_p95_ms": pct(frames, 95), "frame_max_ms": max(frames),
            "frames_over_budget": sum(f > BUDGET_MS for f in frames),
            "frame_cpu_p95_ms": pct(frames_cpu, 95), "frame_cpu_max_ms": max(frames_cpu),
            "cold_frame_p50_ms": pct(cold, 50), "cold_frame_max_ms": max(cold),
            "taps": len(taps), "tap_p50_ms": pct(taps, 50), "tap_p95_ms": pct(taps, 95),
            "tap_max_ms": max(taps)}


def citizen_key(app, overall: int) -> str:  # type: ignore[no-untyped-def]
    """The key a citizen reading the screen presses next to answer everything: ``overall`` on
    the opening question, 4 on the other faces, "Không" on yes/no, the first choice of a single
    choice, the first chip then Enter on a multi-select."""
    from kiosk import flow

    state, rules = app.state, app.rules
    if flow.on_stage_screen(state):
        return "1"
    question = flow.current_question(state, rules)
    assert question is not None, state.screen
    if question.is_rating:
        return str(overall) if question.id == flow.overall_id(rules.questionnaire) else "4"
    if question.type == "yesno":
        return "2"
    if question.type == "multi":
        return "1" if not state.session.answers.get(question.id) else "enter"
    return "1"


def one_rating(drive, overall: int, full: bool) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(screens the citizen answered on, key presses including the Enter that starts) for one
    rating, by real key events through the real app, until the thank-you."""
    from kiosk import flow

    app = drive.app
    assert app.state.screen == "idle"
    drive.key("enter")
    presses, answered, screen = 1, set(), None
    while app.state.screen == "question":
        assert presses < 60, "the rating does not end"
        screen = flow.screen_of(app.rules, app.state.session)
        if not full and app.state.session.answers:
            drive.key("-")  # Send: the answers so far, complete
        else:
            before = app.state.session.answers
            drive.key(citizen_key(app, overall))
            if app.state.session is None or app.state.session.answers != before:
                answered.add(screen)
        presses += 1
    assert app.state.screen == "thanks", app.state.screen
    drive.step(10)  # the thank-you ends
    return len(answered), presses


def screens_and_presses(folder: Path) -> list[dict[str, object]]:
    """Screens and key presses of each rating in :data:`RATINGS` at each size in :data:`SIZES`."""
    from tools.drive import Driver

    rows: list[dict[str, object]] = []
    for width, height in SIZES:
        app = open_app(folder / f"{width}x{height}", None, (width, height))
        try:
            drive = Driver(app)
            drive.start()
            for name, (overall, full) in RATINGS.items():
                screens, presses = one_rating(drive, overall, full)
                rows.append({"size": f"{width}x{height}", "rating": name, "grouped":
                             app.rules.grouped, "screens": screens, "presses": presses})
        finally:
            app.close()
    return rows


def prefill(folder: Path, count: int) -> None:
    """``count`` pending responses in the outbox, written in one go (set-up, not measured)."""
    from sqlalchemy import insert, text, update

    from kiosk.outbox import Outbox, counters, responses

    outbox = Outbox(f"sqlite:///{folder / 'outbox-k01.db'}")
    start = datetime.now().astimezone() - timedelta(days=3)
    rows = []
    for seq in range(1, count + 1):
        at = start + timedelta(seconds=5 * seq)
        document = {"v": 1, "id": str(uuid.uuid4()), "seq": seq, "office": "bench",
                    "kiosk": "k01", "counter": "1", "officer": None, "receipt": None,
                    "trigger": "tap", "questionnaire": "sipas@1", "lang": "vi",
                    "started_at": (at - timedelta(seconds=25)).isoformat(),
                    "submitted_at": at.isoformat(), "complete": True,
                    "answers": {"overall": seq % 5 + 1, "access": 4}}
        rows.append({"seq": seq, "id": document["id"], "payload": contract.encode(document),
                     "submitted_at": document["submitted_at"], "created_at": time.time(),
                     "state": "pending", "attempts": 0, "next_attempt_at": 0.0})
    with outbox.engine.begin() as conn:
        conn.execute(text("PRAGMA synchronous=OFF"))
        conn.execute(insert(responses), rows)
        conn.execute(update(counters).where(counters.c.name == "seq").values(value=count))
    outbox.close()


def start_hub(folder: Path, broker: Broker) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    config = folder / "hub.toml"
    config.write_text(f'[hub]\nclient_id = "hailong-hub-bench"\n\n[http]\nhost = "127.0.0.1"\n'
                      f'port = {port}\n\n[mqtt]\nurl = "{broker.url}"\n\n[data]\n'
                      f'dir = "{folder / "hub"}"\n', encoding="utf-8")
    hub = subprocess.Popen([sys.executable, "-m", "hailong", "hub", "run", "--config",
                            str(config)], env=child_env(), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return hub, port
        except OSError:
            time.sleep(0.2)
    hub.kill()
    raise RuntimeError("the hub did not start")


def drain(folder: Path, broker: Broker, count: int, limit: float) -> dict[str, float]:
    """A kiosk with ``count`` queued responses drains to the hub while a citizen uses it."""
    import pygame

    from tools.drive import KEYS

    prefill(folder, count)
    hub, _port = start_hub(folder, broker)
    opened = time.perf_counter()
    app = open_app(folder, broker, (1920, 1080))
    iterations: list[float] = []
    try:
        from tools.drive import Driver

        drive = Driver(app)
        drive.start()
        idle_warm_up(drive)  # (delivery starts draining meanwhile)
        frames_before = len(app.frame_ms)
        app.frame_cpu_ms.clear()
        began = time.perf_counter()
        clock = pygame.time.Clock()
        presses = 0
        next_press = began
        depth, checked = count, 0.0
        while depth > 0 and time.perf_counter() - began < limit:
            now = time.perf_counter()
            if now - checked > 0.5:  # outside the timed step: the app itself never asks
                depth, checked = app.desk.stats().depth, now
            if now >= next_press:  # a citizen pressing a key every half second
                key, char = KEYS[{"\n": "enter"}.get(CITIZEN[presses % len(CITIZEN)],
                                                     CITIZEN[presses % len(CITIZEN)])]
                pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, unicode=char,
                                                     mod=0, scancode=0))
                presses += 1
                next_press = now + 0.5
            started = time.perf_counter()
            app.step()
            iterations.append((time.perf_counter() - started) * 1000)
            clock.tick(30)
        elapsed = time.perf_counter() - opened
        left = app.desk.stats().depth
        frames = list(app.frame_ms)[frames_before:]
        frames_cpu = list(app.frame_cpu_ms)
        rss = rss_mb(os.getpid())
    finally:
        app.close()
        hub.terminate()
        hub.wait(20)
    return {"queued": count, "left": left, "drain_s": elapsed,
            "drain_per_s": (count - left) / elapsed, "drain_frames": len(frames),
            "drain_frame_p95_ms": pct(frames, 95), "drain_frame_max_ms": max(frames),
            "drain_frames_over_budget": sum(f > BUDGET_MS for f in frames),
            "drain_frame_cpu_p95_ms": pct(frames_cpu, 95),
            "drain_frame_cpu_max_ms": max(frames_cpu),
            "drain_iterations": len(iterations), "drain_iteration_p95_ms": pct(iterations, 95),
            "drain_iterations_over_loop": sum(i > LOOP_MS for i in iterations),
            "bench_process_rss_mb": rss}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5, help="start-ups to time")
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle CPU sampling")
    parser.add_argument("--citizens", type=int, default=40, help="questionnaires for frames/taps")
    parser.add_argument("--queued", type=int, default=50_000, help="responses queued for the drain")
    parser.add_argument("--limit", type=float, default=600.0, help="longest drain allowed (s)")
    parser.add_argument("--phases", default=",".join(PHASES),
                        help=f"comma-separated phases to run (default: all of {', '.join(PHASES)})")
    args = parser.parse_args()
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = sorted(set(phases) - set(PHASES))
    if unknown:
        parser.error(f"unknown phase {unknown[0]!r}: choose among {', '.join(PHASES)}")
    results: dict[str, object] = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                                  f"Python {platform.python_version()}",
                                  "video": os.environ["SDL_VIDEODRIVER"],
                                  "load_average_at_start": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="hailong-bench-") as tmp:
        folder = Path(tmp)
        broker = Broker(folder / "broker").start()
        try:
            for phase in phases:
                (folder / phase).mkdir()
                if phase == "start":
                    results.update(start_idle_cpu_memory(folder / phase, broker, args.starts,
                                                         args.idle))
                elif phase == "frames":
                    results.update(frames_and_taps(folder / phase, args.citizens))
                elif phase == "drain":
                    results.update(drain(folder / phase, broker, args.queued, args.limit))
                else:
                    results["screens"] = screens_and_presses(folder / phase)
        finally:
            broker.stop()
    results["load_average_at_end"] = os.getloadavg()
    print(json.dumps(results, indent=2))
    if "screens" in results:
        print(screens_table(results["screens"]))  # type: ignore[arg-type]
    if results.get("left"):  # its own check: the whole queue drained within --limit
        print(f"CHECK FAILED: {results['left']} responses still queued after {args.limit:.0f} s")
        return 1
    return 0


def screens_table(rows: list[dict[str, object]]) -> str:
    """The screens-and-presses rows as the Markdown table of docs/performance.md."""
    lines = ["| size | groups on one screen | " + " | ".join(RATINGS) + " |",
             "|---|---|" + "---|" * len(RATINGS)]
    for size in dict.fromkeys(str(row["size"]) for row in rows):
        cells = {str(r["rating"]): r for r in rows if r["size"] == size}
        first = next(iter(cells.values()))
        lines.append(f"| {size.replace('x', '×')} | {'yes' if first['grouped'] else 'no'} | "
                     + " | ".join(f"{_count(cells[n]['screens'], 'screen')}, "
                                  f"{_count(cells[n]['presses'], 'press')}"
                                  for n in RATINGS) + " |")
    return "\n".join(lines)


def _count(n: object, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}{'es' if noun.endswith('s') else 's'}"


if __name__ == "__main__":
    sys.exit(main())
