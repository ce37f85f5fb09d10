"""Signed links to the phone questionnaire: a dossier link (office, counter, stage, receipt
hash, expiry) or a counter poster (office, counter), HMAC-signed with a secret only the hub holds.

A token is ``<payload>.<tag>``: the payload is compact JSON in base64url, the tag the first 16
bytes of HMAC-SHA256 over it, so a changed letter anywhere is refused. The same secret signs
the questionnaire's own hidden state (:meth:`LinkSigner.seal`) under another label, so a
state can never pass for a link, nor a poster for a dossier link. Pure: time is passed in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from hailong.provision import write_private

# 128 bits of tag: forging one by guessing takes 2^128 tries; longer would only lengthen the QR.
TAG_BYTES = 16
SECRET_BYTES = 32
_HASH = re.compile(r"^[0-9a-f]{64}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
STAGES = ("receive", "result")
Kind = Literal["dossier", "poster"]


class LinkRefused(ValueError):
    """A link that cannot be used: ``why`` is ``tampered`` or ``expired``."""

    def __init__(self, why: Literal["tampered", "expired"]) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True, slots=True)
class LinkClaims:
    """What a valid link says: where the rating counts, and (dossier links) which dossier."""

    kind: Kind
    office: str
    counter: str
    stage: str | None = None
    h: str | None = None
    expires: datetime | None = None


def check_claims(office: str, counter: str, stage: str | None, h: str | None) -> None:
    """A ValueError worded for the caller when a field cannot be signed."""
    if not _ID.match(office):
        raise ValueError(f"office {office!r} is not an id (lower-case letters, digits, '-')")
    if not 1 <= len(counter) <= 64:
        raise ValueError("counter must be 1 to 64 characters")
    if stage is not None and stage not in STAGES:
        raise ValueError(f"stage must be receive or result, not {stage!r}")
    if h is not None and not _HASH.match(h):
        raise ValueError("h must be the receipt hash: 64 lower-case hex digits")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def same_moment(a: str | None, b: str | None) -> bool:
    """Whether two stages are the same moment of a dossier: as on the kiosk (kiosk/outbox.py),
    a rating that names no stage counts as given on handing the dossier in."""
    return (a or "receive") == (b or "receive")


class LinkSigner:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the link secret is too short (at least 16 bytes)")
        self._secret = secret

    def _tag(self, label: bytes, body: str) -> str:
        digest = hmac.new(self._secret, label + b"\0" + body.encode("ascii"), hashlib.sha256)
        return _b64(digest.digest()[:TAG_BYTES])

    def seal(self, label: str, document: Any) -> str:
        """``document`` as compact JSON, signed for ``label``."""
        body = _b64(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode())
        return f"{body}.{self._tag(label.encode(), body)}"

    def open(self, label: str, sealed: str) -> Any:
        """The document sealed for ``label``, or LinkRefused("tampered")."""
        body, _, tag = sealed.partition(".")
        if not body or not tag or len(sealed) > 4096:
            raise LinkRefused("tampered")
        if not hmac.compare_digest(tag, self._tag(label.encode(), body)):
            raise LinkRefused("tampered")
        try:
            return json.loads(_unb64(body))
        except (binascii.Error, ValueError):
            raise LinkRefused("tampered") from None

    def dossier_link(self, office: str, counter: str, stage: str | None, h: str,
                     expires: datetime) -> str:
        check_claims(office, counter, stage, h)
        return self.seal("dossier", {"o": office, "c": counter, "s": stage, "h": h,
                                     "e": int(expires.timestamp())})

    def poster_link(self, office: str, counter: str) -> str:
        check_claims(office, counter, None, None)
        return self.seal("poster", {"o": office, "c": counter})

    def read(self, kind: Kind, token: str, now: datetime) -> LinkClaims:
        """The claims of a link of ``kind``, or LinkRefused (tampered, or expired at ``now``)."""
        document = self.open(kind, token)
        try:
            office, counter = str(document["o"]), str(document["c"])
            if kind == "poster":
                return LinkClaims("poster", office, counter)
            stage, h = document["s"], str(document["h"])
            expires = datetime.fromtimestamp(int(document["e"]), UTC)
        except (KeyError, TypeError, ValueError):
            raise LinkRefused("tampered") from None
        if now >= expires:
            raise LinkRefused("expired")
        return LinkClaims("dossier", office, counter, stage, h, expires)


def load_or_create_secret(path: Path) -> tuple[bytes, bool]:
    """The link secret in ``path``, or a new one written there (0600); and whether it is new."""
    if path.exists():
        text = path.read_text(encoding="utf-8").strip()
        if text:
            try:
                return bytes.fromhex(text), False
            except ValueError:
                raise ValueError(f"{path}: the link secret must be hex digits; delete the file "
                                 "to make a new one (every link given out stops working)") from None
    secret = secrets.token_bytes(SECRET_BYTES)
    write_private(path, secret.hex() + "\n")
    return secret, True
