"""Human-readable plan and apply output: Terraform-like symbols, grouped by kind, one summary line."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import click

from insarproj.engine.model import SYMBOLS, Action, Op, Plan, PlanSummary

if TYPE_CHECKING:  # apply's report: the executor is not imported to render a plan
    from insarproj.engine.executor import ApplyReport

COLORS: dict[Op, str] = {
    Op.CREATE: "green",
    Op.ADOPT: "cyan",
    Op.REFRESH: "yellow",
    Op.REPLACE: "magenta",
    Op.FORGET: "red",
    Op.WAIT: "blue",
    Op.FAILED: "red",
}
VERBS: dict[Op, str] = {
    Op.CREATE: "to create",
    Op.ADOPT: "to adopt",
    Op.REFRESH: "to refresh",
    Op.REPLACE: "to replace",
    Op.FORGET: "to forget",
    Op.WAIT: "waiting",
    Op.FAILED: "failed for good",
}
# What gets an item failed for good converging again, by its kind (docs/cli.md, exit code 4).
_WAY_OUT_BY_KIND = {
    "hyp3_job": "raise max_attempts in [processor.hyp3] (the next plan shows the resubmission and its cost), "
    "or leave the pair out with [pairs] exclude_pairs",
    "isce_step": "read the failed command's log (path above), fix its cause, or raise max_attempts in "
    "[processor.isce]",
    "isce_work": "free space on the data folder's file system, or point [paths] data at a larger one",
    "mintpy_run": "read MintPy's log (path above) and fix its cause, e.g. [mintpy] command or options",
}
_PREVIEW = "(preview: `insarproj plan --retry-failed`)"
_RETRY = f"give each one more attempt with `insarproj apply --retry-failed` {_PREVIEW}"


def failed_way_out(kinds: Iterable[str]) -> str:
    """The way out for items of these kinds failed for good: each kind's own, then the retry."""
    own = [_WAY_OUT_BY_KIND[kind] for kind in sorted(set(kinds)) if kind in _WAY_OUT_BY_KIND]
    return "; ".join([*own, f"or {_RETRY}"]) if own else _RETRY[0].upper() + _RETRY[1:]


# Beyond this many actions of one kind and operation, show the first few and a count.
MAX_LINES_PER_GROUP = 12
# The headline's words for what users count; other units use VERBS.
UNIT_VERBS: dict[str, dict[Op, str]] = {
    "interferogram": {
        Op.CREATE: "to submit to HyP3",
        Op.REPLACE: "to resubmit",
        Op.ADOPT: "to adopt from HyP3",
    },
    "product": {Op.CREATE: "to download", Op.REPLACE: "to download again", Op.ADOPT: "to adopt from disk"},
    "scene": {Op.CREATE: "to download", Op.REPLACE: "to download again", Op.ADOPT: "to adopt from disk"},
    "stack folder": {Op.FORGET: "to clean up"},
}
HEADLINE_OPS = (Op.CREATE, Op.ADOPT, Op.REFRESH, Op.REPLACE, Op.FORGET)


def human_bytes(n: int | float) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"  # pragma: no cover


def _credits(value: float) -> str:
    return f"{value:g}"


def render_plan(plan: Plan, *, verbose: int = 0, color: bool = True) -> str:
    def style(text: str, **kw: object) -> str:
        return click.style(text, **kw) if color else text  # type: ignore[arg-type]

    lines: list[str] = []
    for change in plan.inputs:
        lines.append(style(f"  ~ input {change.name}: ", fg="yellow") + change.summary)
    groups: dict[str, dict[Op, list[Action]]] = defaultdict(lambda: defaultdict(list))
    failed = [a for a in plan.actions if a.op is Op.FAILED]
    hidden: dict[str, int] = defaultdict(int)
    for action in plan.actions:
        if action.internal and verbose <= 0:
            hidden[action.kind] += 1  # bookkeeping of an item another line counts
        elif action.op is not Op.FAILED:
            groups[action.kind][action.op].append(action)
    limit = None if verbose > 0 else MAX_LINES_PER_GROUP
    for kind, by_op in groups.items():
        counts = ", ".join(f"{len(acts)} {VERBS[op]}" for op, acts in by_op.items())
        lines.append("")
        lines.append(style(f"{kind}", bold=True) + f"  ({counts})")
        for op, acts in by_op.items():
            lines.extend(_action_lines(acts, op, limit, style))
    if failed:
        # Their own group, never mixed with work apply can do: they need the user.
        lines.append("")
        lines.append(
            style(
                f"Failed for good ({len(failed)}): apply cannot make these without you", bold=True, fg="red"
            )
        )
        lines.extend(_action_lines(failed, Op.FAILED, limit, style))
        lines.append(f"  Way out: {failed_way_out(a.kind for a in failed)}.")
    if hidden:
        what = ", ".join(f"{n} {kind}" for kind, n in hidden.items())
        lines.append("")
        lines.append(style(f"(and internal records that go with them: {what}; -v lists them)", dim=True))
    if plan.notes:
        lines.append("")
        lines.append(style("Notes:", bold=True))
        lines.extend(f"  - {note}" for note in plan.notes)
    lines.append("")
    lines.append(summary_line(plan, color=color))
    if verbose > 0:
        lines.append(resources_line(plan))
    return "\n".join(lines).lstrip("\n") + "\n"


def _action_lines(acts: list[Action], op: Op, limit: int | None, style: Callable[..., str]) -> list[str]:
    lines = []
    shown = acts if limit is None else acts[:limit]
    for action in shown:
        extra = []
        if action.bytes:
            extra.append(human_bytes(action.bytes))
        if action.credits or (action.credits is not None and op is Op.ADOPT):
            extra.append(f"{_credits(action.credits)} credits")
        if action.held_back:
            extra.append(f"held back by {action.held_back}: stays planned")
        suffix = f" [{', '.join(extra)}]" if extra else ""
        symbol = SYMBOLS[op]
        lines.append(
            "  "
            + style(f"{symbol:>3} {action.address}", fg=COLORS[op])
            + style(f"  {action.reason}{suffix}", dim=True)
        )
    if limit is not None and len(acts) > limit:
        lines.append(style(f"      … and {len(acts) - limit} more ({VERBS[op]}; -v lists all)", dim=True))
    return lines


def count_phrases(summary: PlanSummary) -> list[str]:
    """What the actions do, in the units users count ("21 products to download"), as the headline
    and apply's round lines say it."""
    return [p for p in (_unit_counts(unit, by_op) for unit, by_op in summary.items.items()) if p]


def summary_line(plan: Plan, *, color: bool = True) -> str:
    summary = plan.summary
    if not plan.has_changes and not plan.has_waiting:
        if plan.has_failed:
            # Never "matches project.toml" while declared work is missing (docs/cli.md).
            text = (
                f"Nothing apply can do now, but {summary.failed} item{'s' * (summary.failed != 1)} "
                "failed for good (listed above with the way out)."
            )
            return click.style(text, fg="red", bold=True) if color else text
        text = "No changes. The project folder matches project.toml."
        return click.style(text, fg="green", bold=True) if color else text
    parts = count_phrases(summary)
    if plan.inputs:
        parts.insert(0, f"{len(plan.inputs)} input{'s' if len(plan.inputs) > 1 else ''} to pin")
    if summary.internal and not parts:
        parts.append(f"{summary.internal} internal records to update (-v lists them)")
    text = "Plan: " + ("; ".join(parts) if parts else "nothing to do now")
    if summary.bytes:
        text += f"; {human_bytes(summary.bytes)} of downloads"
    if summary.credits or summary.credits_held_back:
        text += f"; {_credits(summary.credits)} HyP3 credits"
    if summary.held_back:
        by = " and ".join(sorted({a.held_back for a in plan.actions if a.held_back}))
        text += (
            f" now ({summary.held_back} more submission{'s' * (summary.held_back != 1)}, "
            f"{_credits(summary.credits_held_back)} credits, held back by {by}: they stay planned)"
        )
    if summary.waiting:
        text += f"; {summary.waiting} waiting on remote work"
    if summary.failed:
        text += f"; {summary.failed} failed for good"
    text += "."
    return click.style(text, bold=True) if color else text


def _unit_counts(unit: str, by_op: dict[str, int]) -> str:
    """ "9 interferograms to submit to HyP3, 2 to adopt from HyP3": the noun once, then each verb."""
    words = []
    for op in HEADLINE_OPS:
        n = by_op.get(op.value, 0)
        if n:
            words.append((n, UNIT_VERBS.get(unit, {}).get(op, VERBS[op])))
    if not words:
        return ""
    (first_n, first_verb), rest = words[0], words[1:]
    noun = unit if first_n == 1 else unit + "s"
    return ", ".join([f"{first_n} {noun} {first_verb}", *(f"{n} {verb}" for n, verb in rest)])


def resources_line(plan: Plan) -> str:
    """With -v: every kind's actions by operation, internal ones included (as --json has them)."""
    by_kind = "; ".join(
        f"{kind} " + ", ".join(f"{n} {VERBS[Op(op)]}" for op, n in ops.items())
        for kind, ops in plan.summary.by_kind.items()
    )
    return f"Resources: {by_kind or 'none'}."


def render_report(report: ApplyReport, *, color: bool = True, verbose: int = 0) -> str:
    def style(text: str, **kw: object) -> str:
        return click.style(text, **kw) if color else text  # type: ignore[arg-type]

    lines: list[str] = []
    for address, message in report.failed:
        lines.append(style(f"  failed  {address}: ", fg="red", bold=True) + message)
    shown = report.deferred if verbose else report.deferred[:MAX_LINES_PER_GROUP]
    lines.extend(f"  deferred {address}: {why}" for address, why in shown)
    if len(shown) < len(report.deferred):
        lines.append(f"  … and {len(report.deferred) - len(shown)} more deferred (-v lists all)")
    if verbose:
        lines.extend(f"  skipped {address}: {why}" for address, why in report.skipped)
    parts = [f"{len(report.done)} done", f"{len(report.failed)} failed", f"{len(report.skipped)} skipped"]
    if report.deferred:
        parts.append(f"{len(report.deferred)} deferred")
    if report.waiting:
        parts.append(f"{len(report.waiting)} waiting")
    if report.failed_for_good:
        parts.append(f"{len(report.failed_for_good)} failed for good")
    text = "Apply " + (
        "interrupted" if report.interrupted else "complete" if report.ok else "finished with errors"
    )
    text += ": " + ", ".join(parts) + "."
    settled = not (report.waiting or report.deferred or report.failed_for_good)
    fg = "green" if report.ok and settled else "yellow" if report.ok else "red"
    lines.append(style(text, fg=fg, bold=True))
    if report.interrupted or report.failed:
        lines.append("Completed actions are recorded; run `insarproj apply` again to resume.")
    elif report.waiting:
        lines.append(
            "Remote work is still running; run `insarproj apply` later (or with --wait) to collect it."
        )
    if report.failed_for_good:
        names = ", ".join(report.failed_for_good[:5]) + (" …" if len(report.failed_for_good) > 5 else "")
        kinds = (address.split(".", 1)[0] for address in report.failed_for_good)
        lines.append(f"Failed for good: {names}. Way out: {failed_way_out(kinds)}.")
    return "\n".join(lines) + "\n"
