"""Requests, responses and the router of the sandbox server.

Service modules register handlers on a `Router`:

    router.add("GET", r"/jobs/(?P<job_id>[0-9a-f-]+)", get_job)
    router.add("GET", r"/oauth/authorize", authorize, host=LOGIN)

A handler takes a `Request` and returns a `Response` (or raises `HTTPError` with one). Patterns
match the whole path; named groups land in `request.params`. HEAD falls back to the GET handler
(the server drops the body). `host` restricts a route to one of the sandbox's hostnames, which
play different services, as on the real internet:

* DATA    127.0.0.1  CMR, datapool downloads, the burst extractor, HyP3, orbits, DEM
* LOGIN   localhost  Earthdata login (requests drops Authorization when a redirect reaches it);
                     also CDSE's download host, which the CDSE catalogue redirects to
* STORAGE 127.1      presigned "S3" storage (127.1 is 127.0.0.1 written short: the same socket,
                     but another host to clients, so neither credentials nor netrc entries for
                     the other two names reach it, as with real S3)
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs, parse_qsl

DATA, LOGIN, STORAGE = "data", "login", "storage"
HOSTNAMES = {DATA: "127.0.0.1", LOGIN: "localhost", STORAGE: "127.1"}
_ROLE_OF_HOST = {name: role for role, name in HOSTNAMES.items()}


def role_of(hostname: str) -> str:
    """The sandbox role a Host header's hostname plays (unknown names count as the data host)."""
    return _ROLE_OF_HOST.get(hostname, DATA)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


@dataclass
class Response:
    """What a handler returns. `body` is bytes, or an iterable of byte chunks with `length` set
    (without a length the server closes the connection to end the body)."""

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    length: int | None = None

    def header(self, name: str, value: str) -> Response:
        self.headers.append((name, value))
        return self

    def content_length(self) -> int | None:
        return len(self.body) if isinstance(self.body, bytes) else self.length

    @classmethod
    def json(cls, data: Any, status: int = 200, *, content_type: str = "application/json") -> Response:
        body = json.dumps(data, separators=(",", ":")).encode()
        return cls(status, body, [("Content-Type", content_type)])

    @classmethod
    def problem(cls, status: int, detail: str, *, title: str | None = None) -> Response:
        """RFC 7807 problem+json, the error shape of HyP3 (hyp3_sdk reads `detail`)."""
        payload = {
            "detail": detail,
            "status": status,
            "title": title or _reason(status),
            "type": "about:blank",
        }
        return cls.json(payload, status, content_type="application/problem+json")

    @classmethod
    def text(
        cls, text: str, status: int = 200, *, content_type: str = "text/plain; charset=utf-8"
    ) -> Response:
        return cls(status, text.encode(), [("Content-Type", content_type)])

    @classmethod
    def html(cls, text: str, status: int = 200) -> Response:
        return cls.text(text, status, content_type="text/html; charset=utf-8")

    @classmethod
    def xml(cls, text: str, status: int = 200) -> Response:
        return cls.text(text, status, content_type="application/xml")

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Response:
        return cls(status, b"", [("Location", location)])


class HTTPError(Exception):
    """Raise from a handler to answer with `response` (bad input, missing things, refusals)."""

    def __init__(self, response: Response) -> None:
        super().__init__(f"HTTP {response.status}")
        self.response = response


def bad_request(detail: str) -> HTTPError:
    return HTTPError(Response.problem(400, detail))


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    hostname: str = "127.0.0.1"
    role: str = DATA
    client: str = ""
    params: dict[str, str] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)  # faults applied while answering
    notes: list[str] = field(default_factory=list)  # remarks for the request log
    fault_check: Callable[[str, str], bool] | None = field(default=None, repr=False)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def arg(self, name: str, default: str | None = None) -> str | None:
        """First value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def form(self) -> list[tuple[str, str]]:
        """Form fields in order: the query string, then an urlencoded body."""
        pairs = [(k, v) for k, vs in self.query.items() for v in vs]
        ctype = (self.header("content-type") or "").split(";")[0].strip().lower()
        if self.body and ctype in ("", "application/x-www-form-urlencoded"):
            try:
                pairs += parse_qsl(self.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
            except UnicodeDecodeError as exc:
                raise bad_request("The form body is not UTF-8.") from exc
        return pairs

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise bad_request(f"Request body is not valid JSON: {exc}") from exc

    def cookies(self) -> dict[str, str]:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.header("cookie") or "")
        except CookieError:
            return {}
        return {k: m.value for k, m in jar.items()}

    def fault(self, kind: str) -> bool:
        """Whether the run's fault plan injects `kind` into this request (recorded when it does)."""
        if self.fault_check is None or not self.fault_check(kind, self.path):
            return False
        self.faults.append(kind)
        return True

    def note(self, text: str) -> None:
        self.notes.append(text)


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    host: str | None


class Router:
    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(self, method: str, path_regex: str, handler: Handler, *, host: str | None = None) -> None:
        if host is not None and host not in HOSTNAMES:
            raise ValueError(f"Route host {host!r} must be one of {sorted(HOSTNAMES)} or None.")
        self._routes.append(Route(method.upper(), re.compile(path_regex), handler, host))

    def resolve(self, method: str, path: str, role: str) -> tuple[Handler, dict[str, str]]:
        """The handler for a request, or an HTTPError: 404 for unknown paths, 405 for methods."""
        allowed: set[str] = set()
        for wanted in (method, "GET") if method == "HEAD" else (method,):
            for route in self._routes:
                if route.host not in (None, role):
                    continue
                match = route.pattern.fullmatch(path)
                if match is None:
                    continue
                if route.method == wanted:
                    return route.handler, {k: v for k, v in match.groupdict().items() if v is not None}
                allowed.add(route.method)
        if allowed:
            response = Response.problem(405, f"{method} is not allowed on {path}.")
            raise HTTPError(response.header("Allow", ", ".join(sorted(allowed))))
        raise HTTPError(Response.problem(404, f"Nothing is served at {path} on this host."))


def parse_query(raw: str) -> dict[str, list[str]]:
    return parse_qs(raw, keep_blank_values=True)


class Origins:
    """Base URLs of the sandbox's hostnames (`http://127.0.0.1:PORT`, …), known once it listens.

    URLs in responses are built from these at response time, never stored with a port in them.
    """

    def __init__(self) -> None:
        self.port: int | None = None

    def url(self, role: str) -> str:
        if self.port is None:
            raise RuntimeError("The sandbox is not listening yet: call Sandbox.start() first.")
        return f"http://{HOSTNAMES[role]}:{self.port}"

    @property
    def data(self) -> str:
        return self.url(DATA)

    @property
    def login(self) -> str:
        return self.url(LOGIN)

    @property
    def storage(self) -> str:
        return self.url(STORAGE)

    def is_ours(self, netloc: str) -> bool:
        """Whether `host:port` names this sandbox under any of its hostnames."""
        return any(netloc == f"{name}:{self.port}" for name in HOSTNAMES.values())
