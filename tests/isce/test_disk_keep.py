"""The disk estimate of a stack (by workflow, looks, dates, pairs) and the keep/prune helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from insarproj.isce.disk import (
    BURST_LINES,
    BURST_SAMPLES,
    bursts_per_swath,
    estimate_stack,
    ionosphere_pairs,
    tree_bytes,
)
from insarproj.isce.keep import PRUNE_MARKER, outputs_to_check, prunable, pruned_folders, remove_folders

BURST = BURST_LINES * BURST_SAMPLES
ION = {"num_connections": 3, "consider_burst_properties": False}
ION_BURSTS = {"num_connections": 3, "consider_burst_properties": True}
BBOX = [-117.9, 35.5, -117.3, 35.9]  # 0.4 degrees of latitude: 3 bursts + 1 per swath


@pytest.mark.parametrize(("south", "north", "bursts"), [(35.5, 35.5, 1), (35.5, 35.6, 2), (35.5, 35.9, 4)])
def test_bursts_per_swath(south: float, north: float, bursts: int) -> None:
    assert bursts_per_swath(south, north) == bursts


@pytest.mark.parametrize(
    ("options", "folder", "expected"),
    [
        ({"swaths": [1]}, "reference", 4 * BURST * 8),
        ({"swaths": [1]}, "secondarys", 9 * 4 * BURST * 8),  # 10 dates: 9 secondary dates
        ({"swaths": [1, 2]}, "coreg_secondarys", 9 * 8 * BURST * 16),
        ({"swaths": [1]}, "interferograms", 20 * 4 * BURST * 8),
        # Virtual merge (interferogram's default): only filtered, coherence and unwrapped files.
        ({"swaths": [1]}, "merged", 20 * (4 * BURST // 27) * 21),
        ({"swaths": [1], "workflow": "correlation"}, "merged", 20 * (4 * BURST // 27) * 12),
        ({"swaths": [1], "range_looks": 18}, "merged", 20 * (4 * BURST // 54) * 21),
        ({"swaths": [1], "virtual_merge": False}, "merged", 10 * 4 * BURST * 8 + 20 * (4 * BURST // 27) * 29),
        ({"swaths": [1], "workflow": "slc"}, "merged", 10 * 4 * BURST * 8),
        # Ionosphere: 10 dates with 3 connections = 24 pairs, two complex64 sub-band burst
        # interferograms each, and the merged sub-band layers at 10 × 40 looks (38 bytes).
        ({"swaths": [1], "ionosphere": ION}, "ion", 24 * (4 * BURST * 16 + (4 * BURST // 400) * 38)),
        ({"swaths": [1], "ionosphere": ION}, "reference", 4 * BURST * (8 + 16)),  # + sub-band SLCs
        ({"swaths": [1], "ionosphere": ION}, "coreg_secondarys", 9 * 4 * BURST * (16 + 16)),
        ({"swaths": [1], "ionosphere": ION}, "ion_dates", 10 * (4 * BURST // 27) * 4),
        ({"swaths": [1], "ionosphere": ION_BURSTS}, "ion_burst_ramp_dates", 10 * (4 * BURST // 27) * 4),
        # Dense offsets: one 24-byte grid point per 64 × 64 samples per pair.
        ({"swaths": [1], "workflow": "offset"}, "merged/dense_offsets", 20 * -(-4 * BURST // 4096) * 24),
    ],
)
def test_estimate_by_workflow_and_looks(options: dict, folder: str, expected: int) -> None:
    estimate = estimate_stack(options, BBOX, dates=10, pairs=20)
    assert estimate.folders[folder] == expected
    assert estimate.total > sum(estimate.folders.values())  # the margin
    assert estimate.kept(["merged"]) < estimate.total


@pytest.mark.parametrize(
    ("dates", "connections", "pairs"), [(1, 3, 0), (2, 3, 1), (4, 3, 6), (10, 3, 24), (10, 1, 9)]
)
def test_ionosphere_pairs(dates: int, connections: int, pairs: int) -> None:
    assert ionosphere_pairs(dates, connections) == pairs


def test_ionosphere_folders_only_when_configured_and_kept_by_keep() -> None:
    plain = estimate_stack({"swaths": [1]}, BBOX, dates=10, pairs=20)
    assert not {"ion", "ion_dates", "ion_burst_ramp_dates"} & set(plain.folders)
    ion = estimate_stack({"swaths": [1], "ionosphere": ION}, BBOX, dates=10, pairs=20)
    assert "ion_burst_ramp_dates" not in ion.folders and ion.total > plain.total
    assert ion.kept(["ion"]) - ion.kept([]) == int(ion.folders["ion"] * 1.1)
    bursts = estimate_stack({"swaths": [1], "ionosphere": ION_BURSTS}, BBOX, dates=10, pairs=20)
    # ion_azshift_dates/ is no folder `keep` can name: never pruned, so always counted as kept.
    assert bursts.kept([]) == int(bursts.folders["ion_azshift_dates"] * 1.1)
    offsets = estimate_stack({"swaths": [1], "workflow": "offset"}, BBOX, dates=10, pairs=20)
    dense = offsets.folders["merged/dense_offsets"]
    assert offsets.kept(["merged"]) == int((offsets.folders["merged"] + dense) * 1.1)


def test_slc_workflow_makes_no_pair_folders() -> None:
    assert "interferograms" not in estimate_stack({"workflow": "slc"}, BBOX, dates=3, pairs=2).folders


def test_prune_marks_then_removes_only_topsstack_folders(tmp_path: Path) -> None:
    for name in ("secondarys/20210101", "interferograms/a_b", "merged/x", "configs"):
        (tmp_path / name).mkdir(parents=True)
        (tmp_path / name / "f").write_bytes(b"12345")
    assert prunable(tmp_path, ["merged"]) == ["secondarys", "interferograms"]
    assert tree_bytes(tmp_path) == 20
    remove_folders(tmp_path, "gen1", ["secondarys"])
    remove_folders(tmp_path, "gen1", ["interferograms"])
    assert pruned_folders(tmp_path, "gen1") == {"secondarys", "interferograms"}
    assert pruned_folders(tmp_path, "gen2") == frozenset()  # another generation's prune counts not
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([PRUNE_MARKER, "merged", "configs"])
    with pytest.raises(ValueError, match="not topsStack work folders: configs"):
        remove_folders(tmp_path, "gen1", ["configs"])
    outputs = (tmp_path / "secondarys" / "20210101", tmp_path / "merged" / "x")
    assert outputs_to_check(outputs, tmp_path, pruned_folders(tmp_path, "gen1")) == (outputs[1],)
    assert outputs_to_check(outputs, tmp_path, frozenset()) == outputs


def test_a_damaged_marker_prunes_nothing(tmp_path: Path) -> None:
    (tmp_path / PRUNE_MARKER).write_text('{"generation": "g", "folders": ["configs", "secondarys"]}')
    assert pruned_folders(tmp_path, "g") == {"secondarys"}  # only topsStack work folder names
    (tmp_path / PRUNE_MARKER).write_text("{")
    assert pruned_folders(tmp_path, "g") == frozenset()
