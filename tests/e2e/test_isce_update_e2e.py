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
    # Sorted: commands of one step start in parallel (num_proc = 2), in either order.
    assert sorted(unpacked) == ["20210118", "20210118", "20210130", "20210130", "20210211"]
    unwrapped = sorted(e["target"].split("config_igram_unw_")[1] for e in runs_of(home, "config_igram_unw_"))
    assert unwrapped == network(root)
    work = root / "data" / "isce" / "A064" / "work"
    assert sorted(p.name for p in (work / "generations").iterdir()) == sorted(
        g["fingerprint"][:12] for g in generations[:2]
    )
    shown = run_cli(["-C", str(root), "show"])
    assert f"(update of {generations[1]['fingerprint'][:12]})" in shown.output


def test_nesd_update_mode_and_a_looks_change_with_new_dates_regenerates(
    tmp_path: Path, sandbox, run_cli
) -> None:  # type: ignore[no-untyped-def]
    root, _ = isce_project(tmp_path)
    toml = root / "project.toml"
    nesd = 'coregistration = "NESD"\nnum_overlap_connections = 1'
    toml.write_text(toml.read_text().replace('coregistration = "geometry"', nesd))
    set_end(root, "2021-02-01")
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    assert stack_attrs(root)["run_files"][3] == "run_04_extract_burst_overlaps"

    set_end(root, "2021-02-13")
    plan = run_cli(["-C", str(root), "plan"])
    assert (
        "1 new date(s): update mode (topsStack coregisters 20210211 and again 20210118, 20210130"
        in plan.output
    )
    assert "14 ISCE steps to create" in plan.output  # update mode's run files, planned before they exist
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    attrs = stack_attrs(root)
    assert attrs["mode"] == "update" and len(attrs["run_files"]) == 14
    assert merged(root) == network(root) and len(network(root)) == 5
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0

    # The data folder moved: configs and run files name the old place, so the stack is regenerated
    # there and no step of the old generation is run.
    (root / "data").rename(root / "data2")
    toml.write_text(toml.read_text().replace('data = "data"', 'data = "data2"'))
    plan = run_cli(["-C", str(root), "plan"])
    assert (
        "-/+ isce_stack.A064  [paths] data moved (configs and run files hold absolute paths)" in plan.output
    ), plan.output
    assert "isce_step.A064.14_unwrap  runs once the stack's run files are generated" not in plan.output
    assert (
        "isce_step.A064.01_unpack_topo_reference  runs once the stack's run files are generated"
        in plan.output
    )

    # A looks change together with new dates: not an update, a regeneration saying both.
    set_end(root, "2021-02-25")
    toml.write_text(toml.read_text().replace("num_proc = 2", "num_proc = 2\nrange_looks = 15"))
    plan = run_cli(["-C", str(root), "plan"])
    assert "-/+ isce_stack.A064  range_looks 9 → 15; [paths] data moved" in plan.output, plan.output
    assert "; 1 new date(s): regenerate" in plan.output


def test_an_orbit_upgrade_of_a_processed_date_is_a_note_only(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root, home = isce_project(tmp_path)
    toml = root / "project.toml"
    toml.write_text(toml.read_text() + "\n[orbits]\nrequire_precise = false\n")
    sandbox.orbit_settings(clock="2021-01-30T00:00:00")  # 20210118 has no POEORB yet: RESORB
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    generation = stack_attrs(root)["fingerprint"]
    assert any("_RESORB_" in name for name in stack_attrs(root)["spec"]["orbits"].values())
    commands = len(runs_of(home, "config_"))

    sandbox.orbit_settings(advance_days=20)
    plan = run_cli(["-C", str(root), "plan"])
    assert "upgrade RESORB → POEORB" in plan.output and "isce_stack.A064 " not in plan.output, plan.output
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    plan = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert plan.code == 0, plan.output  # nothing to do: the stack stays as it is
    assert (
        "isce_stack.A064: 1 processed scene(s) now have another orbit file (RESORB → POEORB; date(s) "
        "20210118): a note only, what was made stays; `insarproj apply --replace isce_stack.A064` "
        "reprocesses the stack with them"
    ) in plan.output
    assert stack_attrs(root)["fingerprint"] == generation and len(runs_of(home, "config_")) == commands
