"""Ingest: batches incoming messages, validates them, has the store commit them, then acks.

Messages arrive from the MQTT thread into a queue. A worker takes them in batches (flushed by
size or after a few tens of milliseconds, whichever comes first), validates each against the
wire contract, writes the batch in one transaction and only then acknowledges: first the
hub's ``ack`` message to each kiosk, then the MQTT-level ack to the broker. Anything invalid is
recorded as rejected with its reason; nothing a kiosk sends can stop the loop.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError, OperationalError

from hailong import contract
from hailong.contract import SKEW_FUTURE, SKEW_PAST, Ack, AckRejection, Response
from hailong.questionnaire import Questionnaire
from hailong.topics import kiosk_topic, parse_kiosk_topic
from hub.ingest.subscriber import Message
from hub.store import Accepted, Rejection, StatusUpdate, Store, integrity
from hub.store.tables import KIOSK_CHANNEL

log = logging.getLogger(__name__)

# A batch closes at 500 messages or 20 ms after its first message: big enough that one commit
# (one fsync) carries hundreds of responses under load, short enough that a single rating is
# acked and on the dashboard well within a second.
BATCH_MAX = 500
BATCH_WINDOW = 0.020
# A phone waits for its rating's commit before its thank-you page (hub/web/webchannel.py): a
# batch holding one closes after at most this long, so the page is not held up by the window
# that suits kiosks, whose acks nobody watches.
WEB_WINDOW = 0.005
# A database that is down is retried every few seconds; the broker keeps the rest queued.
RETRY_DELAY = 2.0


@dataclass
class IngestCounters:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    statuses: int = 0
    batches: int = 0
    reasons: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def settled(self) -> int:
        """Responses committed, found already stored, or refused: each received one ends so."""
        return self.stored + self.duplicates + self.rejected


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


class AnswerChecks:
    """The semantic checks the schema cannot make; each failure is a flag, never a refusal.

    ``unknown-questionnaire``: the hub has no file for ``id@version``; ``unknown-question``: an
    answer to a question that version does not have; ``answer-type``: a rating question answered
    with choices, a choice question with a number, or a choice the question does not offer;
    ``no-transaction``: no receipt although the kiosk should open only on a transaction.

    One check refuses instead (:meth:`refusal`): more choices than a question allows (e.g. three
    needs where the questionnaire says "up to two") cannot come from a kiosk of that version,
    and counting them would weigh that citizen more than the others.
    """

    def __init__(self, catalog: dict[str, Questionnaire],
                 gated: Callable[[str, str], bool] = lambda office, kiosk: False) -> None:
        self._gated = gated
        # integrity questions: their answers never reach a stored row (hub/store/integrity.py)
        self.sensitive = integrity.sensitive_questions(catalog)
        self._questions = {ref: {q.id: (q.is_rating, {c.id for c in q.choices})
                                 for q in questionnaire.questions}
                           for ref, questionnaire in catalog.items()}
        self._limits = {ref: {q.id: q.max_choices for q in questionnaire.questions
                              if q.max_choices is not None}
                        for ref, questionnaire in catalog.items()}

    def refusal(self, response: Response) -> str | None:
        """Why this response is refused, or None: a question answered with too many choices."""
        limits = self._limits.get(response.questionnaire, {})
        for question, limit in limits.items():
            answer = response.answers.get(question)
            if isinstance(answer, list) and len(answer) > limit:
                return (f"too many choices: answers.{question} has {len(answer)}, "
                        f"{response.questionnaire} allows at most {limit}")
        return None

    def flags(self, response: Response) -> list[str]:
        flags: list[str] = []
        questions = self._questions.get(response.questionnaire)
        if questions is None:
            flags.append("unknown-questionnaire")
        else:
            for question, answer in response.answers.items():
                known = questions.get(question)
                if known is None:
                    if "unknown-question" not in flags:
                        flags.append("unknown-question")
                    continue
                is_rating, choices = known
                # ``type(…) is int``: a JSON boolean (a yes/no answer) is no 1–5 rating.
                if is_rating:
                    wrong = type(answer) is not int
                else:
                    wrong = not isinstance(answer, list) or not set(answer) <= choices
                if wrong and "answer-type" not in flags:
                    flags.append("answer-type")
        if response.receipt is None and self._gated(response.office, response.kiosk):
            flags.append("no-transaction")
        return flags


def database_trouble(exc: DBAPIError) -> str:
    """The database's own reason, on one line (e.g. "database or disk is full")."""
    reason = str(exc.orig if exc.orig is not None else exc).strip().splitlines()
    return f"{reason[0] if reason else 'no reason given'} ({exc.__class__.__name__})"


class Ingestor:
    def __init__(self, store: Store, *, timezone_of: Callable[[str], ZoneInfo],
                 publish: Callable[[str, bytes], None], ack: Callable[[int, int], None],
                 on_committed: Callable[[set[str]], None] = lambda offices: None,
                 on_status: Callable[[set[str]], None] = lambda offices: None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 checks: AnswerChecks | None = None,
                 ack_all: Callable[[Sequence[Message]], None] | None = None) -> None:
        self.store = store
        self._checks = checks
        self._sensitive = checks.sensitive if checks is not None else frozenset()
        self.counters = IngestCounters()
        self._timezone_of = timezone_of
        self._publish = publish
        # The broker's acks: a batch's at once when the subscriber can (``ack_all``), else
        # one ``ack(mid, qos)`` per message.
        def each(messages: Sequence[Message]) -> None:
            for message in messages:
                ack(message.mid, message.qos)

        self._ack_all = ack_all or each
        self._on_committed = on_committed
        self._on_status = on_status  # offices whose kiosks sent a status (live pages' strip)
        self._clock = clock
        self._queue: queue.SimpleQueue[Message | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        # Why the last batch could not be stored (the database's own words), until one is.
        self.trouble: str | None = None

    # -- threads --------------------------------------------------------------------------
    def submit(self, message: Message) -> None:
        self._queue.put(message)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ingest", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Finish the batch at hand and stop; unacked messages stay with the broker."""
        self._stopping.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            batch = self._next_batch()
            if batch:
                self._process_until_done(batch)

    def _next_batch(self) -> list[Message]:
        try:
            first = self._queue.get(timeout=0.5)
        except queue.Empty:
            return []
        if first is None:
            return []
        batch = [first]
        opened = time.monotonic()
        deadline = opened + (WEB_WINDOW if first.settled is not None else BATCH_WINDOW)
        while len(batch) < BATCH_MAX:
            remaining = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=max(0.0, remaining)) if remaining > 0 \
                    else self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                self._stopping.set()
                break
            batch.append(item)
            if item.settled is not None:
                deadline = min(deadline, opened + WEB_WINDOW)
        return batch

    def _process_until_done(self, batch: list[Message]) -> None:
        while True:
            try:
                self.process(batch)
                if self.trouble is not None:
                    log.warning("storing responses again: the database is back")
                self.trouble = None
                return
            except (OperationalError, DBAPIError) as exc:
                if self._stopping.is_set():
                    log.warning("database unavailable while stopping; %d messages stay with the "
                                "broker", len(batch))
                    return
                self.trouble = database_trouble(exc)
                log.error("cannot store responses: %s; %d messages wait unacknowledged, retrying "
                          "in %.0f s", self.trouble, len(batch), RETRY_DELAY)
                time.sleep(RETRY_DELAY)
            except Exception:
                log.exception("a batch of %d failed; retrying one message at a time", len(batch))
                self._process_singly(batch)
                return

    def _process_singly(self, batch: Sequence[Message]) -> None:
        for message in batch:
            try:
                self.process([message])
            except (OperationalError, DBAPIError):
                raise
            except Exception as exc:
                log.exception("message on %s could not be stored", message.topic)
                rejection = Rejection(message.topic, f"internal error: {exc.__class__.__name__}",
                                      integrity.redact(message.payload, self._sensitive),
                                      self._clock())
                self.store.record_rejections([rejection])
                self.counters.rejected += 1
                self._ack_all([message])
                if message.settled is not None:
                    message.settled(f"rejected: internal error: {exc.__class__.__name__}")

    # -- one batch ------------------------------------------------------------------------
    def process(self, batch: Sequence[Message]) -> None:
        now = self._clock()
        accepted: list[Accepted] = []
        rejections: list[Rejection] = []
        statuses: list[StatusUpdate] = []
        sources: list[Message] = []  # the message of each accepted response
        acks: dict[tuple[str, str], Ack] = defaultdict(lambda: Ack(1, [], []))
        # The web questionnaire's messages wait for their outcome (hub/web/rating_pages.py)
        # and get no ack message: they came from no kiosk.
        outcomes: dict[int, str] = {}
        for message in batch:
            self.counters.received += 1
            topic = parse_kiosk_topic(message.topic)
            if topic is None or topic.kind not in ("response", "status"):
                rejections.append(Rejection(message.topic, "not a hailong/v1 kiosk topic",
                                            message.payload, now))
                continue
            if topic.kind == "status":
                if not message.payload:
                    continue  # a retained status being cleared
                try:
                    status = contract.decode_status(message.payload)
                except contract.ContractError as exc:
                    rejections.append(Rejection(message.topic, exc.reason, message.payload, now))
                    continue
                statuses.append(StatusUpdate(topic.office, topic.kiosk, status, now))
                continue
            try:
                response = contract.decode_response(message.payload, topic)
            except contract.ContractError as exc:
                rejections.append(Rejection(message.topic, exc.reason, message.payload, now,
                                            exc.message_id))
                outcomes[id(message)] = f"rejected: {exc.reason}"
                if exc.message_id is not None and message.channel is None:
                    acks[(topic.office, topic.kiosk)].rejected.append(
                        AckRejection(exc.message_id, exc.reason))
                continue
            refusal = self._checks.refusal(response) if self._checks is not None else None
            if refusal is not None:
                rejections.append(Rejection(message.topic, refusal, message.payload, now,
                                            response.id))
                outcomes[id(message)] = f"rejected: {refusal}"
                if message.channel is None:
                    acks[(topic.office, topic.kiosk)].rejected.append(
                        AckRejection(response.id, refusal))
                continue
            accepted.append(self._accept(message, response, now))
            sources.append(message)

        # the rejected-message store never keeps an integrity answer either
        rejections = [replace(r, payload=integrity.redact(r.payload, self._sensitive))
                      for r in rejections]
        result = self.store.write_batch(accepted, rejections, statuses)

        for item, outcome, source in zip(accepted, result.outcomes, sources, strict=True):
            outcomes[id(source)] = outcome
            target = acks[(item.office, item.kiosk)] if source.channel is None else Ack(1, [], [])
            if outcome == "conflict":
                target.rejected.append(AckRejection(item.id, "conflict: this id is already "
                                                    "stored with other content"))
                self.counters.rejected += 1
            else:
                if item.id not in target.ids:
                    target.ids.append(item.id)
                if outcome == "stored":
                    self.counters.stored += 1
                else:
                    self.counters.duplicates += 1
        self.counters.rejected += len(rejections)
        for rejection in rejections:
            self.counters.reasons[rejection.reason.split(":")[0]] += 1
        self.counters.statuses += len(statuses)
        self.counters.batches += 1

        for (office, kiosk), body in acks.items():
            self._publish(kiosk_topic(office, kiosk, "ack"), contract.encode(body))
        self._ack_all(batch)
        for message in batch:
            if message.settled is not None:
                message.settled(outcomes.get(id(message), "rejected: not a response"))
        # Live scores are today's: a backlog of past days does not make them worth recomputing.
        today = {office for office, day in result.days
                 if day == local_day(now, self._timezone_of(office))}
        if today:
            self._on_committed(today)
        if statuses:
            self._on_status({s.office for s in statuses})

    def _accept(self, message: Message, response: Response, now: datetime) -> Accepted:
        response, answers = integrity.split_response(response, self._sensitive)
        payload = message.payload
        if answers:  # what is stored, digested and ever put aside holds them no more
            payload = contract.encode(response)
        submitted = contract.parse_time(response.submitted_at)
        tz = self._timezone_of(response.office)
        flags = self._checks.flags(response) if self._checks is not None else []
        if submitted > now + SKEW_FUTURE or submitted < now - SKEW_PAST:
            flags.append("clock-skew")
            day = local_day(now, tz)
        else:
            day = local_day(submitted, tz)
        return Accepted(topic=message.topic, payload=payload, response=response,
                        digest=hashlib.sha256(payload).hexdigest(), received_at=now,
                        day=day, flags=tuple(flags), integrity=answers,
                        channel=message.channel or KIOSK_CHANNEL)
