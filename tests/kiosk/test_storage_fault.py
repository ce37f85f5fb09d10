"""What the kiosk takes for a failing disk (and so pauses for), with a real file-size limit.

A child process stores responses in a real outbox under ``RLIMIT_FSIZE`` (SIGXFSZ ignored, so
a write past the limit fails with EFBIG instead of killing it): the failure is a storage
problem, the failed store leaves nothing (no row, no seq used), and once the limit is lifted
the same response stores with the next seq.
"""

from __future__ import annotations

import errno
import multiprocessing as mp
import sqlite3
import uuid
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from kiosk.storage_fault import storage_problem
from tests.support.faults import PATIENCE

LIMIT = 256 * 1024  # bytes: a few dozen responses, then the limit


def _store_past_the_limit(folder: str, results: Any) -> None:
    import resource
    import signal

    from kiosk.outbox import Outbox
    from tests.support.hubdata import response

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    outbox = Outbox(f"sqlite:///{folder}/outbox.db")
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, resource.RLIM_INFINITY))
    stored = 0
    try:
        while stored < 10_000:
            rid = str(uuid.uuid4())
            outbox.store(partial(response, "ubnd-a", "k01", rid=rid))
            stored += 1
        results.put(("never failed", stored))
        return
    except Exception as exc:
        problem = storage_problem(exc)
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    again = outbox.store(partial(response, "ubnd-a", "k01", rid=rid))  # the same one, retried
    results.put((problem, stored, again["id"] == rid, again["seq"], outbox.stats().last_seq))
    outbox.close()


def test_a_file_size_limit_is_a_storage_problem_and_the_retry_stores_with_no_gap(
        tmp_path: Path) -> None:
    context = mp.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_store_past_the_limit, args=(str(tmp_path), results))
    child.start()
    outcome = results.get(timeout=PATIENCE)
    child.join(PATIENCE)
    problem, stored, same, seq, last = outcome
    assert problem in ("full", "error") and stored > 0, outcome
    assert same and seq == stored + 1 == last  # the failed store used no seq


def test_what_counts_as_a_storage_problem() -> None:
    full = sqlite3.OperationalError("database or disk is full")
    assert storage_problem(OperationalError("INSERT", {}, full)) == "full"
    assert storage_problem(OSError(errno.ENOSPC, "No space left on device")) == "full"
    assert storage_problem(OSError(errno.EFBIG, "File too large")) == "full"
    assert storage_problem(OperationalError("INSERT", {}, sqlite3.OperationalError(
        "disk I/O error"))) == "error"
    assert storage_problem(IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE"))) is None
    assert storage_problem(ValueError("an invalid response")) is None
