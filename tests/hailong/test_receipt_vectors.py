"""Receipt hashes against pinned vectors computed by OpenSSL, not by hailong (docs/protocol.md)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from kiosk.receipt import normalise, receipt_hash
from tests.support import REPO, require

_BLOCK = re.compile(r"<!-- receipt-vectors: begin -->(.*?)<!-- receipt-vectors: end -->", re.S)
_ROW = re.compile(r"^\| `(\".*?\")` \| `(\".*?\")` \| `(\".*?\")` \| `([0-9a-f]{64})` \|$", re.M)


def vectors() -> list[tuple[str, str, str, str]]:
    """(key, scanned code, normalised code, h) as written in docs/protocol.md."""
    block = _BLOCK.search((REPO / "docs" / "protocol.md").read_text(encoding="utf-8"))
    assert block, "docs/protocol.md lost its receipt test vectors"
    rows = [(json.loads(k), json.loads(c), json.loads(n), h) for k, c, n, h in _ROW.findall(block[1])]
    assert len(rows) == 4, "a vector row of docs/protocol.md no longer parses"
    return rows


@pytest.mark.parametrize(("key", "code", "normalised", "h"), vectors())
def test_the_kiosk_hashes_receipts_as_the_pinned_vectors_say(key: str, code: str, normalised: str,
                                                             h: str) -> None:
    assert normalise(code) == normalised
    assert receipt_hash(code, key) == h


def test_the_pinned_vectors_are_what_openssl_computes() -> None:
    require("openssl", shutil.which("openssl") is not None, "sudo apt-get install -y openssl")
    for key, _code, normalised, h in vectors():
        done = subprocess.run(["openssl", "dgst", "-sha256", "-hmac", key],
                              input=normalised.encode("utf-8"), capture_output=True, check=True)
        assert done.stdout.decode().split()[-1] == h
