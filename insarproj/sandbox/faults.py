"""Fault injection for the sandbox: switchable per run, deterministic with a seed.

A fault plan is a comma-separated list of rules:

    kind[:arg]...[@glob]

    arg   0.2          a probability (has a decimal point): each matching request faults with it
          3            a count (an integer): the first 3 matching requests fault, later ones pass
                       (for burst202: the first 3 requests of each burst)
          scene=NAME   a selector: only requests whose path contains NAME
          filename=X   a value for the kind (not a selector), e.g. evil-name's crafted name
          (neither a probability nor a count: every matching request faults)
    @glob              an fnmatch pattern on the request path that replaces the kind's default
                       scope, e.g. `5xx:0.5@/search/*` makes CMR searches fail half the time

Examples: `5xx:0.2,429:0.1,slow:0.05,drop:0.1,truncate:0.05`, `badmd5:scene=S1A_IW_SLC__1SDV_…`,
`auth`, `auth-html`, `burst202:2`, `5xx:1@/search/*` (the first CMR search fails, the next works),
`5xx:1,429:1@/_storage/*` (the first download request gets a 503, the first storage request a 429).

Kinds (default scope in brackets; "downloads" = /SLC/*, /BURST/*, /_storage/*):

    5xx        503 with a JSON (CMR, APIs) or HTML (downloads) body          [downloads]
    429        429 Too Many Requests with `Retry-After: 1`                   [downloads]
    slow       ~0.5 s before the headers, then the body in slow pieces       [downloads]
    drop       headers and part of the body, then the connection is reset    [downloads]
    truncate   `Content-Length: N` but only part of the body, then a close   [downloads]
    badmd5     same length, different bytes                                  [/_storage/*, /BURST/*]
    auth       credentials are refused: 401 at the login host, and the data
               host ignores tokens and cookies                               [login, /SLC/*, /BURST/*]
    auth-html  the login host answers 200 with its HTML login page (what a
               client must not save as a zip); the data host as for `auth`   [same as auth]
    burst202   the burst extractor answers 202 "being extracted" N times per
               burst before serving it                                       [/BURST/*]

Other sandbox modules register more kinds with `register_fault_kind`. Requests to /_sandbox/*
never get faults. Every kind draws from its own `random.Random` seeded from the run's seed, under
a lock, so a run with the same seed and the same request order injects the same faults.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass

DOWNLOADS = ("/SLC/*", "/BURST/*", "/_storage/*")
LOGIN_ROUTES = ("/oauth/*", "/api/users/*")


@dataclass(frozen=True)
class FaultKind:
    name: str
    scope: tuple[str, ...]  # default path globs
    help: str
    count_per_path: bool = False  # a count N means "N times for each path", not "N times in all"


_KINDS: dict[str, FaultKind] = {}


def register_fault_kind(
    name: str, scope: tuple[str, ...], help: str, *, count_per_path: bool = False
) -> None:
    """Make `name` usable in fault plans (service modules call this at import)."""
    _KINDS[name] = FaultKind(name, scope, help, count_per_path)


def fault_kinds() -> dict[str, FaultKind]:
    return dict(_KINDS)


register_fault_kind("5xx", DOWNLOADS, "503 Service Unavailable")
register_fault_kind("429", DOWNLOADS, "429 Too Many Requests with Retry-After: 1")
register_fault_kind("slow", DOWNLOADS, "about 0.5 s before headers and a slow body")
register_fault_kind("drop", DOWNLOADS, "part of the body, then a connection reset")
register_fault_kind("truncate", DOWNLOADS, "fewer bytes than Content-Length, then a close")
register_fault_kind("badmd5", ("/_storage/*", "/BURST/*"), "same length, different bytes")
register_fault_kind("auth", (*LOGIN_ROUTES, "/SLC/*", "/BURST/*"), "credentials are refused")
register_fault_kind("auth-html", (*LOGIN_ROUTES, "/SLC/*", "/BURST/*"), "200 HTML login page")
register_fault_kind(
    "burst202", ("/BURST/*",), "202 while the burst is 'being extracted'", count_per_path=True
)

SELECTORS = ("scene",)
VALUES = ("filename",)  # key=value arguments that parameterise a kind instead of selecting requests


class FaultSpecError(ValueError):
    """A fault plan that cannot be parsed; the message names the rule and what is wrong."""


@dataclass(frozen=True)
class FaultRule:
    kind: str
    probability: float | None = None
    count: int | None = None
    selectors: tuple[tuple[str, str], ...] = ()
    glob: str | None = None
    values: tuple[tuple[str, str], ...] = ()

    def value(self, key: str) -> str | None:
        return dict(self.values).get(key)

    def applies_to(self, path: str) -> bool:
        if path.startswith("/_sandbox/"):
            return False
        scope = (self.glob,) if self.glob else _KINDS[self.kind].scope
        if not any(fnmatch.fnmatchcase(path, pattern) for pattern in scope):
            return False
        return all(value in path for _, value in self.selectors)

    def __str__(self) -> str:
        parts = [self.kind]
        if self.probability is not None:
            parts.append(repr(self.probability))
        if self.count is not None:
            parts.append(str(self.count))
        parts += [f"{k}={v}" for k, v in (*self.selectors, *self.values)]
        return ":".join(parts) + (f"@{self.glob}" if self.glob else "")

    @classmethod
    def parse(cls, text: str) -> FaultRule:
        rule, at, glob = text.strip().partition("@")
        kind, *args = rule.split(":")
        if kind not in _KINDS:
            raise FaultSpecError(
                f"Fault rule {text!r}: unknown kind {kind!r}; known kinds are {', '.join(sorted(_KINDS))}."
            )
        if at and not glob.startswith("/"):
            raise FaultSpecError(f"Fault rule {text!r}: the route glob after '@' must start with '/'.")
        probability: float | None = None
        count: int | None = None
        selectors: list[tuple[str, str]] = []
        values: list[tuple[str, str]] = []
        for arg in args:
            if "=" in arg:
                key, value = arg.split("=", 1)
                if key not in (*SELECTORS, *VALUES) or not value:
                    raise FaultSpecError(
                        f"Fault rule {text!r}: {arg!r} must be scene=NAME (a selector) or filename=NAME."
                    )
                (selectors if key in SELECTORS else values).append((key, value))
            elif "." in arg:
                try:
                    probability = float(arg)
                except ValueError:
                    probability = -1.0
                if not 0.0 <= probability <= 1.0:
                    raise FaultSpecError(f"Fault rule {text!r}: probability {arg!r} must be within 0.0–1.0.")
            elif arg.isdigit() and int(arg) > 0:
                count = int(arg)
            else:
                raise FaultSpecError(
                    f"Fault rule {text!r}: {arg!r} is neither a probability (0.5), a count (3) "
                    "nor a selector (scene=NAME)."
                )
        if probability is not None and count is not None:
            raise FaultSpecError(f"Fault rule {text!r}: give a probability or a count, not both.")
        return cls(kind, probability, count, tuple(selectors), glob or None, tuple(values))


@dataclass(frozen=True)
class FaultPlan:
    rules: tuple[FaultRule, ...] = ()

    @classmethod
    def parse(cls, spec: str | None) -> FaultPlan:
        if spec is None or spec.strip().lower() in ("", "none"):
            return cls()
        return cls(tuple(FaultRule.parse(part) for part in spec.split(",") if part.strip()))

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.rules)


class FaultInjector:
    """Decides, request by request, whether a fault of a kind fires. Thread-safe."""

    def __init__(self, plan: FaultPlan, seed: int) -> None:
        self.plan, self.seed = plan, seed
        self._lock = threading.Lock()
        self._rngs: dict[str, random.Random] = {}
        self._counts: dict[tuple[int, str], int] = {}

    def fires(self, kind: str, path: str) -> bool:
        with self._lock:
            for number, rule in enumerate(self.plan.rules):
                if rule.kind != kind or not rule.applies_to(path):
                    continue
                if rule.count is not None:
                    key = (number, path if _KINDS[kind].count_per_path else "")
                    used = self._counts.get(key, 0)
                    if used < rule.count:
                        self._counts[key] = used + 1
                        return True
                    continue
                probability = 1.0 if rule.probability is None else rule.probability
                rng = self._rngs.setdefault(kind, random.Random(f"{self.seed}:{kind}"))
                if rng.random() < probability:
                    return True
            return False
