"""The three aspects of the 2023 method as pure functions: perceptions (sensitive reasons per
100 ratings) and needs (the needs question's choices ranked); satisfaction is the scores'.

Perceptions (nhận định, đánh giá): for every reason marked ``sensitive`` in the questionnaire
(harassment, unofficial payment), how often it was chosen **per 100 answers to the overall
question** in the same range and channel. The denominator is every overall answer (1 to 5,
skips excluded), not only the low ones after which reasons are asked: "3 per 100 ratings"
then reads as "3 of every 100 citizens who rated said so", whatever the office's score. A
reason is chosen at most once per response, so the rate is a proportion and has a Wilson
interval.

Needs (nhu cầu, mong đợi): each choice of the ``needs`` question with its count and its share
of the respondents who answered the question (skips excluded). Each respondent may pick up to
two choices, so the shares can add up to more than 100 %.

Integrity (2023 method, perceptions): each yes/no question asked of every respondent, as a
prevalence: the share of "yes" (Có) among yes + no, with its n and Wilson interval; "prefer not
to say" (Không muốn trả lời) is counted apart, outside the share. Reason chips of earlier
questionnaire versions (``harassment``, ``unofficial-payment``), which the question replaces,
are counted apart too: they were asked only after a low rating, so they have no "no".

Nothing here touches a database: tested with hand-computed tables (tests/hub/test_aspects.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hub.scores.scores import wilson

PER = 100  # perceptions are counted per this many overall answers
NEEDS = "needs"  # the needs question's id in every questionnaire that asks it
DENOMINATOR = "overall"  # the question whose answers are the perceptions' denominator


def perceptions(counts: Mapping[str, int], sensitive: Iterable[str], ratings: int
                ) -> dict[str, Any]:
    """Every sensitive reason (listed even when never chosen) with its count and rate per 100
    overall answers, and that rate's 95 % interval; None figures when there are no ratings."""
    reasons: list[dict[str, Any]] = []
    for reason in dict.fromkeys(sensitive):
        count = int(counts.get(reason, 0))
        interval = wilson(min(count, ratings), ratings)
        reasons.append({
            "reason": reason, "count": count,
            "per_100": PER * count / ratings if ratings else None,
            "per_100_ci95": [PER * interval[0], PER * interval[1]] if interval else None})
    reasons.sort(key=lambda r: (-r["count"], r["reason"]))
    return {"denominator": DENOMINATOR, "ratings": int(ratings), "per": PER,
            "reasons": reasons}


def integrity_prevalence(counts: Mapping[str, Mapping[str, int]],
                         questions: Mapping[str, str | None], chips: Mapping[str, int],
                         min_n: int) -> list[dict[str, Any]]:
    """One entry per integrity question (those asked, and those with answers): yes, no,
    declined, n = yes + no, the prevalence of yes and its 95 % interval, and the picks of the
    earlier chip it replaces (``questions``: question → chip or None)."""
    entries = []
    for question in sorted({*questions, *counts}):
        answers = counts.get(question, {})
        yes, no = int(answers.get("yes", 0)), int(answers.get("no", 0))
        chip = questions.get(question)
        interval = wilson(yes, yes + no)
        entries.append({
            "question": question, "yes": yes, "no": no,
            "declined": int(answers.get("decline", 0)), "n": yes + no,
            "prevalence": yes / (yes + no) if yes + no else None,
            "prevalence_ci95": list(interval) if interval else None,
            "too_few": yes + no < min_n,
            "replaces": chip, "chips": int(chips.get(chip, 0)) if chip else 0})
    return entries


def needs_ranking(counts: Mapping[str, int], offered: Iterable[str], answered: int,
                  max_choices: int | None) -> dict[str, Any]:
    """The needs question's choices by how often they were picked (offered choices never picked
    are listed with 0), each with its share of the respondents who answered the question."""
    totals = {choice: 0 for choice in offered}
    for choice, count in counts.items():
        totals[choice] = totals.get(choice, 0) + int(count)
    ordered = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    return {"question": NEEDS, "answered": int(answered), "max_choices": max_choices,
            "chosen": sum(totals.values()),
            "choices": [{"choice": choice, "count": count,
                         "share": count / answered if answered else None}
                        for choice, count in ordered]}
