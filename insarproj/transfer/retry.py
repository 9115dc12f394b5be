"""Waiting between attempts: the one retry policy (exponential backoff, optional full jitter,
``Retry-After`` honoured), and which transport errors are worth another attempt.

Every retry loop in insarproj takes its delays from :class:`RetryPolicy`: the HyP3 reads, the
downloader's resume loop and ``apply --wait``'s status listing. The loops stay separate because
what they count differs (a download that advanced its ``.part`` does not use up its budget), but
how long they wait does not. urllib3's ``Retry`` mounted on the session is not used for the GETs:
the loops need an injectable sleep, a request log and messages that name the last failure, and
``responses`` (the unit tests' mock) replaces the adapter that would run it. POST is never retried.
"""

from __future__ import annotations

import email.utils
import http.client
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import requests
import urllib3.exceptions

# Errors while connecting or reading a body that a later attempt can get past. A body is read
# with http.client's readinto, or through urllib3's raw stream when that is not available (not
# requests' iter_content), so urllib3's and http.client's own types show up too.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    requests.exceptions.ConnectionError,  # includes ConnectTimeout, ProxyError, SSLError
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    urllib3.exceptions.HTTPError,  # ProtocolError, IncompleteRead, ReadTimeoutError, ...
    http.client.HTTPException,  # http.client.IncompleteRead
    ConnectionError,  # reset / aborted sockets (builtin, an OSError subclass)
    TimeoutError,
)

# A TLS verification failure will fail identically next time: retrying only delays the message.
_PERMANENT_MARKERS = ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed")


def is_permanent(exc: BaseException) -> bool:
    text = str(exc)
    return any(marker in text for marker in _PERMANENT_MARKERS)


def backoff_delay(attempt: int, *, backoff: float, max_backoff: float, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(max_backoff, backoff * 2**attempt)] (attempt counts from 0)."""
    ceiling = min(max_backoff, backoff * (2 ** min(attempt, 62)))
    return rng.uniform(0.0, ceiling)


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait before attempt ``n + 1`` after ``n + 1`` failures (``attempt`` counts from 0).

    Args:
        first: the first backoff in seconds, doubled per attempt.
        ceiling: the largest backoff (None: unbounded).
        jitter: full jitter, uniform in [0, backoff] (many clients at once do not retry in step).
        max_retry_after: the largest ``Retry-After`` obeyed (None: obeyed as sent); a server's
            ``Retry-After`` always wins over the backoff.
        rng: the jitter's random source (injectable for tests).
    """

    first: float = 1.0
    ceiling: float | None = None
    jitter: bool = False
    max_retry_after: float | None = None
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)
    _rng_lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def backoff(self, attempt: int) -> float:
        """The backoff alone for ``attempt`` (no ``Retry-After``)."""
        if self.jitter:
            with self._rng_lock:  # one Downloader's threads share the policy
                return backoff_delay(attempt, backoff=self.first, max_backoff=self._ceiling(), rng=self.rng)
        return min(self._ceiling(), self.first * 2.0 ** min(attempt, 62))

    def delay(self, attempt: int, *, retry_after: float | None = None) -> float:
        """Seconds to wait before the next attempt: the server's ``Retry-After`` (capped) when it
        sent one, else the backoff."""
        if retry_after is not None:
            return retry_after if self.max_retry_after is None else min(retry_after, self.max_retry_after)
        return self.backoff(attempt)

    def delays(self) -> Iterator[float]:
        """The backoffs of attempts 0, 1, 2, … (endless; a caller with a ``Retry-After`` in hand
        uses :meth:`delay`)."""
        attempt = 0
        while True:
            yield self.backoff(attempt)
            attempt += 1

    def _ceiling(self) -> float:
        return float("inf") if self.ceiling is None else self.ceiling


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent
    or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now())


_QUERY = re.compile(r"\?[^\s'\"<>)]*")


def scrub(text: str) -> str:
    """Drop query strings from a library's error text: urllib3 and requests quote full URLs, and
    presigned query strings are secrets."""
    return _QUERY.sub("?…", text)


def describe(exc: BaseException) -> str:
    """One-line, query-free description of a transport error for messages and logs."""
    detail = scrub(str(exc)).strip()
    # urllib3 nests the real reason deep in a repr; keep the message short enough to read.
    if len(detail) > 200:
        detail = detail[:197] + "..."
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
