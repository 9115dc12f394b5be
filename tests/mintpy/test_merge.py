"""Burst groups of one pair merged into one raster per layer before the MintPy hand-off
(insarproj/mintpy/merge.py), on small rasters written here: the merged rasters cover the union of
the groups, the phase is continuous across them, labels stay distinct, and what cannot be merged
is refused naming the groups."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from insarproj.errors import InsarprojError
from insarproj.mintpy.handoff import HandoffRequest, find_layers, make_handoff
from insarproj.mintpy.merge import handoff_stack, merged_name

LAYERS = ("unw_phase", "corr", "conncomp", "dem", "lv_theta", "lv_phi", "water_mask")
GROUPS = {  # group → (swath token of its name, west edge in m): IW2 lies 40 px east of IW1
    "A064_135528_IW1_3b": ("135528s1n03-000000s2n00-000000s3n00", 400000.0),
    "A064_135527_IW2_4b": ("000000s1n00-135527s2n04-000000s3n00", 403200.0),
}
SIZE, SPACING, NORTH = 64, 80.0, 3960000.0


def truth(west: float) -> np.ndarray:
    """A phase ramp fixed on the ground (rad): what a continuous merge must reproduce."""
    x = west + (np.arange(SIZE) + 0.5) * SPACING
    y = NORTH - (np.arange(SIZE) + 0.5) * SPACING
    return (1e-3 * (x[None, :] - 400000.0) + 5e-4 * (NORTH - y[:, None]) + 0.5).astype("float32")


def write_group_product(
    data: Path, group: str, pair: str, *, offset: float, west: float | None = None
) -> str:
    token, default_west = GROUPS[group]
    west = default_west if west is None else west
    name = f"S1_064_{token}_IW_{pair}_VV_INT80_ABCD"
    folder = data / "products" / group / name
    folder.mkdir(parents=True)
    (folder / f"{name}.txt").write_text(f"Baseline: 10.0\nGroup: {group}\n")
    values = {
        "unw_phase": truth(west) + offset,  # each group unwrapped on its own reference
        "conncomp": np.ones((SIZE, SIZE), "uint8"),
        "dem": np.full((SIZE, SIZE), 712.25, "float32"),
        "water_mask": np.ones((SIZE, SIZE), "uint8"),
    }
    for layer in LAYERS:
        array = values.get(layer, np.full((SIZE, SIZE), 0.5, "float32"))
        nodata = 0.0 if array.dtype.kind == "f" else None
        with rasterio.open(
            folder / f"{name}_{layer}.tif", "w", driver="GTiff", width=SIZE, height=SIZE, count=1,
            dtype=str(array.dtype), crs="EPSG:32611", transform=Affine(SPACING, 0, west, 0, -SPACING, NORTH),
            nodata=nodata,
        ) as dst:  # fmt: skip
            dst.write(array, 1)
    return f"products/{group}/{name}"


def request(data: Path, folders: dict[str, str]) -> HandoffRequest:
    products = [find_layers(data, address, folder) for address, folder in folders.items()]
    return HandoffRequest(
        stack="A064", job_type="INSAR_ISCE_MULTI_BURST", products=products, aoi_lonlat=None,
        reference_point=None, options={}, serial=3, fingerprint="e" * 32,
    )  # fmt: skip


def two_group_pairs(
    data: Path, pairs: tuple[str, ...] = ("20210106_20210118", "20210118_20210130")
) -> dict[str, str]:
    folders = {}
    for pair in pairs:
        for i, group in enumerate(GROUPS):
            folders[f"product.{group}.{pair}"] = write_group_product(data, group, pair, offset=3.7 * i - 1.1)
    return folders


def read(path: Path):  # type: ignore[no-untyped-def]
    with rasterio.open(path) as src:
        return src.read(1), tuple(src.bounds)


def test_groups_of_each_pair_are_merged_onto_their_union_with_continuous_phase(tmp_path: Path) -> None:
    facts = make_handoff(tmp_path, request(tmp_path, two_group_pairs(tmp_path)))
    # Each group is 64 px wide; IW2 starts 40 px east: the union is 104 px wide, every pair alike.
    assert facts["shape"] == [64, 104] and facts["bounds"] == [400000.0, 3954880.0, 408320.0, 3960000.0]
    folders = sorted((tmp_path / "mintpy/A064/hyp3").iterdir())
    assert len(folders) == 2  # one merged product per pair, not one per group
    name = folders[0].name
    assert name.startswith("S1_064_135528s1n03-135527s2n04-000000s3n00_IW_20210106_20210118_VV_INT80_")
    assert facts["merged_burst_groups"][name] == [
        "product.A064_135527_IW2_4b.20210106_20210118", "product.A064_135528_IW1_3b.20210106_20210118",
    ]  # fmt: skip
    phase, bounds = read(folders[0] / f"{name}_unw_phase_clipped.tif")
    assert bounds == (400000.0, 3954880.0, 408320.0, 3960000.0)
    # One reference for the whole pair: the ground ramp plus a single constant, no step at the seam.
    ground = truth(400000.0)[:, :1] + 1e-3 * SPACING * np.arange(104)[None, :]
    step = phase.astype("float64") - ground
    assert np.ptp(step) < 1e-4
    labels, _ = read(folders[0] / f"{name}_conncomp_clipped.tif")
    assert set(np.unique(labels)) == {1, 2}  # each group's component keeps its own label
    dem, _ = read(folders[0] / f"{name}_dem_clipped.tif")
    assert np.allclose(dem, 712.25)  # float layers are not truncated
    assert (folders[0] / f"{name}.txt").read_text().startswith("Baseline: 10.0")
    assert [p.name for p in (tmp_path / "mintpy").iterdir()] == ["A064"]  # the merge folder is gone


def test_a_pair_some_group_lacks_is_refused_naming_the_groups(tmp_path: Path) -> None:
    folders = two_group_pairs(tmp_path, ("20210106_20210118",))
    group = next(iter(GROUPS))
    folders[f"product.{group}.20210118_20210130"] = write_group_product(
        tmp_path, group, "20210118_20210130", offset=0
    )
    with pytest.raises(InsarprojError) as refused:
        make_handoff(tmp_path, request(tmp_path, folders))
    message = str(refused.value)
    assert "A064_135527_IW2_4b, A064_135528_IW1_3b" in message
    assert "20210118_20210130 lacks A064_135527_IW2_4b" in message and "exclude_pairs" in message
    assert not (tmp_path / "mintpy").exists() or not any((tmp_path / "mintpy").iterdir())


def test_groups_that_do_not_overlap_are_refused(tmp_path: Path) -> None:
    first, second = GROUPS
    folders = {
        f"product.{first}.20210106_20210118": write_group_product(
            tmp_path, first, "20210106_20210118", offset=0
        ),
        f"product.{second}.20210106_20210118": write_group_product(
            tmp_path, second, "20210106_20210118", offset=0, west=420000.0
        ),
    }
    with pytest.raises(InsarprojError, match=rf"burst group {first} does not overlap {second}"):
        make_handoff(tmp_path, request(tmp_path, folders))
    assert not any((tmp_path / "mintpy").iterdir())


@pytest.mark.parametrize(
    ("stack", "job_type", "handoff"),
    [
        ("A064_135527_IW2_4b", "INSAR_ISCE_MULTI_BURST", "A064"),
        ("D071_151217_IW3_1b", "INSAR_ISCE_BURST", "D071"),
        ("A064", "INSAR_GAMMA", "A064"),
    ],
)
def test_burst_groups_hand_off_per_track(stack: str, job_type: str, handoff: str) -> None:
    assert handoff_stack(stack, job_type) == handoff


def test_merged_names_combine_swath_tokens_as_hyp3_does() -> None:
    names = [
        "S1_064_000000s1n00-135527s2n04-000000s3n00_IW_20210106_20210118_VV_INT80_EFBF",
        "S1_064_135528s1n03-000000s2n00-000000s3n00_IW_20210106_20210118_VV_INT80_7081",
        "S1_064_000000s1n00-135531s2n02-000000s3n00_IW_20210106_20210118_VV_INT80_0A0A",
    ]
    merged = merged_name(names)
    assert merged.startswith("S1_064_135528s1n03-135527s2n06-000000s3n00_IW_20210106_20210118_VV_INT80_")
    assert merged[-4:] not in ("EFBF", "7081", "0A0A") and merged == merged_name(list(reversed(names)))
    single = merged_name(
        ["S1_136231_IW1_20210106_20210118_VV_INT80_1A2B", "S1_136231_IW2_20210106_20210118_VV_INT80_3C4D"]
    )
    assert single.startswith("S1_136231_IW1_20210106_20210118_VV_INT80_") and single[-4:] != "1A2B"
