"""The dashboard's settings: sessions, sign-in limits, cookies and the phone questionnaire's
links (the ``[web]`` section)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hailong.settings import Section


class WebSection(Section):
    """The dashboard: browser sessions and sign-in."""

    session_hours: float = Field(
        12, gt=0, le=24 * 90,
        description="A browser session ends after this many hours without a request; an open "
        "live page keeps its session alive")
    signin_max_failures: int = Field(
        5, ge=1, le=1000,
        description="Wrong passwords allowed per user name within signin_window before sign-in "
        "is refused for the rest of the window (an address gets four times as many)")
    signin_window: int = Field(
        900, ge=1, le=86_400, description="Seconds over which failed sign-ins are counted")
    secure_cookies: Literal["auto", "always"] = Field(
        "auto", description="auto: cookies are Secure when the page is served over HTTPS (directly "
        "or behind a proxy that says so); always: for a TLS proxy that does not")
    # -- the web channel (docs/web-channel.md) ------------------------------------------------
    link_secret_file: str = Field(
        "", description="The secret that signs phone links and posters, made on first start "
        "(0600); empty: web-link.key in the data folder. Only the hub holds it; a new one "
        "voids every link and poster given out")
    link_days: int = Field(
        30, ge=1, le=366, description="A dossier's phone link works for this many days")
    public_url: str = Field(
        "", pattern=r"^(https?://[^/?#\s]+(/[^?#\s]*)?)?$",
        description="The address citizens' phones open links at (e.g. https://danhgia.example.gov.vn); "
        "empty: http(s)://{[http] host}:{[http] port}")
    poster_per_client: int = Field(
        3, ge=1, le=1000, description="Poster ratings one phone (its address, never stored) may "
        "send within poster_window seconds")
    poster_per_poster: int = Field(
        60, ge=1, le=100_000, description="Ratings one counter's poster takes within "
        "poster_window seconds; more are refused (a flood, not a queue of citizens)")
    poster_window: int = Field(
        3600, ge=60, le=86_400, description="Seconds over which poster ratings are counted")
