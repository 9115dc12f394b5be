"""ISCE2 topsStack generations end to end through the real CLI against the sandbox's stand-in:
new dates run topsStack's update mode in the same work folder (twice in a row), each update a
generation of its own; the interferograms made stay exactly the declared network; what cannot be
an update (a looks change, `[paths] data` moved) regenerates with the reason; an orbit upgrade of a
processed date is a note only. The stand-in's runner log counts what each command ran."""

from __future__ import annotations

from pathlib import Path

from e2e_helpers import state_of
from test_isce_e2e import isce_project, runs_of


def set_end(root: Path, end: str) -> None:
    toml = root / "project.toml"
    text = toml.read_text()
    start = text.index("end = ")
    toml.write_text(text[:start] + f"end = {end}" + text[text.index("\n", start) :])


def network(root: Path) -> list[str]:
    resources = state_of(root)["resources"]
    return sorted(a.split(".")[2] for a, r in resources.items() if r["kind"] == "pair")


def merged(root: Path) -> list[str]:
    folder = root / "data" / "isce" / "A064" / "work" / "merged" / "interferograms"
    assert all((p / "filt_fine.unw").stat().st_size > 0 for p in folder.iterdir())
    return sorted(p.name for p in folder.iterdir())


def stack_attrs(root: Path) -> dict:
    return state_of(root)["resources"]["isce_stack.A064"]["attributes"]


def test_two_successive_date_updates_both_run_in_update_mode(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root, home = isce_project(tmp_path)
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    generations = [stack_attrs(root)]
    assert generations[0]["mode"] == "new" and merged(root) == network(root) == ["20210106_20210118"]

    # 1st update: 20210130 joins. Geometry coregistration: topsStack reprocesses the latest date and
    # pairs only 20210118_20210130; insarproj adds 20210106_20210130 (a pair with the reference).
    set_end(root, "2021-02-01")
    plan = run_cli(["-C", str(root), "plan"])
    assert plan.code == 0, plan.output
    assert (
        "isce_stack.A064  1 new date(s): update mode (topsStack coregisters 20210130 and again 20210118; "
        "insarproj adds the pair configs update mode does not write: 20210106_20210130)"
    ) in plan.output, plan.output
    assert "isce_step.A064.01_unpack_secondary_slc" in plan.output
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    generations.append(stack_attrs(root))
    assert generations[1]["mode"] == "update" and generations[1]["parent"] == generations[0]["fingerprint"]
    assert generations[1]["run_files"][0] == "run_01_unpack_secondary_slc"
    assert merged(root) == network(root) == ["20210106_20210118", "20210106_20210130", "20210118_20210130"]
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0

    # 2nd update: the same step addresses as the 1st, whose records must not count for it.
    set_end(root, "2021-02-13")
    plan = run_cli(["-C", str(root), "plan"])
    assert "1 new date(s): update mode (topsStack coregisters 20210211 and again 20210130;" in plan.output
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    generations.append(stack_attrs(root))
    assert generations[2]["parent"] == generations[1]["fingerprint"]
    assert [g["mode"] for g in generations[2]["generations"]] == ["new", "update", "update"]
    assert merged(root) == network(root) and len(network(root)) == 5
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0

    # Counted from the stand-in's runner log: each generation unpacked its new date and the latest
    # one again, and unwrapped exactly the pairs new to the network.
    unpacked = [e["target"].rsplit("_", 1)[1] for e in runs_of(home, "config_secondary_")]
    assert unpacked == ["20210118", "20210118", "20210130", "20210130", "20210211"]
    unwrapped = sorted(e["target"].split("config_igram_unw_")[1] for e in runs_of(home, "config_igram_unw_"))
    assert unwrapped == network(root)
    work = root / "data" / "isce" / "A064" / "work"
    assert sorted(p.name for p in (work / "generations").iterdir()) == sorted(
        g["fingerprint"][:12] for g in generations[:2]
    )
    shown = run_cli(["-C", str(root), "show"])
    assert f"(update of {generations[1]['fingerprint'][:12]})" in shown.output
