"""Signed links: what a link says, and every way a changed, expired or misused one is refused."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.web.links import LinkRefused, LinkSigner, load_or_create_secret, same_moment

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
H = "ab" * 32


def test_a_dossier_link_carries_its_claims_until_it_expires() -> None:
    signer = LinkSigner(b"k" * 32)
    token = signer.dossier_link("ubnd-a", "Quầy 3", "result", H, NOW + timedelta(days=30))
    claims = signer.read("dossier", token, NOW)
    assert (claims.office, claims.counter, claims.stage, claims.h) == ("ubnd-a", "Quầy 3",
                                                                       "result", H)
    with pytest.raises(LinkRefused) as refused:
        signer.read("dossier", token, NOW + timedelta(days=30))
    assert refused.value.why == "expired"


@pytest.mark.parametrize("change", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the tag
    lambda t: ("A" if t[0] != "A" else "B") + t[1:],  # the claims
    lambda t: t.split(".")[0],  # no tag
    lambda t: "",
])
def test_a_changed_link_is_refused_as_tampered(change: object) -> None:
    signer = LinkSigner(b"k" * 32)
    token = signer.dossier_link("ubnd-a", "1", None, H, NOW + timedelta(days=1))
    with pytest.raises(LinkRefused) as refused:
        signer.read("dossier", change(token), NOW)  # type: ignore[operator]
    assert refused.value.why == "tampered"


def test_kinds_and_secrets_never_cross() -> None:
    signer = LinkSigner(b"k" * 32)
    poster = signer.poster_link("ubnd-a", "1")
    assert signer.read("poster", poster, NOW).kind == "poster"
    with pytest.raises(LinkRefused):
        signer.read("dossier", poster, NOW)  # a poster is no dossier link
    with pytest.raises(LinkRefused):
        LinkSigner(b"x" * 32).read("poster", poster, NOW)  # another hub's secret
    with pytest.raises(ValueError, match="64 lower-case hex"):
        signer.dossier_link("ubnd-a", "1", None, "H21.65-221114-0001", NOW)


def test_no_stage_is_the_moment_of_handing_in_as_on_the_kiosk() -> None:
    assert same_moment(None, "receive") and same_moment("result", "result")
    assert not same_moment(None, "result")


def test_the_secret_is_made_once_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "web-link.key"
    first, created = load_or_create_secret(path)
    assert created and len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(path) == (first, False)
    path.write_text("not hex\n")
    with pytest.raises(ValueError, match="hex digits"):
        load_or_create_secret(path)
