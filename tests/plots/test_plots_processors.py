"""`show --plots` for the other processors, through the real CLI against the sandbox: ISCE pair
statuses from the current generation's step records, ARIA pairs from GUNW products and on-demand
jobs, no network for processor download, and CDSE baselines from the orbit records (with the dates
still waiting for one named). Colours are checked from the PNG's pixels."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "aria"))

from aria_helpers import write_aria_project
from e2e_helpers import write_project
from test_plots import pixels_of

from insarproj.plots.canvas import STATUS_COLOURS
from insarproj.state import StateStore, op_delete, op_put


def _show_plots(run_cli, root: Path, out: Path) -> str:  # type: ignore[no-untyped-def]
    result = run_cli(["-C", str(root), "show", "--plots", str(out)])
    assert result.code == 0, result.output
    return str(result.output)


def _statuses(root: Path) -> dict[str, str]:
    from insarproj.plots.facts import stack_facts
    from insarproj.workspace import Workspace

    ws = Workspace(root)
    return {
        f"{p.stack}.{p.reference:%Y%m%d}_{p.secondary:%Y%m%d}": p.status
        for s in stack_facts(ws, ws.load_state())
        for p in s.pairs
    }


# --- ISCE ---------------------------------------------------------------------------------------


@pytest.fixture
def isce_root(tmp_path: Path, sandbox, run_cli) -> Path:  # type: ignore[no-untyped-def]
    from insarproj.sandbox.topsstack.install import install

    home = install(tmp_path / "topsstack")
    options = f'[processor.isce]\ntopsstack_dir = "{home}"\nnum_proc = 2\ncoregistration = "geometry"\n'
    root = write_project(
        tmp_path / "p", kind="isce", end="2021-02-01", search_extra="relative_orbits = [64]",
        processor_extra=options,
    )  # fmt: skip
    applied = run_cli(["-C", str(root), "apply", "--yes"])
    assert applied.code == 0, applied.output
    return root


def _append_record(root: Path, run_file: str, key: str, status: str) -> None:
    """What the local executor writes when a command starts or fails: its last record wins."""
    log = next((root / "data" / "isce" / "A064" / "logs").glob(f"*/{run_file}.records.jsonl"))
    last = [json.loads(line) for line in log.read_text().splitlines() if json.loads(line)["key"] == key][-1]
    last.update(status=status, failures=1 if status == "failed" else 0)
    with log.open("a") as stream:
        stream.write(json.dumps(last) + "\n")


def test_isce_pairs_are_made_failed_running_or_planned_from_the_step_records(
    isce_root: Path, tmp_path: Path, run_cli
) -> None:  # type: ignore[no-untyped-def]
    before = _statuses(isce_root)
    assert len(before) == 3 and set(before.values()) == {"made"}, before
    _show_plots(run_cli, isce_root, tmp_path / "made")
    png = tmp_path / "made" / "network.png"
    assert pixels_of(png, STATUS_COLOURS["made"]) > 200
    assert pixels_of(png, STATUS_COLOURS["planned"]) == 0  # before the fix: every isce pair was planned

    made, failed, running = sorted(before)
    pair = {k: k.split(".", 1)[1] for k in before}
    unwrap = next(
        p.name for p in (isce_root / "data/isce/A064/work/run_files").iterdir() if p.name.endswith("_unwrap")
    )
    _append_record(isce_root, unwrap, f"config_igram_unw_{pair[failed]}", "failed")
    _append_record(isce_root, unwrap, f"config_igram_unw_{pair[running]}", "running")
    after = _statuses(isce_root)
    assert after == {made: "made", failed: "failed", running: "running"}

    # An output recorded done but gone from merged/ is to be made again: planned, not made.
    (isce_root / "data/isce/A064/work/merged/interferograms" / pair[made] / "filt_fine.unw").unlink()
    assert _statuses(isce_root)[made] == "planned"

    output = _show_plots(run_cli, isce_root, tmp_path / "out")
    assert "network.png" in output
    png = tmp_path / "out" / "network.png"
    for status in ("failed", "running", "planned"):
        assert pixels_of(png, STATUS_COLOURS[status]) > 50, status


# --- ARIA ---------------------------------------------------------------------------------------


def test_aria_pairs_on_disk_retrieving_and_missing(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    sandbox.aria_settings(retrieval_delay=3600)  # the archived product stays "retrieving"
    root = write_aria_project(tmp_path / "p")
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    statuses = _statuses(root)
    assert statuses == {
        "A064.20210106_20210118": "on disk",
        "A064.20210118_20210130": "on disk",
        "A064.20210130_20210211": "retrieving",  # tests/aria/aria_helpers.py ARCHIVED_ADDRESS
        "A064.20210106_20210130": "missing",  # below min_coverage, no other product
        "A064.20210118_20210211": "missing",  # never published
    }
    output = _show_plots(run_cli, root, tmp_path / "out")
    assert "footprints.png" in output and "network.png" in output
    png = tmp_path / "out" / "network.png"
    for status in ("on disk", "retrieving", "missing"):
        assert pixels_of(png, STATUS_COLOURS[status]) > 50, status
    geojson = json.loads((tmp_path / "out" / "footprints.geojson").read_text())
    roles = sorted({f["properties"].get("role") for f in geojson["features"]})
    assert "aoi" in roles and "stack" in roles, roles


def test_aria_on_demand_pairs_follow_their_jobs(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = write_aria_project(tmp_path / "p", extra="on_demand = true")
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    on_demand = {"A064.20210106_20210130", "A064.20210118_20210211"}  # the two "missing" above
    statuses = _statuses(root)
    assert {k for k, v in statuses.items() if v == "running"} == on_demand, statuses

    store = StateStore(root / ".insarproj")
    jobs = dict(store.load().by_kind("hyp3_job"))
    ops = []
    for address, record in jobs.items():
        if address.endswith("20210106_20210130"):
            ops.append(op_put(address, "hyp3_job", "failed", record["attributes"]))
        else:
            ops.append(op_delete(address))  # no job yet: planned
    writer = store.open_writer()
    writer.record(ops)
    writer.close()
    statuses = _statuses(root)
    assert statuses["A064.20210106_20210130"] == "failed" and statuses["A064.20210118_20210211"] == "planned"
    _show_plots(run_cli, root, tmp_path / "out")
    png = tmp_path / "out" / "network.png"
    for status in ("failed", "planned", "on disk"):
        assert pixels_of(png, STATUS_COLOURS[status]) > 50, status


# --- download, CDSE -----------------------------------------------------------------------------


def test_download_projects_skip_the_network_with_a_note(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = write_project(
        tmp_path / "p", kind="download", end="2021-01-20", search_extra="relative_orbits = [64]"
    )
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    output = _show_plots(run_cli, root, tmp_path / "out")
    assert "network.png skipped: processor download makes no pairs" in output
    assert not (tmp_path / "out" / "network.png").exists()


def test_cdse_baselines_come_from_the_orbit_records_and_waiting_dates_are_named(
    tmp_path: Path, sandbox, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from insarproj.plots.facts import stack_facts
    from insarproj.workspace import Workspace

    monkeypatch.setenv("CDSE_USERNAME", "sandbox")
    monkeypatch.setenv("CDSE_PASSWORD", "sandbox-password")
    orbits = "[orbits]\nenabled = true\n\n[processor]"
    root = write_project(tmp_path / "p", kind="hyp3", end="2021-01-31", search_extra='source = "cdse"')
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace("[processor]", orbits, 1))
    first = run_cli(["-C", str(root), "apply", "--yes"])  # pins, fetches the orbit files, pairs wait
    assert first.code in (0, 2), first.output

    ws = Workspace(root)
    facts = {s.id: s for s in stack_facts(ws, ws.load_state())}["A064"]
    assert facts.pairs and not facts.waiting
    assert all(b is not None for b in facts.bperp.values())  # the pin has none: from the orbit files
    assert len({round(b or 0.0) for b in facts.bperp.values()}) > 1

    store = StateStore(root / ".insarproj")
    gone = sorted(a for a in store.load().by_kind("orbit") if "_20210130T" in a)
    assert gone
    writer = store.open_writer()
    writer.record([op_delete(a) for a in gone])
    writer.close()
    output = _show_plots(run_cli, root, tmp_path / "out")
    assert "have no perpendicular baseline yet" in output and "A064 2021-01-30" in output, output
    network = run_cli(["-C", str(root), "show", "--network", str(tmp_path / "n.png")])
    assert network.code == 0 and "A064 2021-01-30" in network.output, network.output


@pytest.mark.parametrize(
    ("commands", "update", "expected"),
    [
        ([], False, "planned"),  # the generation does not write it yet
        ([], True, "made"),  # an update's parent made it (update mode needs a finished parent)
        (["done", "done", "done", "done"], False, "made"),
        (["done", "done", "failed", ""], False, "failed"),
        (["done", "running", "", ""], False, "running"),
        (["done", "done", "queued", ""], False, "running"),  # SLURM
        (["done", "", "", ""], False, "planned"),
        (["done", "cancelled", "", ""], False, "planned"),
        (["done", "lost", "", ""], True, "planned"),
    ],
)
def test_an_isce_pair_is_as_far_as_its_commands(commands: list[str], update: bool, expected: str) -> None:
    from insarproj.plots.isce_status import pair_status

    assert pair_status(commands, update) == expected
