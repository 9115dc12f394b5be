"""`show`: each ISCE2 stack's generation (which topsStack made it) and its steps with progress,
failures and log paths."""

from __future__ import annotations

from typing import Any

from insarproj.transfer.progress import format_bytes


def isce_section(ws: Any, state: Any) -> dict[str, Any]:
    stacks = sorted(state.by_kind("isce_stack").items())
    if not stacks:
        return {}
    steps = state.by_kind("isce_step")
    rows = []
    lines = ["ISCE2 topsStack stacks:"]
    for address, record in stacks:
        attrs = record["attributes"]
        generation = str(attrs.get("fingerprint", ""))
        lines.append(
            f"  {address}  generation {generation[:12]}  {attrs.get('work')}/  by {attrs.get('topsstack')}"
            + (f"  (update of {str(attrs.get('parent'))[:12]})" if attrs.get("parent") else "")
        )
        stack = address.split(".", 1)[1]
        step_rows = [
            _step_row(step_address, step, generation)
            for step_address, step in sorted(steps.items())
            if step_address.startswith(f"isce_step.{stack}.")
            and step["attributes"].get("generation") == generation
        ]
        for row in step_rows:
            lines.append(f"    {row['address']:<46} {row['done']}/{row['commands']} done" + _failed_text(row))
        pruned = _pruned(state.get(f"isce_work.{stack}"), generation)
        if pruned is not None:
            listed = ", ".join(f"{f}/" for f in pruned["folders"])
            lines.append(f"    pruned by `apply --prune`: {listed} (freed {format_bytes(pruned['freed'])})")
        rows.append(
            {
                "address": address,
                "generation": generation,
                "work": attrs.get("work"),
                "topsstack": attrs.get("topsstack"),
                "command": attrs.get("command"),
                "run_files": attrs.get("run_files"),
                "mode": attrs.get("mode", "new"),
                "parent": attrs.get("parent"),
                "generations": attrs.get("generations", []),
                "steps": step_rows,
                "pruned": pruned,
            }
        )
    return {"isce_stacks": rows, "text_blocks": ["\n".join(lines)]}


def _pruned(record: Any, generation: str) -> dict[str, Any] | None:
    """What `apply --prune` removed from the work folder of this generation (the isce_work record),
    or None when nothing was."""
    if record is None or record["attributes"].get("generation") != generation:
        return None
    folders = list(record["attributes"].get("pruned") or [])
    if not folders:
        return None
    return {"folders": folders, "freed": int(record["attributes"].get("freed") or 0)}


def _step_row(address: str, record: Any, generation: str) -> dict[str, Any]:
    commands = record["attributes"].get("commands", {})
    failed = {k: v for k, v in commands.items() if v.get("status") == "failed"}
    return {
        "address": address,
        "status": record["status"],
        "commands": len(commands),
        "done": sum(1 for v in commands.values() if v.get("status") == "done"),
        "failed": [
            {"key": k, "failures": v.get("failures"), "log": v.get("log_path"), "reason": v.get("reason")}
            for k, v in sorted(failed.items())
        ],
        "logs": sorted({str(v.get("log_path", "")).rsplit("/", 2)[0] for v in commands.values()}),
    }


def _failed_text(row: dict[str, Any]) -> str:
    text = f"  logs {', '.join(row['logs'])}" if row["logs"] else ""
    for failed in row["failed"]:
        text += f"\n      failed {failed['key']} ({failed['failures']}×, {failed['reason']}): {failed['log']}"
    return text
