"""RetryPolicy: the one source of delays for every retry loop (HyP3 reads, downloads, --wait)."""

from __future__ import annotations

import itertools
import random

import pytest

from insarproj.transfer.retry import RetryPolicy, parse_retry_after


def test_plain_backoff_doubles_and_stops_at_the_ceiling() -> None:
    policy = RetryPolicy(first=2.0, ceiling=120.0)
    assert list(itertools.islice(policy.delays(), 8)) == [2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 120.0, 120.0]
    assert RetryPolicy(first=1.0).backoff(40) == 2.0**40  # no ceiling: unbounded


def test_retry_after_wins_over_the_backoff_and_is_capped() -> None:
    policy = RetryPolicy(first=1.0, max_retry_after=60.0)
    assert policy.delay(0, retry_after=7.0) == 7.0
    assert policy.delay(5, retry_after=0.0) == 0.0
    assert policy.delay(0, retry_after=3600.0) == 60.0
    assert policy.delay(2) == 4.0
    assert RetryPolicy(first=1.0).delay(0, retry_after=3600.0) == 3600.0  # uncapped when asked


def test_a_status_listing_loop_as_apply_wait_runs_it() -> None:
    """workspace.py's --wait listing: 2 s doubling to 120 s, the server's Retry-After first."""
    policy = RetryPolicy(first=2.0, ceiling=120.0)
    answers = [7.0, None, None]
    assert [policy.delay(n, retry_after=ra) for n, ra in enumerate(answers)] == [7.0, 4.0, 8.0]


@pytest.mark.parametrize("attempt", [0, 1, 3, 10, 100])
def test_full_jitter_stays_within_the_backoff(attempt: int) -> None:
    policy = RetryPolicy(first=1.0, ceiling=30.0, jitter=True, rng=random.Random(attempt))
    ceiling = min(30.0, 2.0**attempt)
    assert all(0.0 <= policy.backoff(attempt) <= ceiling for _ in range(50))


@pytest.mark.parametrize(
    ("header", "seconds"),
    [(None, None), ("", None), ("7", 7.0), (" 12 ", 12.0), ("-3", 0.0), ("soon", None)],
)
def test_retry_after_header_values(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


def test_retry_after_as_an_http_date() -> None:
    assert parse_retry_after("Thu, 01 Jan 1970 00:01:40 GMT", now=lambda: 40.0) == 60.0
