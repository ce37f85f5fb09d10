"""The dashboard's settings: sessions, sign-in limits and cookies (the ``[web]`` section)."""

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
