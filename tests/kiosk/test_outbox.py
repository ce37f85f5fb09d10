"""The kiosk's outbox: durable, gap-free seqs, ack and reject, resend backoff, pruning."""

from __future__ import annotations

from datetime import timedelta, timezone
from pathlib import Path

import msgspec
import pytest
from sqlalchemy import text

from hailong import contract
from kiosk.outbox import RESEND_FIRST, RESEND_MAX, Outbox
from tests.support.kiosk import outbox_document

VN = timezone(timedelta(hours=7))


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(f"sqlite:///{tmp_path / 'outbox.db'}")


def test_seq_counts_every_response_without_gaps_across_restarts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'outbox.db'}"
    first = Outbox(url)
    seqs = [first.store(outbox_document)["seq"] for _ in range(3)]
    first.close()
    second = Outbox(url)  # as after a power cut: the file alone carries the state
    seqs.append(second.store(outbox_document)["seq"])
    assert seqs == [1, 2, 3, 4]
    assert second.stats().last_seq == 4 and second.stats().depth == 4


def test_the_file_is_in_wal_mode_with_full_sync(outbox: Outbox) -> None:
    with outbox.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL


def test_an_invalid_response_is_not_stored_and_burns_no_seq(outbox: Outbox) -> None:
    with pytest.raises(contract.ContractError):
        outbox.store(lambda seq: {**outbox_document(seq), "lang": "fr"})
    assert outbox.stats().last_seq == 0
    assert outbox.store(outbox_document)["seq"] == 1


def test_due_ack_reject_and_backoff(outbox: Outbox) -> None:
    docs = [outbox.store(outbox_document) for _ in range(3)]
    now = 1000.0
    due = outbox.due(now, 10)
    assert [p.seq for p in due] == [1, 2, 3]
    assert msgspec.to_builtins(contract.decode_response(due[0].payload, _topic())) == docs[0]
    outbox.mark_sent([p.id for p in due], now)
    assert outbox.due(now + RESEND_FIRST - 1, 10) == []
    again = outbox.due(now + RESEND_FIRST, 10)
    assert len(again) == 3
    # each further attempt doubles the wait, up to the cap
    outbox.mark_sent([again[0].id], now + RESEND_FIRST)
    assert outbox.due(now + 3 * RESEND_FIRST - 1, 10, exclude=[again[1].id, again[2].id]) == []
    assert outbox.acknowledge([docs[1]["id"], "unknown-id"]) == 1
    assert outbox.reject([(docs[2]["id"], "bad")]) == 1
    stats = outbox.stats()
    assert stats.depth == 1 and stats.rejected == 1
    assert stats.oldest == docs[0]["submitted_at"]
    for _ in range(12):
        outbox.mark_sent([docs[0]["id"]], now)
    assert outbox.due(now + RESEND_MAX, 10)[0].id == docs[0]["id"]


def test_prune_forgets_only_old_acked_rows(outbox: Outbox) -> None:
    old = outbox.store(outbox_document, now=0.0)
    fresh = outbox.store(outbox_document)
    outbox.acknowledge([old["id"]], now=0.0)
    outbox.acknowledge([fresh["id"]])
    assert outbox.prune(now=40 * 86400, retention_days=30) == 1
    assert outbox.stats().last_seq == 2  # the counter survives pruning


def test_one_rating_per_dossier_is_remembered(outbox: Outbox) -> None:
    outbox.store(outbox_document, receipt_hash="b" * 64)
    assert outbox.already_rated("b" * 64)
    assert not outbox.already_rated("c" * 64)


def _topic():  # type: ignore[no-untyped-def]
    from hailong.topics import parse_kiosk_topic

    return parse_kiosk_topic("hailong/v1/o/k/response")
