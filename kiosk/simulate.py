"""Simulated kiosks for ``hailong demo`` on a machine without a display.

Each simulated kiosk is the real kiosk's back half (outbox, delivery, MQTT) fed by a
pretend citizen every few seconds, so the dashboard has scores that move.
"""

from __future__ import annotations

import logging
import random
import threading
from datetime import datetime, timedelta

from hailong.questionnaire import Questionnaire
from kiosk.recorder import Answer, Draft, ResponseDesk
from kiosk.settings import KioskSettings

log = logging.getLogger(__name__)

# Weights of answers 1..5 per simulated kiosk: one good counter, one average, one poor, so the
# demo shows a spread of scores (national results run 80-85 % satisfied).
PROFILES = ((1, 2, 5, 40, 52), (2, 4, 12, 45, 37), (8, 12, 20, 35, 25))


def pretend_citizen(questionnaire: Questionnaire, rng: random.Random,
                    weights: tuple[int, ...], now: datetime) -> Draft:
    answers: dict[str, Answer] = {}
    for question in questionnaire.enabled_questions:
        if question.show_if is not None and not question.show_if.holds(answers):
            continue
        if rng.random() < 0.08:
            continue  # skipped
        if question.is_rating:
            answers[question.id] = rng.choices(range(1, 6), weights=weights)[0]
        elif question.type == "single":
            answers[question.id] = [rng.choice(question.choices).id]
        else:
            picked = rng.sample(question.choices, k=min(len(question.choices), rng.randint(1, 2)))
            answers[question.id] = [c.id for c in picked]
    complete = rng.random() > 0.1
    return Draft(answers=answers, trigger=rng.choice(("tap", "tap", "scan", "officer")),
                 lang="vi" if rng.random() < 0.9 else "en",
                 started_at=now - timedelta(seconds=rng.uniform(12, 40)), submitted_at=now,
                 complete=complete)


def run_simulated_kiosks(base: KioskSettings, questionnaire: Questionnaire, count: int,
                         interval: float, stop: threading.Event, seed: int | None = None) -> None:
    """Run ``count`` kiosks (ids kiosk-1 … kiosk-N) until ``stop`` is set."""
    services: list[ResponseDesk] = []
    for index in range(count):
        settings = simulated_settings(base, index)
        service = ResponseDesk(settings, questionnaire.ref)
        service.start()
        services.append(service)
    rng = random.Random(seed)
    try:
        while not stop.wait(rng.uniform(0.5, 1.5) * interval):
            index = rng.randrange(count)
            now = datetime.now().astimezone()
            draft = pretend_citizen(questionnaire, rng, PROFILES[index % len(PROFILES)], now)
            services[index].submit(draft)
    finally:
        for service in services:
            service.stop()


def simulated_settings(base: KioskSettings, index: int) -> KioskSettings:
    """Kiosk ``index`` of the simulation: its own id, counter and outbox file."""
    section = base.kiosk.model_copy(update={"id": f"kiosk-{index + 1}", "counter": str(index + 1)})
    return base.model_copy(update={"kiosk": section})
