"""Waiting between attempts: exponential backoff with full jitter, and ``Retry-After``."""

from __future__ import annotations

import email.utils
import http.client
import random
import re
import time
from collections.abc import Callable

import requests
import urllib3.exceptions

# Errors while connecting or reading a body that a later attempt can get past. Reading goes
# through urllib3's raw stream (not requests' iter_content), so urllib3's own types show up too.
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
