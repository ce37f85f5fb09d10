"""The sign-in limiter, with time passed in."""

from __future__ import annotations

from hub.web.ratelimit import PER_ADDRESS_FACTOR, SigninLimiter


def test_failures_lock_a_name_for_the_rest_of_the_window() -> None:
    limiter = SigninLimiter(max_failures=3, window=60)
    for second in (0, 1, 2):
        assert limiter.retry_after("lan", "10.0.0.1", second) == 0
        limiter.failed("lan", "10.0.0.1", second)
    assert limiter.retry_after("lan", "10.0.0.1", 3) == 57  # until the first failure expires
    assert limiter.retry_after("lan", "10.0.0.9", 3) == 0  # the user elsewhere: never locked
    assert limiter.retry_after("minh", "10.0.0.9", 3) == 0  # another name: free
    assert limiter.retry_after("lan", "10.0.0.1", 60) == 0


def test_success_clears_the_name_but_not_the_address() -> None:
    limiter = SigninLimiter(max_failures=2, window=60)
    limiter.failed("lan", "a", 0)
    limiter.succeeded("lan", "a")
    limiter.failed("lan", "a", 1)
    assert limiter.retry_after("lan", "a", 2) == 0


def test_one_address_trying_many_names_is_locked_too() -> None:
    limiter = SigninLimiter(max_failures=2, window=100)
    for i in range(2 * PER_ADDRESS_FACTOR):
        limiter.failed(f"user{i}", "203.0.113.5", i)
    assert limiter.retry_after("someone-new", "203.0.113.5", 10) > 0
    assert limiter.retry_after("someone-new", "198.51.100.7", 10) == 0
