"""The public Python API (docs/python-api.md): ``insarproj.open(path)`` gives a :class:`Project`
with ``plan()``, ``show()`` and ``apply()``, for notebooks and scripts.

It is a thin layer over :class:`insarproj.workspace.Workspace` (what the CLI uses) with one rule
the CLI keeps by asking on a terminal: ``apply`` never spends HyP3 credits without an explicit
approval. Without one it raises :class:`ApprovalRequired` before any side effect, so a notebook
cell run by accident costs nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from insarproj.errors import ExitCode, InsarprojError

if TYPE_CHECKING:
    from insarproj.config.model import ProjectConfig
    from insarproj.engine.model import Action, Plan
    from insarproj.workspace import ApplyResult, Workspace

__all__ = ["Approval", "ApprovalRequired", "Progress", "Project", "open_project"]

# True: apply whatever the plan holds; False: only a plan that spends no credits; a function:
# asked with the plan (inside the project lock, just before the first side effect).
Approval = bool | Callable[["Plan"], bool]


@dataclass(frozen=True)
class Progress:
    """One file transfer's progress, as ``apply(on_progress=...)`` receives it."""

    label: str  # the file (a scene or product name)
    done: int  # bytes on disk so far (a resumed file starts above 0)
    total: int | None  # bytes in all, when the service says
    finished: bool = False
    ok: bool = True  # with finished: False when the transfer failed


class ApprovalRequired(InsarprojError):
    """``apply`` was asked to run a plan that spends HyP3 credits without ``approve=``."""

    exit_code = ExitCode.USAGE

    def __init__(self, plan: Plan, credits: float) -> None:
        self.plan = plan
        self.credits = credits
        paid = sum(1 for action in plan.actions if action.credits)
        super().__init__(
            f"this plan would spend {credits:g} HyP3 credits on {paid} submission{'s' if paid != 1 else ''}, "
            "and apply was not approved; nothing was done",
            hint="look at it with project.plan(), then call apply(approve=True), or pass "
            "approve=<function of the plan returning True or False>",
        )


def credits_of(plan: Plan) -> float:
    """HyP3 credits the plan's actions would spend (submissions and paid resubmissions)."""
    return float(sum(action.credits or 0.0 for action in plan.actions))


class _ProgressCallback:
    """The engine's progress sink (start / advance / finish, called from download threads) as
    one callback receiving :class:`Progress`; calls are serialised so user code needs no lock."""

    def __init__(self, callback: Callable[[Progress], None]) -> None:
        self._callback = callback
        self._lock = threading.Lock()
        self._files: dict[str, tuple[int, int | None]] = {}

    def start(self, label: str, total: int | None, already: int) -> None:
        with self._lock:
            self._files[label] = (already, total)
            self._callback(Progress(label, already, total))

    def advance(self, label: str, n: int) -> None:
        with self._lock:
            done, total = self._files.get(label, (0, None))
            self._files[label] = (done + n, total)
            self._callback(Progress(label, done + n, total))

    def finish(self, label: str, ok: bool) -> None:
        with self._lock:
            done, total = self._files.pop(label, (0, None))
            self._callback(Progress(label, done, total, finished=True, ok=ok))


class Project:
    """One project folder (the one holding project.toml). Cheap to make: nothing is read until used."""

    def __init__(self, root: str | Path = ".", *, trust_endpoints: bool = False) -> None:
        from insarproj.workspace import Workspace

        self._ws: Workspace = Workspace(Path(root).expanduser(), trust_endpoints=trust_endpoints)

    def __repr__(self) -> str:
        return f"insarproj.Project({str(self.root)!r})"

    @property
    def root(self) -> Path:
        return self._ws.root

    @property
    def config(self) -> ProjectConfig:
        """project.toml, validated (raises a ConfigError naming file, line and key)."""
        config: ProjectConfig = self._ws.project.config
        return config

    def plan(
        self,
        *,
        targets: Sequence[str] = (),
        offline: bool = False,
        refresh_search: bool = False,
        verify: bool = False,
        prune: bool = False,
        retry_failed: bool = False,
    ) -> Plan:
        """What apply would do, as the CLI's `plan` (read-only: nothing is submitted or written)."""
        return self._ws.plan(_plan_options(targets, offline, refresh_search, verify, prune, retry_failed))

    def show(self) -> dict[str, Any]:
        """The recorded state summarised, as `insarproj show --json` prints it (no network)."""
        from insarproj.show import state_summary

        summary = state_summary(self._ws, self._ws.load_state())
        summary.pop("text_blocks", None)
        return summary

    def apply(
        self,
        plan: Plan | None = None,
        *,
        approve: Approval = False,
        wait: bool = False,
        timeout: float | None = None,
        poll_interval: float = 10.0,
        targets: Sequence[str] = (),
        keep_going: bool = False,
        on_progress: Callable[[Progress], None] | None = None,
        on_event: Callable[[str, str, str], None] | None = None,
    ) -> ApplyResult:
        """Do what the plan says, as the CLI's `apply` (``plan``: one from :meth:`plan`, applied
        exactly, or None to plan afresh under the lock).

        A plan that spends HyP3 credits needs ``approve=True`` or a function of the plan; without
        it :class:`ApprovalRequired` is raised before anything is done. ``on_progress`` receives
        a :class:`Progress` per transfer step; ``on_event`` receives (event, address, message)
        with event "done", "failed" or "waiting". ``wait`` polls remote work until it settles or
        ``timeout`` seconds pass. The result's ``exit_code()`` is what the CLI would exit with.
        """
        from insarproj.workspace import ApplyOptions

        if plan is not None:
            _check_approval(plan, approve)  # a given plan is applied without a second question
        events = None if on_event is None else _event_sink(on_event)
        return self._ws.apply(
            plan=plan,
            plan_label="the plan given to apply()",
            options=_plan_options(targets, False, False, False, False, False),
            apply_options=ApplyOptions(
                keep_going=keep_going,
                wait=wait,
                timeout=timeout,
                poll_interval=poll_interval,
                command="insarproj (Python API) apply",
            ),
            approve=lambda fresh: _check_approval(fresh, approve),
            on_event=events,
            progress=_ProgressCallback(on_progress) if on_progress is not None else None,
        )


def open_project(path: str | Path = ".", *, trust_endpoints: bool = False) -> Project:
    """The project in folder ``path`` (exported as ``insarproj.open``)."""
    return Project(path, trust_endpoints=trust_endpoints)


def _check_approval(plan: Plan, approve: Approval) -> bool:
    credits = credits_of(plan)
    if callable(approve):
        return bool(approve(plan))
    if approve or credits <= 0:
        return True
    raise ApprovalRequired(plan, credits)


def _event_sink(on_event: Callable[[str, str, str], None]) -> Callable[[str, Action, str], None]:
    def sink(event: str, action: Action, message: str) -> None:
        on_event(event, action.address, message)

    return sink


def _plan_options(
    targets: Sequence[str], offline: bool, refresh_search: bool, verify: bool, prune: bool, retry_failed: bool
) -> Any:
    from insarproj.engine.context import PlanOptions

    return PlanOptions(
        offline=offline,
        refresh_search=refresh_search,
        verify=verify,
        prune=prune,
        targets=tuple(targets),
        retry_failed=retry_failed,
    )
