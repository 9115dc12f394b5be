"""Burst groups merged for MintPy through the real CLI against the sandbox: a burst project whose
track's bursts over the AOI form two groups (IW1 and IW2) gets one hand-off for the track, with
one merged interferogram per pair covering both groups."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import rasterio

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from e2e_helpers import apply_wait, state_of, write_project

BURST = 'product = "BURST"\npolarization = ["VV"]\nrelative_orbits = [64]\n'
HYP3 = '[processor.hyp3]\njob_type = "INSAR_ISCE_MULTI_BURST"\n\n[mintpy]\nenabled = true\n'


@pytest.fixture
def sandbox(sandbox, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The sandbox (tests/conftest.py) with HyP3 jobs finishing in moments."""
    sandbox.hyp3_settings(speed=50.0)
    monkeypatch.setenv("INSARPROJ_HYP3_LISTING_LAG", "0.5")
    return sandbox


def test_a_tracks_burst_groups_are_handed_off_merged(tmp_path: Path, sandbox, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = write_project(
        tmp_path / "p", kind="hyp3", end="2021-01-20", search_extra=BURST, processor_extra=HYP3
    )
    result = apply_wait(run_cli, root)
    assert result.code == 0, result.output
    resources = state_of(root)["resources"]
    groups = sorted({a.split(".")[1] for a, r in resources.items() if r["kind"] == "product"})
    assert len(groups) == 2 and all(g.startswith("A064_") for g in groups)
    handoffs = {a: r for a, r in resources.items() if r["kind"] == "mintpy"}
    assert list(handoffs) == ["mintpy.A064"]  # one per track, not one per group
    attrs = handoffs["mintpy.A064"]["attributes"]
    [(name, sources)] = attrs["merged_burst_groups"].items()
    assert sorted(s.split(".")[1] for s in sources) == groups
    folder = root / "data" / attrs["path"] / "hyp3" / name
    with rasterio.open(folder / f"{name}_unw_phase_clipped.tif") as merged:
        width = merged.width
    widths = []
    for source in sources:
        product = root / "data" / resources[source]["attributes"]["path"]
        with rasterio.open(next(product.glob("*_unw_phase.tif"))) as src:
            widths.append(src.width)
    assert width > max(widths)  # the merged interferogram covers more than either group alone
    again = run_cli(["-C", str(root), "plan", "--offline", "--detailed-exitcode"])
    assert again.code == 0, again.output
