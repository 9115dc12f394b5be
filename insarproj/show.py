"""`insarproj show`: what the project folder contains, from recorded state (no network)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from insarproj.state import State


def state_summary(ws: Any, state: State) -> dict[str, Any]:
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for record in state.resources.values():
        by_kind[record["kind"]][record["status"]] += 1
    inputs = {}
    for name, value in state.inputs.items():
        entry = {"fingerprint": value.get("fingerprint")} if isinstance(value, dict) else {}
        if isinstance(value, dict) and "summary" in value:
            entry["summary"] = value["summary"]
        inputs[name] = entry
    summary: dict[str, Any] = {
        "project": ws.project.config.project.name,
        "processor": ws.project.config.processor.kind,
        "lineage": state.lineage,
        "serial": state.serial,
        "insarproj_version": state.insarproj_version,
        "resources": {kind: dict(sorted(c.items())) for kind, c in sorted(by_kind.items())},
        "total_resources": len(state.resources),
        "inputs": inputs,
    }
    blocks: list[str] = []
    for section in ws.components.show_sections:
        part = dict(section(ws, state))
        blocks.extend(part.pop("text_blocks", []))
        summary.update(part)
    summary["text_blocks"] = blocks
    return summary


def render_summary(summary: dict[str, Any]) -> str:
    lines = [
        f"Project {summary['project']!r} (processor {summary['processor']}), "
        f"state serial {summary['serial']}, lineage {summary['lineage']}",
    ]
    if not summary["resources"]:
        lines.append("No resources recorded yet: run `insarproj plan` to see what apply would do.")
    for kind, statuses in summary["resources"].items():
        parts = ", ".join(f"{n} {status}" for status, n in statuses.items())
        lines.append(f"  {kind:<10} {sum(statuses.values()):>6}  ({parts})")
    for name, entry in summary["inputs"].items():
        lines.append(f"  input {name}: {entry.get('summary', entry.get('fingerprint', ''))}")
    for block in summary.get("text_blocks", []):
        lines.append("")
        lines.append(block.rstrip("\n"))
    return "\n".join(lines) + "\n"
