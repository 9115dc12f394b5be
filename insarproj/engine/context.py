"""Contexts handed to resource kinds: read-only for plan, read-write for apply.

`plan` cannot mutate by construction: a `PlanContext` carries only `ReadProviders`, whose
factories build read-side provider objects (searches, listings, job status) — the classes that
submit, download or write live only behind `WriteProviders`, which only `ApplyContext` has.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from insarproj.errors import InsarprojError

if TYPE_CHECKING:
    from insarproj.config.load import Project
    from insarproj.endpoints import Endpoints
    from insarproj.engine.model import Desired, InputChange
    from insarproj.state.store import State, StateWriter


T = TypeVar("T")


class OfflineError(InsarprojError):
    """Raised when --offline plan would need the network."""


class _LazyRegistry:
    def __init__(self, factories: dict[str, Callable[[], Any]], what: str) -> None:
        self._factories = dict(factories)
        self._built: dict[str, Any] = {}
        self._mutex = threading.Lock()
        self._what = what

    def get(self, name: str) -> Any:
        with self._mutex:
            if name not in self._built:
                if name not in self._factories:
                    raise KeyError(f"no {self._what} provider named {name!r}")
                self._built[name] = self._factories[name]()
            return self._built[name]

    def names(self) -> list[str]:
        return sorted(self._factories)

    def built(self) -> dict[str, Any]:
        with self._mutex:
            return dict(self._built)

    def built_one(self, name: str) -> Any | None:
        """The provider ``name`` if it has been built, else None (asked per job by a plan: one
        dict lookup, atomic as it is, instead of a locked copy of them all)."""
        return self._built.get(name)


class ReadProviders(_LazyRegistry):
    """Read-side provider objects (built lazily: no login at construction, none when offline)."""

    def __init__(self, factories: dict[str, Callable[[], Any]], *, offline: bool = False) -> None:
        super().__init__(factories, "read-side")
        self.offline = offline

    def get(self, name: str) -> Any:
        if self.offline:
            raise OfflineError(
                f"--offline: the plan needs the {name} service",
                hint="run the plan without --offline",
            )
        return super().get(name)


class WriteProviders(_LazyRegistry):
    def __init__(self, factories: dict[str, Callable[[], Any]]) -> None:
        super().__init__(factories, "write-side")


@dataclass
class PlanOptions:
    offline: bool = False
    refresh_search: bool = False
    verify: bool = False
    prune: bool = False
    targets: tuple[str, ...] = ()
    # `--retry-failed`: give every item failed for good one more (paid, shown) attempt.
    retry_failed: bool = False
    # `--replace ADDRESS`: remake these resources even when they are in sync (replaceable kinds only).
    replace: tuple[str, ...] = ()


@dataclass
class PlanContext:
    project: Project
    state: State
    observed: dict[str, Any]
    read: ReadProviders
    endpoints: Endpoints
    options: PlanOptions = field(default_factory=PlanOptions)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    inputs: dict[str, Any] = field(default_factory=dict)  # resolved input values (pinned or fresh)
    _desired: dict[str, list[Desired]] = field(default_factory=dict)
    observations: dict[str, Any] = field(default_factory=dict)  # volatile facts gathered by this plan
    notify: Callable[[str], None] = field(default=lambda message: None)  # stage messages (stderr)
    # The plan loaded `state` itself (lazily, read-only) and may drop what it no longer needs.
    own_state: bool = False

    def desired_of(self, kind: str) -> list[Desired]:
        """The desired set of an earlier kind (kinds are planned in dependency order)."""
        return self._desired.get(kind, [])


@dataclass
class ApplyContext:
    project: Project
    writer: StateWriter
    read: ReadProviders
    write: WriteProviders
    endpoints: Endpoints
    cancel: threading.Event
    progress: Any  # a progress sink (insarproj.transfer.progress)
    options: PlanOptions = field(default_factory=PlanOptions)
    shared: dict[str, Any] = field(default_factory=dict)  # per-apply objects kinds share (a downloader)
    _shared_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def state(self) -> State:
        return self.writer.state

    def shared_object(self, name: str, build: Callable[[], T]) -> T:
        """The object `name` of this apply, built once even when actions ask for it concurrently."""
        with self._shared_lock:
            if name not in self.shared:
                self.shared[name] = build()
            return cast(T, self.shared[name])


class InputResolver(ABC):
    """A pinned input of the plan (e.g. the scene search): reused from state while unchanged."""

    name: str

    @abstractmethod
    def resolve(self, ctx: PlanContext) -> tuple[Any, InputChange | None]:
        """Return (value, change): value is what kinds plan with; change is None when the pin holds."""
