"""The poster limits' counter: at most N per key within a window, time passed in."""

from __future__ import annotations

from hub.web.ratelimit import WindowLimiter


def test_a_key_gets_its_allowance_per_window_and_refusals_are_not_counted() -> None:
    limiter = WindowLimiter(limit=2, window=60.0)
    assert [limiter.allow("a", t) for t in (0.0, 1.0, 2.0, 30.0)] == [True, True, False, False]
    assert limiter.allow("b", 2.0)  # another key has its own allowance
    assert limiter.allow("a", 60.0)  # the first has left the window; refusals never counted
    assert not limiter.allow("a", 60.5)
    assert limiter.allow("a", 61.0)
