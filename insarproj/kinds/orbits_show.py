"""What `insarproj show` says about orbit files: each scene's orbit (type, file), from state only."""

from __future__ import annotations

from typing import Any

LABELS = {"precise": "POEORB", "restituted": "RESORB"}


def orbits_section(ws: Any, state: Any) -> dict[str, Any]:
    records = sorted(state.by_kind("orbit").items())
    if not records:
        return {}
    rows = []
    for address, record in records:
        attrs = record["attributes"]
        rows.append(
            {
                "scene": address.split(".", 1)[1],
                "status": record["status"],
                "type": attrs.get("type"),
                "file": attrs.get("file"),
                "precise_expected": attrs.get("precise_expected"),
            }
        )
    files = {r["file"] for r in rows if r["file"]}
    restituted = sum(1 for r in rows if r["type"] == "restituted")
    lines = [
        f"Orbits ({len(rows)} scenes, {len(files)} files in {_orbits_folder(ws)}/"
        + (f"; {restituted} restituted, to be upgraded" if restituted else "")
        + "):"
    ]
    for row in rows:
        label = LABELS.get(str(row["type"]), str(row["type"]))
        later = f"  (POEORB expected about {row['precise_expected']})" if row["precise_expected"] else ""
        lines.append(f"  {row['scene']}  {label}  {row['file']}{later}")
    return {"orbits": rows, "text_blocks": ["\n".join(lines)]}


def _orbits_folder(ws: Any) -> str:
    """data/orbits as messages name it ([paths] data may move it; docs/project-folder.md)."""
    from insarproj.fsutil import data_label

    project = ws.project
    return data_label(project.root, project.data_dir) + "/orbits"
