"""The MintPy hand-off for processor isce end to end: the stand-in topsStack runs every step, then
`mintpy.<stack>` writes insarproj.cfg naming MintPy's topsStack layout of the current generation;
every path in it resolves (relative to the hand-off folder, where MintPy runs) to the files the
stack left, and each key is MintPy's own default (checked against the installed MintPy in
tests/mintpy/test_isce_handoff.py). The real MintPy cannot load it here: its ISCE reader needs ISCE2."""

from __future__ import annotations

import glob
import re
from pathlib import Path

from e2e_helpers import state_of
from test_isce_e2e import isce_project

from insarproj.mintpy.isce_handoff import REQUIRED, TOPS_PATHS


def load_keys(cfg: str) -> dict[str, str]:
    return dict(re.findall(r"^mintpy\.load\.(\w+) = (.+)$", cfg, re.M))


def test_isce_handoff_points_mintpy_at_the_current_generation(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root, _ = isce_project(tmp_path, extra="\n[mintpy]\nenabled = true\nreference_point = [35.7, -117.6]\n")
    plan = run_cli(["-C", str(root), "plan"])
    assert "mintpy.A064  made once the topsStack steps of A064 are done" in plan.output, plan.output
    applied = run_cli(["-C", str(root), "apply", "--yes"])
    assert applied.code == 0, applied.output
    resources = state_of(root)["resources"]
    handoff = resources["mintpy.A064"]["attributes"]
    assert handoff["generation"] == resources["isce_stack.A064"]["attributes"]["fingerprint"]
    folder = root / "data" / handoff["path"]
    keys = load_keys((folder / "insarproj.cfg").read_text())
    assert keys["processor"] == "isce" and keys["updateMode"] == "no" and keys["autoPath"] == "no"
    work = root / "data" / handoff["work"]
    for key, default in TOPS_PATHS.items():
        if keys[key] == "None":
            assert key not in REQUIRED and not glob.glob(str(work / default)), key
            continue
        assert (folder / keys[key]).resolve() == (work / default).resolve(), key
        assert glob.glob(str(folder / keys[key])), f"{key} = {keys[key]} names nothing"
    unw = sorted(Path(p).parent.name for p in glob.glob(str(folder / keys["unwFile"])))
    pairs = sorted(a.split(".")[2] for a, r in resources.items() if r["kind"] == "pair")
    assert unw == pairs  # exactly the network's interferograms
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0
    shown = run_cli(["-C", str(root), "show"]).output
    assert f"{len(pairs)} interferograms of the topsStack stack in data/{handoff['work']}/" in shown, shown

    # A regenerated stack (other looks) makes the hand-off stale; apply points it at the new one.
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace("num_proc = 2", "num_proc = 2\nrange_looks = 15"))
    plan = run_cli(["-C", str(root), "plan"])
    assert re.search(r"mintpy\.A064\s+stale: isce_stack\.A064 was regenerated", plan.output), plan.output
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    again = state_of(root)["resources"]["mintpy.A064"]["attributes"]
    assert again["generation"] != handoff["generation"]
    assert again["generation"] == state_of(root)["resources"]["isce_stack.A064"]["attributes"]["fingerprint"]
