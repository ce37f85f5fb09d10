"""Moves responses from the outbox to the hub, and keeps the kiosk's status message current.

Runs on its own thread so the screen never waits for the network. Each round it settles the
acks that arrived, sends what is due within a bounded window, and publishes the status when it
changed (at most once a second) or a minute has passed. It talks to the network only through
the small :class:`Transport` interface, so tests can run it against anything that publishes.

Hub presence (``hailong/v1/_hub/{client_id}/status``, retained): while every hub it has heard
of says "offline", nothing is sent, so the resend timers stand still instead of backing off
and filling the broker's queue for the absent hub with copies; the moment a hub says "online",
everything pending is due at once. A kiosk that never heard of a hub (an older hub without
presence) assumes one is there and behaves as before.

Two clocks: the wall clock stamps what leaves the kiosk (statuses) and schedules resends in the
outbox (a file that outlives the process), while every duration inside the loop (status gaps,
quiet periods, in-flight deadlines, pruning) is measured on the monotonic clock, so the wall
clock jumping (NTP answering at last on a Raspberry Pi without a real-time clock, an operator
setting the date) neither fires a timeout early nor holds one for hours. When the wall clock
jumps, the outbox's resend schedule, written in wall time, is restarted from the new time.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from hailong import __version__, contract
from hailong.topics import kiosk_topic, parse_hub_status_topic, parse_kiosk_topic
from kiosk.outbox import RESEND_FIRST, Outbox
from kiosk.storage_fault import describe, storage_problem

log = logging.getLogger(__name__)

# At most this many responses are awaiting the hub's ack at once: enough to drain a 50,000-row
# backlog in seconds (the hub acks a batch every few tens of ms), far below paho's 65,535 ids.
WINDOW = 200
# How often the loop wakes when nothing happens; also the worst-case delay of a new response.
TICK = 0.1
# Status: on every change but at most once a second, and at least once a minute.
STATUS_MIN_GAP = 1.0
STATUS_HEARTBEAT = 60.0
# Statuses carry an MQTT 5 Message Expiry Interval of three heartbeats: a live kiosk's retained
# status is always younger, while the statuses queued for a hub that is away (one a minute from
# every kiosk) are dropped by the broker instead of piling up for days; the hub only needs the
# latest. The last will ("offline") has no expiry: it must stand until the kiosk is back.
STATUS_EXPIRY = int(3 * STATUS_HEARTBEAT)
PRUNE_EVERY = 3600.0
# With nothing due, the outbox is asked again only when its earliest row falls due, when a
# response is stored or an ack arrives, and at least this often (a safety net; each query
# costs CPU that an idle kiosk should not spend ten times a second).
QUIET_MAX = 5.0
# While the screen draws a frame (2-5 ms of CPU at 1920x1080), this thread waits at its next
# checkpoint instead of taking the interpreter lock from it: a drain of 50,000 rows otherwise
# stretches frames past 16 ms, each blit handing the lock over for up to 5 ms (Python's switch
# interval). Never longer than this, so a frame that hangs cannot stall delivery.
GIVE_WAY_MAX = 0.05
# Publishes between two checkpoints: about a millisecond of Python.
PUBLISH_CHUNK = 20
# The wall clock moving this much more or less than the monotonic clock between two rounds is a
# jump (a step by NTP or by hand), not drift: NTP slews drift far more slowly than this.
CLOCK_JUMP = 30.0


class Transport(Protocol):
    @property
    def connected(self) -> bool: ...

    def publish(self, topic: str, payload: bytes, retain: bool = False,
                expiry: int | None = None) -> bool: ...


def rfc3339(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).astimezone().isoformat(timespec="milliseconds")


class Delivery:
    def __init__(self, outbox: Outbox, office: str, kiosk: str,
                 status_extra: Callable[[], dict[str, Any]],
                 retention_days: int = 30,
                 on_config: Callable[[bytes], None] | None = None,
                 clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] | None = None,
                 screen_idle: threading.Event | None = None) -> None:
        self.outbox = outbox
        self._screen_idle = screen_idle  # cleared by the screen while it draws a frame
        self.office = office
        self.kiosk = kiosk
        self.transport: Transport | None = None
        self._status_extra = status_extra
        self._retention_days = retention_days
        self._on_config = on_config
        self._clock = clock
        # A test that injects only ``clock`` drives the durations with it too.
        self._monotonic = monotonic or (time.monotonic if clock is time.time else clock)
        self._clock_offset = clock() - self._monotonic()
        self._inbox: queue.SimpleQueue[tuple[str, bytes]] = queue.SimpleQueue()
        self._inflight: dict[str, float] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._since = clock()
        self._last_status_at = 0.0
        self._force_status = True
        self._was_connected = False
        self._last_prune = 0.0
        self._quiet_until = 0.0
        # hub client id → online?; empty: no hub has ever said anything (assume one is there)
        self._hubs: dict[str, bool] = {}
        self.sent = 0
        self.acked = 0

    # -- called from other threads -------------------------------------------------------
    def received(self, topic: str, payload: bytes) -> None:
        """A message on the kiosk's ack or config topic (from the MQTT thread)."""
        self._inbox.put((topic, payload))
        self._wake.set()

    def connected(self) -> None:
        self._force_status = True
        self._quiet_until = 0.0
        self._wake.set()

    def nudge(self) -> None:
        """Something changed (a response stored, the scanner): send and report it now."""
        self._force_status = True
        self._quiet_until = 0.0
        self._wake.set()

    # -- lifecycle ------------------------------------------------------------------------
    def start(self, transport: Transport) -> None:
        self.transport = transport
        self._thread = threading.Thread(target=self._run, name="delivery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def hub_online(self) -> bool:
        """Whether a hub is there to take responses: unknown counts as yes."""
        return not self._hubs or any(self._hubs.values())

    def status(self, state: str = "online") -> dict[str, Any]:
        stats = self.outbox.stats()
        now = self._clock()
        document: dict[str, Any] = {
            "v": 1, "state": state, "version": __version__, "since": rfc3339(self._since),
            "now": rfc3339(now), "seq": stats.last_seq, "outbox": stats.depth,
            "outbox_oldest": stats.oldest, "scanner": "absent", "questionnaire": "",
        }
        document.update(self._status_extra())
        return document

    # -- the loop -------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
            except Exception as exc:  # the loop must survive a bad row or a database hiccup
                if storage_problem(exc) is not None:  # a full disk: the kiosk pauses (app.py)
                    log.warning("delivery round failed: %s; retrying", describe(exc))
                else:
                    log.exception("delivery round failed; retrying")
                self._stop.wait(1.0)
            self._wake.wait(TICK)
            self._wake.clear()

    def _give_way(self) -> None:
        """Let a frame being drawn finish first (see GIVE_WAY_MAX)."""
        if self._screen_idle is not None:
            self._screen_idle.wait(GIVE_WAY_MAX)

    def step(self) -> None:
        self._give_way()
        now = self._monotonic()
        self._notice_clock_jump(now)
        self._settle_incoming()
        transport = self.transport
        connected = transport is not None and transport.connected
        if connected != self._was_connected:
            self._was_connected = connected
            self._inflight.clear()
            if connected:
                self._since = self._clock()
                self._force_status = True
        if transport is None or not connected:
            return
        try:
            if self.hub_online:
                self._expire_inflight(now)
                self._send_due(transport, now)
        finally:  # a send whose bookkeeping failed (a full disk) still lets the status out
            self._maybe_publish_status(transport, now)
        if now - self._last_prune > PRUNE_EVERY or not self._last_prune:
            self._last_prune = now
            self.outbox.prune(self._clock(), self._retention_days)

    def _notice_clock_jump(self, now: float) -> None:
        offset = self._clock() - now
        jump = offset - self._clock_offset
        if abs(jump) < CLOCK_JUMP:
            return
        self._clock_offset = offset
        pending = self.outbox.make_due(self._clock())
        self._quiet_until = 0.0
        log.warning("the wall clock jumped %+.0f s; %d pending response(s) rescheduled from the "
                    "new time", jump, pending)

    def _settle_incoming(self) -> None:
        acked: list[str] = []
        rejected: list[tuple[str, str]] = []
        while True:
            try:
                topic, payload = self._inbox.get_nowait()
            except queue.Empty:
                break
            hub = parse_hub_status_topic(topic)
            if hub is not None:
                self._hub_presence(hub, payload)
                continue
            parsed = parse_kiosk_topic(topic)
            if parsed is None:
                continue
            if parsed.kind == "config":
                if self._on_config is not None:
                    self._on_config(payload)
                continue
            if parsed.kind != "ack":
                continue
            try:
                ack = contract.decode_ack(payload)
            except contract.ContractError as exc:
                log.warning("ignored a malformed ack: %s", exc.reason)
                continue
            acked.extend(ack.ids)
            rejected.extend((item.id, item.reason) for item in ack.rejected)
        if acked:
            self._give_way()
            self.acked += self.outbox.acknowledge(acked)
        if rejected:
            self.outbox.reject(rejected)
            for rid, reason in rejected:
                log.warning("the hub refused response %s: %s", rid, reason)
        for rid in acked:
            self._inflight.pop(rid, None)
        for rid, _ in rejected:
            self._inflight.pop(rid, None)
        if acked or rejected:
            self._force_status = True
            self._quiet_until = 0.0

    def _hub_presence(self, hub: str, payload: bytes) -> None:
        was_online = self.hub_online
        if not payload:
            self._hubs.pop(hub, None)  # a cleared retained presence: that hub is forgotten
        else:
            try:
                presence = contract.decode_document("presence", payload, 1024)
            except contract.ContractError as exc:
                log.warning("ignored a malformed hub presence from %s: %s", hub, exc.reason)
                return
            self._hubs[hub] = presence["state"] == "online"
        if self.hub_online and not was_online:
            log.info("hub %s is online: sending what waits", hub)
            pending = self.outbox.make_due(self._clock())
            self._inflight.clear()
            self._quiet_until = 0.0
            self._force_status = True
            log.info("%d response(s) due again", pending)
        elif was_online and not self.hub_online:
            log.info("no hub online (%s said offline): holding responses", hub)

    def _expire_inflight(self, now: float) -> None:
        stale = [rid for rid, deadline in self._inflight.items() if deadline <= now]
        for rid in stale:
            del self._inflight[rid]

    def _send_due(self, transport: Transport, now: float) -> None:
        room = WINDOW - len(self._inflight)
        if room <= 0 or now < self._quiet_until:
            return
        wall = self._clock()
        due = self.outbox.due(wall, room, exclude=self._inflight)
        if len(due) < room:  # everything due is on its way: sleep until the next falls due
            upcoming = self.outbox.next_due()
            wait = QUIET_MAX if upcoming is None else min(upcoming - wall, QUIET_MAX)
            self._quiet_until = now + wait if not due else 0.0
        sent: list[str] = []
        topic = kiosk_topic(self.office, self.kiosk, "response")
        for index, item in enumerate(due):
            if index % PUBLISH_CHUNK == 0:
                self._give_way()
            if not transport.publish(topic, item.payload):
                break
            sent.append(item.id)
            self._inflight[item.id] = now + RESEND_FIRST
        if sent:
            self._give_way()
            self.outbox.mark_sent(sent, wall)
            self.sent += len(sent)

    def _maybe_publish_status(self, transport: Transport, now: float) -> None:
        if now - self._last_status_at < STATUS_MIN_GAP:
            return
        heartbeat = now - self._last_status_at >= STATUS_HEARTBEAT
        if not (self._force_status or heartbeat):
            return
        # Cleared before the document is read: a change signalled (nudge) while it is being read
        # or sent sets the flag again and goes out in the next status, instead of being lost
        # until the next heartbeat.
        self._force_status = False
        document = self.status()
        if transport.publish(kiosk_topic(self.office, self.kiosk, "status"),
                             contract.encode(document), retain=True, expiry=STATUS_EXPIRY):
            self._last_status_at = now
        else:
            self._force_status = True
