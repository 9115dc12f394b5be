"""The sandbox's request log: what every client asked and what it got, readable by tests.

An entry is added before the response's first byte leaves the server, and its byte count is
raised before each piece is written, so a client that has read a whole response always finds it
in the log (no race between a test's assertion and the server thread's bookkeeping).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    host: str  # the Host header as sent ("127.0.0.1:PORT", "localhost:PORT", …)
    status: int
    bytes_sent: int  # body bytes written (less than the length when a fault cut the body)
    fault: str | None  # comma-separated kinds injected into this request
    time: float  # epoch seconds when the request arrived
    duration: float | None = None  # seconds until the response was finished (None while sending)
    authorization: str | None = None  # the Authorization scheme sent ("Bearer", "Basic"), never its value
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["notes"] = list(self.notes)
        return data


class LogHandle:
    """The live entry of a request being answered."""

    def __init__(self, lock: threading.Lock, fields: dict[str, Any]) -> None:
        self._lock, self.fields = lock, fields

    def sending(self, count: int) -> None:
        with self._lock:
            self.fields["bytes_sent"] += count

    def unsent(self, count: int) -> None:
        with self._lock:
            self.fields["bytes_sent"] -= count

    def finish(self, duration: float) -> None:
        with self._lock:
            self.fields["duration"] = duration


class RequestLog:
    def __init__(self) -> None:
        self._entries: list[LogHandle] = []
        self._lock = threading.Lock()

    def start(self, **fields: Any) -> LogHandle:
        handle = LogHandle(self._lock, {"bytes_sent": 0, "duration": None, **fields})
        with self._lock:
            self._entries.append(handle)
        return handle

    def snapshot(self) -> list[LoggedRequest]:
        with self._lock:
            return [LoggedRequest(**h.fields) for h in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
