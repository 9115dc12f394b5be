"""Plan = compare desired resources with recorded state, emit an ordered DAG of actions.

Pure with respect to the outside world: everything it learns comes through the read-side
providers of the `PlanContext`. Linear in the number of resources (one dict lookup per desired
resource, one pass for orphans, Kahn's algorithm for the order).
"""

from __future__ import annotations

import difflib
import heapq
import uuid
from collections.abc import Iterable, Sequence

from insarproj import __version__
from insarproj.engine.context import InputResolver, PlanContext
from insarproj.engine.model import Action, InputChange, Op, Plan, PlanSummary, ResourceKind
from insarproj.errors import InsarprojError, UsageError
from insarproj.state.store import utcnow


class PlanError(InsarprojError):
    pass


class UnknownTargetError(UsageError):
    """A ``--target`` that matches no resource of the project: a typo, not "nothing to do"."""


def build_plan(
    ctx: PlanContext,
    kinds: Sequence[ResourceKind],
    resolvers: Sequence[InputResolver] = (),
    *,
    config_fingerprint: str,
) -> Plan:
    changes = _resolve_inputs(ctx, resolvers)
    actions, kind_rank, notes = _assess_kinds(ctx, kinds)
    _add_replacements(ctx, kinds, actions)
    # `--target` follows dependencies through resources that need no action now (a product whose
    # job is still to be submitted): read before the filter below drops them (docs/cli.md).
    graph = _dependency_graph(ctx, kinds, actions) if ctx.options.targets else {}
    # A dependency that needs no action is already satisfied.
    for action in actions.values():
        action.depends_on = sorted(d for d in set(action.depends_on) if d in actions)

    check_targets(ctx.options.targets, _known_addresses(ctx, kinds, resolvers) if ctx.options.targets else [])
    ordered = _topological(_select_targets(actions, ctx.options.targets, graph), kind_rank)
    # Scoped to what this plan will really do (targets, credit caps).
    notes.extend(note for kind in kinds for note in kind.finish(ordered, ctx))
    return Plan(
        plan_id=uuid.uuid4().hex,
        created_at=utcnow(),
        insarproj_version=__version__,
        project=ctx.project.config.project.name,
        lineage=ctx.state.lineage,
        serial=ctx.state.serial,
        config_fingerprint=config_fingerprint,
        targets=list(ctx.options.targets),
        offline=ctx.options.offline,
        prune=ctx.options.prune,
        inputs=changes,
        actions=ordered,
        notes=list(dict.fromkeys(notes)),
        summary=summarize(ordered),
    )


def _resolve_inputs(ctx: PlanContext, resolvers: Sequence[InputResolver]) -> list[InputChange]:
    """Each input's value (pinned or fresh) into ``ctx.inputs``; the changes apply will record."""
    changes: list[InputChange] = []
    for resolver in resolvers:
        value, change = resolver.resolve(ctx)
        ctx.inputs[resolver.name] = value
        if change is not None:
            changes.append(change)
    if ctx.own_state and ctx.state.lazy:
        # A read-only plan's own state (state/lazy.py): the plan reads its inputs as resolved from
        # here on, so their recorded form goes (the scene pin: ≈ 20 MiB at 20,000 scenes).
        ctx.state.inputs.clear()
    return changes


def _assess_kinds(
    ctx: PlanContext, kinds: Sequence[ResourceKind]
) -> tuple[dict[str, Action], dict[str, int], list[str]]:
    """Every kind's actions (desired against recorded, then orphans), ranks and notes."""
    actions: dict[str, Action] = {}
    kind_rank: dict[str, int] = {}
    notes: list[str] = []
    for rank, kind in enumerate(kinds):
        kind_rank[kind.kind] = rank
        desired = list(kind.desired(ctx))
        ctx._desired[kind.kind] = desired
        recorded = ctx.state.by_kind(kind.kind)
        seen = _unique_addresses(kind.kind, [item.address for item in desired])
        assess, record_of = kind.assess, recorded.get  # bound once: called per resource
        settled = kind.settled if kind.settles else None
        for item in desired:
            if settled is not None and settled(item, recorded, ctx):
                continue  # in sync, told from a few of its record's values (no record built)
            action = assess(item, record_of(item.address), ctx)
            if action is not None:
                _add(actions, action)
        # A record is built only for an orphan (state/lazy.py); the orphans found in one pass.
        for address in [address for address in recorded if address not in seen]:
            action = kind.orphan(address, recorded[address], ctx)
            if action is not None:
                _add(actions, action)
        notes.extend(kind.notes(ctx))
    return actions, kind_rank, notes


def _unique_addresses(kind: str, addresses: Sequence[str]) -> set[str]:
    """The set of ``addresses``; PlanError naming the first one two resources share."""
    seen = set(addresses)
    if len(seen) != len(addresses):
        once: set[str] = set()
        for address in addresses:
            if address in once:
                raise PlanError(f"two {kind} resources share the address {address}")
            once.add(address)
    return seen


def _add_replacements(ctx: PlanContext, kinds: Sequence[ResourceKind], actions: dict[str, Action]) -> None:
    """`--replace ADDRESS`: a replace action for each named resource that is in sync; one already
    planned (created or replaced anyway) stays as planned. A name that is not a replaceable
    resource of the project is a usage error (docs/cli.md)."""
    if not ctx.options.replace:
        return
    desired = {item.address: (kind, item) for kind in kinds for item in ctx._desired.get(kind.kind, [])}
    replaceable = sorted(a for a, (kind, _) in desired.items() if kind.replaceable)
    for address in ctx.options.replace:
        if address not in desired:
            raise UnknownTargetError(
                f"--replace {address} names no resource of this project",
                hint=_nearest_hint(address, replaceable)
                if replaceable
                else "no resource here can be replaced",
            )
        kind, item = desired[address]
        if not kind.replaceable:
            raise UnknownTargetError(
                f"--replace {address}: {kind.kind} resources are not remade on request",
                hint="--replace works for " + (", ".join(replaceable) if replaceable else "no resource here"),
            )
        if address not in actions:
            actions[address] = kind.replace_action(item, ctx.state.get(address), ctx)


def _add(actions: dict[str, Action], action: Action) -> None:
    if action.address in actions:
        raise PlanError(f"two actions planned for {action.address}")
    actions[action.address] = action


def matches_target(address: str, targets: Sequence[str]) -> bool:
    """`--target KIND` or `KIND.PREFIX`: prefix match on the address (docs/addresses.md)."""
    return any(address.startswith(t) for t in targets)


def _known_addresses(
    ctx: PlanContext, kinds: Sequence[ResourceKind], resolvers: Sequence[InputResolver]
) -> list[str]:
    """Every address of the project, desired or recorded, and the inputs' names (``--target search``
    pins the search and does nothing else): what ``--target`` may name."""
    known: list[str] = [resolver.name for resolver in resolvers]
    for kind in kinds:
        known.extend(item.address for item in ctx._desired.get(kind.kind, []))
        known.extend(ctx.state.by_kind(kind.kind))
    return known


def check_targets(targets: Sequence[str], addresses: Iterable[str]) -> None:
    """Refuse a target that matches no address of the project, naming the nearest ones
    (docs/cli.md: a mistake is a usage error, never a silent empty plan)."""
    known = sorted(set(addresses))
    for target in targets:
        if not any(address.startswith(target) for address in known):
            raise UnknownTargetError(
                f"--target {target} matches no resource of this project", hint=_nearest_hint(target, known)
            )


def _nearest_hint(target: str, known: list[str]) -> str:
    kinds = sorted({address.split(".", 1)[0] for address in known})
    if not known:
        return "the project has no resources yet; run the plan without --target first"
    # Compare with the addresses of the same length scale: a kind name is compared with kinds, and
    # an address of a known kind with the addresses of that kind (`pair.A065` means a pair).
    same_kind = [address for address in known if address.startswith(target.split(".", 1)[0] + ".")]
    candidates = (same_kind or known) if "." in target else kinds
    close = difflib.get_close_matches(target, candidates, n=3, cutoff=0.5)
    if not close and "." in target:  # nothing close: the addresses sharing the longest prefix
        close = _longest_prefix_matches(target, known)
    listed = ", ".join(close)
    kinds_text = f"addresses start with {', '.join(k + '.' for k in kinds)}"
    return f"did you mean {listed}? ({kinds_text})" if close else kinds_text


def _longest_prefix_matches(target: str, known: list[str]) -> list[str]:
    for length in range(len(target) - 1, 0, -1):
        found = [address for address in known if address.startswith(target[:length])]
        if found:
            return found[:3]
    return []


def in_target_scope(address: str, ctx: PlanContext) -> bool:
    """During assess: whether ``--target`` may select ``address`` — no target, one matching it, or
    one of a kind not planned yet (kinds are planned in dependency order, so only a later kind can
    depend on it; `_select_targets` decides). Lets a kind skip a costly look-up (a listing)."""
    targets = ctx.options.targets
    if not targets or matches_target(address, targets):
        return True
    return any(target.split(".", 1)[0] not in ctx._desired for target in targets)


def _dependency_graph(
    ctx: PlanContext, kinds: Sequence[ResourceKind], actions: dict[str, Action]
) -> dict[str, Sequence[str]]:
    """address → what it depends on: every desired resource's dependencies (also those needing no
    action now), and each action's own (an orphan's, a replacement's)."""
    graph: dict[str, Sequence[str]] = {}
    for kind in kinds:
        for item in ctx._desired.get(kind.kind, ()):
            graph[item.address] = item.depends_on
    for address, action in actions.items():
        if action.depends_on and graph.get(address) != tuple(action.depends_on):
            graph[address] = (*graph.get(address, ()), *action.depends_on)
    return graph


def _select_targets(
    actions: dict[str, Action], targets: Sequence[str], graph: dict[str, Sequence[str]]
) -> dict[str, Action]:
    """The targets' actions and those of everything they depend on, directly or through
    resources that need no action now (docs/cli.md "--target")."""
    if not targets:
        return actions
    keep: set[str] = set()
    stack = [a for a in actions if matches_target(a, targets)]
    stack += [a for a in graph if a not in actions and matches_target(a, targets)]
    while stack:
        address = stack.pop()
        if address in keep:
            continue
        keep.add(address)
        stack.extend(graph.get(address, ()))
    return {a: actions[a] for a in actions if a in keep}


def _topological(actions: dict[str, Action], kind_rank: dict[str, int]) -> list[Action]:
    """Dependencies first; ties broken by kind order then address, so plans are reproducible."""
    indegree = {a: 0 for a in actions}
    dependants: dict[str, list[str]] = {a: [] for a in actions}
    for address, action in actions.items():
        for dep in action.depends_on:
            indegree[address] += 1
            dependants[dep].append(address)

    def key(address: str) -> tuple[int, str]:
        return (kind_rank.get(actions[address].kind, len(kind_rank)), address)

    heap = [key(a) for a, n in indegree.items() if n == 0]
    heapq.heapify(heap)
    ordered: list[Action] = []
    while heap:
        _, address = heapq.heappop(heap)
        ordered.append(actions[address])
        for nxt in dependants[address]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                heapq.heappush(heap, key(nxt))
    if len(ordered) != len(actions):
        cyclic = sorted(a for a, n in indegree.items() if n > 0)[:5]
        raise PlanError(f"dependency cycle among {', '.join(cyclic)}")
    return ordered


def summarize(actions: Sequence[Action]) -> PlanSummary:
    summary = PlanSummary()
    for action in actions:
        op = action.op.value
        summary.counts[op] = summary.counts.get(op, 0) + 1
        per_kind = summary.by_kind.setdefault(action.kind, {})
        per_kind[op] = per_kind.get(op, 0) + 1
        unit = action.counted_as
        if unit is not None:
            per_unit = summary.items.setdefault(unit, {})
            per_unit[op] = per_unit.get(op, 0) + 1
        if action.op is Op.WAIT:
            summary.waiting += 1
            continue
        if action.op is Op.FAILED:
            summary.failed += 1
            continue
        summary.pending += 1
        summary.internal += action.internal
        summary.bytes += action.bytes or 0
        if action.held_back:
            summary.held_back += 1
            summary.credits_held_back += action.credits or 0.0
        else:
            summary.credits += action.credits or 0.0
    return summary
