"""The hand-off's pure parts on small rasters written here: layers checked, one grid (common
overlap, odd UTM zone warped), exactly the products asked for, every mintpy.load.* key."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from insarproj.errors import InsarprojError
from insarproj.kinds.mintpy import stale_reason
from insarproj.mintpy.cfg import load_keys
from insarproj.mintpy.handoff import HandoffRequest, find_layers, make_handoff

GAMMA_LAYERS = ("unw_phase", "corr", "dem", "lv_theta", "lv_phi", "water_mask")
# Every mintpy.load.* key MintPy's smallbaselineApp.cfg knows (sources-and-handoff notes, §3.1).
MINTPY_LOAD_KEYS = {
    "processor", "autoPath", "updateMode", "compression", "metaFile", "baselineDir", "unwFile", "corFile",
    "connCompFile", "intFile", "magFile", "ionUnwFile", "ionCorFile", "ionConnCompFile", "azOffFile",
    "rgOffFile", "azOffStdFile", "rgOffStdFile", "offSnrFile", "demFile", "lookupYFile", "lookupXFile",
    "incAngleFile", "azAngleFile", "shadowMaskFile", "waterMaskFile", "bperpFile",
}  # fmt: skip


def write_product(
    data: Path, name: str, *, west: float, north: float, size: int = 20, epsg: int = 32611,
    layers: tuple[str, ...] = GAMMA_LAYERS,
) -> str:  # fmt: skip
    """A product folder of ``size``×``size`` 80 m pixels whose value is 1000·row + column."""
    folder = data / "products" / "A064" / name
    folder.mkdir(parents=True)
    (folder / f"{name}.txt").write_text("Baseline: 10.0\n")
    values = (np.arange(size)[:, None] * 1000 + np.arange(size)[None, :]).astype("float32")
    for layer in layers:
        with rasterio.open(
            folder / f"{name}_{layer}.tif", "w", driver="GTiff", width=size, height=size, count=1,
            dtype="float32", crs=f"EPSG:{epsg}", transform=Affine(80.0, 0, west, 0, -80.0, north), nodata=0.0,
        ) as dst:  # fmt: skip
            dst.write(values, 1)
    return f"products/A064/{name}"


def name(i: int) -> str:
    return f"S1AA_2021010{i}T000000_2021011{i}T000000_VVP012_INT80_G_ueF_00A{i}"


def request(data: Path, folders: dict[str, str], **overrides) -> HandoffRequest:  # type: ignore[no-untyped-def]
    products = [find_layers(data, address, folder) for address, folder in folders.items()]
    fields = dict(
        stack="A064", job_type="INSAR_GAMMA", products=products, aoi_lonlat=None, reference_point=None,
        options={}, serial=7, fingerprint="f" * 32,
    )  # fmt: skip
    fields.update(overrides)
    return HandoffRequest(**fields)  # type: ignore[arg-type]


def read(path: Path):  # type: ignore[no-untyped-def]
    with rasterio.open(path) as src:
        return src.read(1), src.bounds, src.crs.to_epsg()


def test_products_are_clipped_to_their_common_overlap_pixel_for_pixel(tmp_path: Path) -> None:
    a = write_product(tmp_path, name(1), west=400000, north=3960000)
    b = write_product(tmp_path, name(2), west=400800, north=3959200)  # 10 px east, 10 px south
    facts = make_handoff(tmp_path, request(tmp_path, {"product.A064.a": a, "product.A064.b": b}))
    assert facts["bounds"] == [400800.0, 3958400.0, 401600.0, 3959200.0] and facts["shape"] == [10, 10]
    out = tmp_path / "mintpy" / "A064" / "hyp3"
    first, bounds, epsg = read(out / name(1) / f"{name(1)}_unw_phase_clipped.tif")
    second, _, _ = read(out / name(2) / f"{name(2)}_unw_phase_clipped.tif")
    assert epsg == 32611 and tuple(bounds) == (400800.0, 3958400.0, 401600.0, 3959200.0)
    assert first[0, 0] == 10 * 1000 + 10 and second[0, 0] == 0  # the same ground, each its own pixel
    assert (out / name(1) / f"{name(1)}.txt").is_file()  # prep_hyp3 reads it beside the rasters
    # The geometry comes from one product; the cfg names it and globs every interferogram.
    assert facts["geometry_from"] == "product.A064.a"
    assert not list((out / name(2)).glob("*_dem_clipped.tif"))


def test_a_product_in_another_utm_zone_is_warped_onto_the_majority_zone(tmp_path: Path) -> None:
    a = write_product(tmp_path, name(1), west=400000, north=3960000)
    b = write_product(tmp_path, name(2), west=400800, north=3959200)
    # The same ground as product 1, in zone 12 (its easting there: about 400 km farther west).
    from rasterio.warp import transform

    xs, ys = transform("EPSG:32611", "EPSG:32612", [400000.0], [3960000.0])
    odd = write_product(
        tmp_path, name(3), west=round(xs[0] / 80) * 80, north=round(ys[0] / 80) * 80, epsg=32612
    )
    facts = make_handoff(
        tmp_path, request(tmp_path, {"product.A064.a": a, "product.A064.b": b, "product.A064.c": odd})
    )
    assert facts["crs"] == "EPSG:32611" and facts["reprojected"] == ["product.A064.c"]
    warped, _bounds, epsg = read(tmp_path / "mintpy/A064/hyp3" / name(3) / f"{name(3)}_unw_phase_clipped.tif")
    assert epsg == 32611 and warped.shape == tuple(facts["shape"]) and np.count_nonzero(warped) > 0


def test_only_the_products_asked_for_are_handed_off(tmp_path: Path) -> None:
    a = write_product(tmp_path, name(1), west=400000, north=3960000)
    write_product(tmp_path, name(2), west=400000, north=3960000)  # a stale folder beside it
    make_handoff(tmp_path, request(tmp_path, {"product.A064.a": a}))
    assert [p.name for p in (tmp_path / "mintpy/A064/hyp3").iterdir()] == [name(1)]


def test_a_missing_layer_is_refused_naming_the_product(tmp_path: Path) -> None:
    a = write_product(tmp_path, name(1), west=400000, north=3960000)
    b = write_product(tmp_path, name(2), west=400000, north=3960000, layers=("unw_phase", "dem"))
    with pytest.raises(InsarprojError, match=r"product.A064.b \(corr\)"):
        make_handoff(tmp_path, request(tmp_path, {"product.A064.a": a, "product.A064.b": b}))
    c = write_product(tmp_path, name(3), west=400000, north=3960000, layers=("unw_phase", "corr"))
    with pytest.raises(InsarprojError, match="include_look_vectors = true"):
        make_handoff(tmp_path, request(tmp_path, {"product.A064.c": c}))
    assert not (tmp_path / "mintpy" / "A064").exists()


def test_disjoint_products_are_refused(tmp_path: Path) -> None:
    a = write_product(tmp_path, name(1), west=400000, north=3960000)
    b = write_product(tmp_path, name(2), west=500000, north=3960000)
    with pytest.raises(InsarprojError, match="no common overlap"):
        make_handoff(tmp_path, request(tmp_path, {"product.A064.a": a, "product.A064.b": b}))


def test_clip_aoi_intersects_the_overlap_with_the_aoi(tmp_path: Path) -> None:
    from rasterio.warp import transform_bounds

    a = write_product(tmp_path, name(1), west=400000, north=3960000)
    aoi = transform_bounds("EPSG:32611", "EPSG:4326", 400400, 3958800, 400800, 3959200)
    facts = make_handoff(tmp_path, request(tmp_path, {"product.A064.a": a}, aoi_lonlat=aoi))
    west, south, east, north = facts["bounds"]
    assert 400400 <= west < east <= 400800 and 3958800 <= south < north <= 3959200


def test_the_cfg_has_every_load_key_and_the_state_serial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for burst in (False, True):
        keys = load_keys("P", burst=burst)
        assert {k.removeprefix("mintpy.load.") for k in keys} == MINTPY_LOAD_KEYS
    assert load_keys("P", burst=True)["mintpy.load.connCompFile"].endswith("_conncomp_clipped.tif")
    a = write_product(tmp_path, name(1), west=400000, north=3960000)
    options = {"mintpy.network.coherenceBased": False, "mintpy.network.minCoherence": 0.7}
    make_handoff(
        tmp_path, request(tmp_path, {"product.A064.a": a}, reference_point=[35.7, -118.2], options=options)
    )
    cfg = (tmp_path / "mintpy/A064/insarproj.cfg").read_text()
    assert "state serial 7" in cfg and "mintpy.reference.lalo = 35.7,-118.2" in cfg
    assert "mintpy.network.coherenceBased = no" in cfg and "mintpy.network.minCoherence = 0.7" in cfg
    # Every path is relative to the hand-off folder and names files that exist.
    import glob

    monkeypatch.chdir(tmp_path / "mintpy/A064")
    values = dict(line.split(" = ", 1) for line in cfg.splitlines() if line.startswith("mintpy.load."))
    for key in ("unwFile", "corFile", "demFile", "incAngleFile", "azAngleFile", "waterMaskFile"):
        assert len(glob.glob(values[f"mintpy.load.{key}"])) == 1, key


def test_a_rewrite_moves_the_old_handoff_aside(tmp_path: Path) -> None:
    a = write_product(tmp_path, name(1), west=400000, north=3960000)
    first = make_handoff(tmp_path, request(tmp_path, {"product.A064.a": a}))
    (tmp_path / "mintpy/A064/timeseries.h5").write_bytes(b"MintPy output")
    second = make_handoff(tmp_path, request(tmp_path, {"product.A064.a": a}, serial=8))
    assert first["previous_moved_to"] is None
    assert (tmp_path / second["previous_moved_to"] / "timeseries.h5").read_bytes() == b"MintPy output"
    assert not (tmp_path / "mintpy/A064/timeseries.h5").exists()


def test_stale_reasons_name_new_removed_and_replaced_products() -> None:
    products = {"p.1": {"job_id": "j1", "manifest": "m1"}, "p.2": {"job_id": "j2", "manifest": "m2"}}
    before = {"products": products, "settings": {"clip": "common"}}
    now = {"p.1": {"job_id": "j9", "manifest": "m9"}, "p.3": {"job_id": "j3", "manifest": "m3"}}
    reason = stale_reason(before, now, {"clip": "aoi"})
    assert reason == (
        "stale: new 1 product: p.3; 1 product left the network: p.2; 1 product replaced: p.1; "
        "[mintpy] settings changed"
    )
