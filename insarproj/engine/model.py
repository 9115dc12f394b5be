"""What the engine plans with: desired resources, actions, outcomes, and the plan itself.

A resource kind (scene, orbit, pair, hyp3_job, ...) plugs into the engine by subclassing
`ResourceKind`. The split mirrors providers: `desired` and `assess` run during plan and only get
a `PlanContext` (read-side providers, a state snapshot); `execute` runs during apply and is the
only place that gets write-side providers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from insarproj.state.records import JournalOp, Record

if TYPE_CHECKING:
    from insarproj.engine.context import ApplyContext, PlanContext


# Not StrEnum: that changes str() and format() of the members, which messages and saved plans use.
class Op(str, Enum):  # noqa: UP042
    CREATE = "create"  # make it exist (download, submit, stitch)
    ADOPT = "adopt"  # it already exists (by-hand copy, job found on HyP3): record it
    REFRESH = "refresh"  # update the record from reality (job finished, file re-verified)
    REPLACE = "replace"  # exists but no longer matches the configuration: redo it
    FORGET = "forget"  # no longer desired: remove from state (files kept unless --prune)
    WAIT = "wait"  # remote work in progress: nothing to do but wait
    # Failed for good (e.g. a HyP3 job FAILED past max_attempts): apply cannot converge without a
    # change to project.toml or an explicit retry; never "pending", never "waiting".
    FAILED = "failed"


SYMBOLS: dict[Op, str] = {
    Op.CREATE: "+",
    Op.ADOPT: "<=",
    Op.REFRESH: "~",
    Op.REPLACE: "-/+",
    Op.FORGET: "-",
    Op.WAIT: "…",
    Op.FAILED: "!",
}


@dataclass(frozen=True, slots=True, init=False)
class Desired:
    """One resource the configuration asks for (slots: a plan holds one per resource, 180,000 at
    20,000 scenes, and a per-instance __dict__ would cost ≈ 20 MiB of them)."""

    address: str
    spec: dict[str, Any] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()

    def __init__(
        self, address: str, spec: dict[str, Any] | None = None, depends_on: tuple[str, ...] = ()
    ) -> None:
        # The generated __init__ of a frozen class, through the slots' own setters looked up once
        # (`_SET_*` below): 0.3 µs less per resource, 180,000 per plan at 20,000 scenes.
        _SET_ADDRESS(self, address)
        _SET_SPEC(self, {} if spec is None else spec)
        _SET_DEPENDS_ON(self, depends_on)

    def action(self, kind: str, op: Op, reason: str, **fields: Any) -> Action:
        """The action bringing this resource in line: its spec as payload (plus ``fields``, e.g.
        ``unit``), its dependencies carried over."""
        return Action(
            address=self.address,
            kind=kind,
            op=op,
            reason=reason,
            depends_on=list(self.depends_on),
            payload=dict(self.spec),
            **fields,
        )


# The slots' member descriptors' setters (what object.__setattr__ finds for each, per call).
_SET_ADDRESS = vars(Desired)["address"].__set__
_SET_SPEC = vars(Desired)["spec"].__set__
_SET_DEPENDS_ON = vars(Desired)["depends_on"].__set__


class Action(BaseModel):
    """One planned step. Serialised into saved plans, so everything execute needs is in `payload`."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    address: str
    kind: str
    op: Op
    reason: str = Field(
        description="Why, in words: 'missing', 'size differs on disk', 'job FAILED, attempt 2 of 3'."
    )
    depends_on: list[str] = Field(default_factory=list)
    bytes: int | None = Field(default=None, description="Bytes this action downloads, when known.")
    credits: float | None = Field(default=None, description="HyP3 credits this action spends, when known.")
    remote: bool = Field(default=False, description="Changes remote state (e.g. submits a HyP3 job).")
    unit: str | None = Field(
        default=None,
        description="What the plan's headline counts this action as ('interferogram', 'scene', "
        "'product'); null: the kind's own name. Ignored when `internal`.",
    )
    internal: bool = Field(
        default=False,
        description="Bookkeeping of an item another action counts (the pair record of an "
        "interferogram whose HyP3 job is planned): left out of the headline and shown only with -v.",
    )
    held_back: str | None = Field(
        default=None,
        description="Why apply will not do this now although it stays planned (e.g. 'max_credits': "
        "the cap is spent by actions before it); its credits are not in the plan's total.",
    )
    payload: dict[str, Any] = Field(default_factory=dict)

    @property
    def counted_as(self) -> str | None:
        """The headline's noun for this action; None for internal bookkeeping."""
        return None if self.internal else (self.unit or self.kind)


@dataclass
class Outcome:
    """What an executed action changed: journal operations, recorded durably before dependants run."""

    ops: list[JournalOp] = field(default_factory=list)
    message: str | None = None
    waiting: bool = False  # the action started remote work that is still running
    deferred: str | None = None  # not done now, for this reason (e.g. not enough credits): stays planned
    # The remote work failed for good while this action ran (recorded so by ``ops``): reported as
    # an Op.FAILED action is (apply exits 4), not as an error of the action.
    failed_for_good: bool = False


class ResourceKind(ABC):
    """A kind of resource. Subclasses set `kind` and implement desired/assess/execute."""

    kind: ClassVar[str]
    # Upper bound of concurrently executing actions of this kind (None: the engine's default).
    concurrency: ClassVar[int | None] = None
    # Whether `--replace ADDRESS` may remake a resource of this kind that is in sync (Terraform's
    # -replace; docs/cli.md). Off by default: remaking a paid job or a pinned input is never one flag away.
    replaceable: ClassVar[bool] = False
    # Whether `settled` can say True: the planner asks it first only then (docs/project-folder.md,
    # "Reading a large state").
    settles: ClassVar[bool] = False

    @abstractmethod
    def desired(self, ctx: PlanContext) -> Iterable[Desired]:
        """The resources of this kind that the configuration and pinned inputs ask for."""

    @abstractmethod
    def assess(self, desired: Desired, record: Record | None, ctx: PlanContext) -> Action | None:
        """Compare desired with recorded state and cheap observations; None when in sync. Read-only."""

    def settled(self, desired: Desired, recorded: Mapping[str, Record], ctx: PlanContext) -> bool:
        """True only when `assess` would give None for ``desired``, judged from a few values of its
        record in ``recorded`` (state/lazy.py `peek`: a lazy state's record is not built) with
        the same notes in ``ctx``; False leaves it to `assess`. Asked only of a kind that `settles`."""
        return False

    def orphan(self, address: str, record: Record, ctx: PlanContext) -> Action | None:
        """A recorded resource the configuration no longer asks for: forget it (files are kept
        unless apply --prune). Kinds with remote or shared resources override this."""
        return Action(
            address=address,
            kind=self.kind,
            op=Op.FORGET,
            reason="no longer in the configuration"
            + ("; files deleted (--prune)" if ctx.options.prune else "; files kept"),
            payload={"record": record, "prune": ctx.options.prune},
        )

    def replace_action(self, desired: Desired, record: Record | None, ctx: PlanContext) -> Action:
        """The action remaking ``desired`` on request (`--replace`); only for replaceable kinds."""
        raise NotImplementedError(f"{self.kind} resources cannot be replaced on request")

    @abstractmethod
    def execute(self, action: Action, ctx: ApplyContext) -> Outcome:
        """Carry out ``action``; raise an InsarprojError on failure (nothing recorded)."""

    def recheck(self, action: Action, ctx: ApplyContext) -> Action | None:
        """Before a remote action from a saved plan: re-check it against the live service.

        Returns the action to run (possibly adjusted) or None when it is no longer needed.
        """
        return action

    def notes(self, ctx: PlanContext) -> list[str]:
        """Plan-level notes of this kind (dropped dates, disconnected networks, expiry warnings)."""
        return []

    def finish(self, actions: list[Action], ctx: PlanContext) -> list[str]:
        """After `--target` selection: adjust this kind's actions to what apply will really do now
        (e.g. mark submissions beyond `max_credits` as held back) and return notes about the
        selected plan (the credits it spends). Read-only like the rest of planning."""
        return []

    def after_apply(self, contexts: list[ApplyContext]) -> list[str]:
        """Closing lines of an apply (one context per round), e.g. the credits spent and left."""
        return []


class InputChange(BaseModel):
    """A pinned input (e.g. the scene search) that apply will record before any action."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: str
    fingerprint: str
    summary: str
    value: Any


class PlanSummary(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    counts: dict[str, int] = Field(default_factory=dict, description="Number of actions by operation.")
    by_kind: dict[str, dict[str, int]] = Field(default_factory=dict)
    bytes: int = 0
    credits: float = Field(default=0.0, description="Credits apply spends now (held-back actions excluded).")
    held_back: int = Field(default=0, description="Pending actions held back (e.g. beyond max_credits).")
    credits_held_back: float = Field(default=0.0, description="Credits of the held-back actions.")
    items: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="The headline: actions by what users count (interferogram, scene, product, ...) and "
        "operation; internal bookkeeping (e.g. the pair record of a HyP3 job) is left out.",
    )
    internal: int = Field(default=0, description="Pending internal actions (shown with -v).")
    waiting: int = 0
    pending: int = Field(
        default=0, description="Actions other than waits and failures: what apply would do now."
    )
    failed: int = Field(
        default=0, description="Items failed for good: they need a change to project.toml or a retry."
    )


class Plan(BaseModel):
    """A plan: an ordered DAG of actions (dependencies first), bound to the state it was made from."""

    model_config = ConfigDict(extra="forbid", title="insarproj plan", defer_build=True)

    format_version: int = 1
    plan_id: str
    created_at: str
    insarproj_version: str
    project: str
    lineage: str
    serial: int
    config_fingerprint: str
    targets: list[str] = Field(default_factory=list)
    offline: bool = False
    prune: bool = Field(
        default=False, description="Made with --prune: forgotten and superseded files are deleted."
    )
    inputs: list[InputChange] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    summary: PlanSummary = Field(default_factory=PlanSummary)

    @property
    def has_changes(self) -> bool:
        return bool(self.inputs) or self.summary.pending > 0

    @property
    def has_waiting(self) -> bool:
        return self.summary.waiting > 0

    @property
    def has_failed(self) -> bool:
        """Declared work failed for good stands: the folder does not match project.toml."""
        return self.summary.failed > 0
