"""The DEM end to end through the real CLI against the sandbox: a `download` project converges
with a DEM per stack, plans again with no request, keeps a DEM when a new date stays inside its
extent and replaces it when a new date leaves it."""

from __future__ import annotations

from pathlib import Path

from e2e_helpers import quiesce, state_of, write_project


def dems(root: Path) -> dict[str, dict]:
    return {a: r for a, r in state_of(root)["resources"].items() if r["kind"] == "dem"}


def tile_gets(sandbox) -> list:  # type: ignore[no-untyped-def]
    return [r for r in sandbox.requests() if r.path.startswith("/copernicus-dem-")]


def test_download_project_with_dem_converges_then_plans_with_no_request(
    tmp_path: Path, sandbox, run_cli
) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", end="2021-01-10")
    result = run_cli(["-C", str(root), "apply", "--yes"])
    assert result.code == 0, result.output
    records = dems(root)
    assert set(records) == {"dem.A064", "dem.A166", "dem.D071"}
    for address, record in records.items():
        attrs = record["attributes"]
        assert record["status"] == "present"
        assert attrs["path"] == f"dem/{address.split('.')[1]}" and attrs["files"] == ["dem.tif"]
        assert (root / "data" / attrs["path"] / "dem.tif").is_file()
        assert attrs["dem_stitcher_version"] and attrs["parameters"]["dst_ellipsoidal_height"] is True
        assert attrs["valid_share"] == 1.0 and attrs["tiles"] == 1
        west, south, east, north = attrs["bounds"]
        rw, rs, re_, rn = attrs["required"]
        assert west <= rw and south <= rs and east >= re_ and north >= rn
    # One tile serves the three stacks: fetched once, through the verified downloader.
    assert len(tile_gets(sandbox)) == 1
    assert sorted(p.name for p in (root / "data" / "dem" / "tiles").iterdir()) == [
        "Copernicus_DSM_COG_10_N35_00_W118_00_DEM.tif"
    ]
    assert not list((root / "data").rglob("*.part"))
    quiesce(sandbox)
    sandbox.clear_requests()
    again = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert again.code == 0, again.output
    assert sandbox.requests() == []  # converged: no DEM request, no request at all
    shown = run_cli(["-C", str(root), "show"])
    assert "dem.A064" in shown.output and "dem_stitcher" in shown.output and "valid 100 %" in shown.output


def test_a_new_date_inside_the_extent_keeps_the_dem_one_leaving_it_replaces_it(
    tmp_path: Path, sandbox, run_cli
) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", end="2021-01-10")
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    before = dems(root)
    # A064 and D071 gain 2021-01-18, which covers what they covered; A166 gains 2021-01-13,
    # which sees the AOI further north than its 2021-01-01 did.
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace("end = 2021-01-10", "end = 2021-01-20"))
    plan = run_cli(["-C", str(root), "plan"])
    assert plan.code == 0, plan.output
    assert "dem.A166" in plan.output and "beyond the DEM's" in plan.output
    assert "dem.A064" not in plan.output and "dem.D071" not in plan.output
    sandbox.clear_requests()
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    after = dems(root)
    assert after["dem.A064"] == before["dem.A064"] and after["dem.D071"] == before["dem.D071"]
    assert after["dem.A166"]["attributes"]["bounds"][3] > before["dem.A166"]["attributes"]["bounds"][3]
    assert tile_gets(sandbox) == []  # the tile was in the cache already


def test_replace_remakes_a_dem_in_sync_and_refuses_other_kinds(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    """`--replace dem.<stack>` (the plan note's way after a dem_stitcher upgrade) remakes that DEM
    only; naming a kind that is never remade on request, or no resource, is a usage error."""
    root = write_project(tmp_path / "p", end="2021-01-10")
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == 0
    before = dems(root)
    dem_file = root / "data" / "dem" / "A064" / "dem.tif"
    dem_file.write_bytes(dem_file.read_bytes())  # same bytes, a new inode: a remake replaces it
    inode = dem_file.stat().st_ino

    plan = run_cli(["-C", str(root), "plan", "--replace", "dem.A064", "--detailed-exitcode"])
    assert plan.code == 2, plan.output
    assert "dem.A064" in plan.output and "remade on request (--replace)" in plan.output
    assert "dem.D071" not in plan.output and "dem.A166" not in plan.output

    applied = run_cli(["-C", str(root), "apply", "--yes", "--replace", "dem.A064"])
    assert applied.code == 0, applied.output
    after = dems(root)
    # Records are stamped to the second, so the new file (not the time) shows the remake.
    assert dem_file.stat().st_ino != inode and after["dem.A064"]["status"] == "present"
    assert after["dem.D071"] == before["dem.D071"] and after["dem.A166"] == before["dem.A166"]
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0

    scene = next(a for a in state_of(root)["resources"] if a.startswith("scene."))
    refused = run_cli(["-C", str(root), "plan", "--replace", scene])
    assert refused.code == 64 and "scene resources are not remade on request" in refused.output
    typo = run_cli(["-C", str(root), "plan", "--replace", "dem.A065"])
    assert typo.code == 64 and "names no resource" in typo.output and "dem.A064" in typo.output
