"""`insarproj show --plots DIR` on a converged demo project, through the real CLI: each picture is
written and shows what it should (checked from the PNG's pixels), the GeoJSON is valid, nothing
in the project changes, and missing optional libraries give a clear note or message."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from insarproj.plots.canvas import STATUS_COLOURS
from insarproj.state import StateStore, op_delete, op_put


def pixels_of(png: Path, colour: str, tolerance: float = 0.03) -> int:
    """How many pixels of ``png`` have ``colour`` (#rrggbb)."""
    from matplotlib import image

    rgb = image.imread(png)[..., :3]
    target = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return int((np.abs(rgb - target).max(axis=-1) < tolerance).sum())


def image_rgb(png: Path) -> np.ndarray:
    from matplotlib import image

    return np.asarray(image.imread(png)[..., :3])


def distinct_colours(png: Path) -> int:
    from matplotlib import image

    rgb = (image.imread(png)[..., :3] * 255).astype(int)
    return len(np.unique(rgb.reshape(-1, 3), axis=0))


def plots(run_cli, root: Path, out: Path):  # type: ignore[no-untyped-def]
    result = run_cli(["-C", str(root), "show", "--plots", str(out)])
    assert result.code == 0, result.output
    return result


def set_statuses(root: Path) -> dict[str, str]:
    """Give five pairs of A064 each status a plot distinguishes; the rest stay on disk."""
    store = StateStore(root / ".insarproj")
    state = store.load()
    keys = sorted(a.split(".", 1)[1] for a in state.by_kind("pair") if a.startswith("pair.A064."))
    wanted = dict(zip(keys, ["to download", "failed", "running", "planned"], strict=False))
    assert len(keys) > len(wanted)  # some stay on disk
    writer = store.open_writer()
    for key, status in wanted.items():
        job = state.get("hyp3_job." + key)
        assert job is not None
        ops = [op_delete("product." + key)]
        if status == "planned":
            ops.append(op_delete("hyp3_job." + key))
        elif status != "to download":
            recorded = {"failed": "failed", "running": "submitted"}[status]
            ops.append(op_put("hyp3_job." + key, "hyp3_job", recorded, job["attributes"]))
        writer.record(ops)
    writer.close()
    return wanted


def write_velocity(root: Path, stack: str) -> None:
    """A velocity.h5 as MintPy writes it for HyP3 products: a -20 mm/yr bowl at the AOI's centre
    on an 80 m UTM grid, with the attributes a reader needs (grid, EPSG, reference pixel)."""
    import h5py
    from rasterio.warp import transform

    xs, ys = transform("EPSG:4326", "EPSG:32611", [-117.6], [35.7])
    x, y = np.meshgrid(np.arange(64) - 31.5, np.arange(64) - 31.5)
    bowl = -0.020 * np.exp(-(x**2 + y**2) / (2 * 12.0**2)) + 0.004
    bowl[:5, :5] = np.nan  # masked by MintPy
    folder = root / "data" / "mintpy" / stack
    folder.mkdir(parents=True)
    with h5py.File(folder / "velocity.h5", "w") as h5:
        h5["velocity"] = bowl.astype("float32")
        attrs = {
            "FILE_TYPE": "velocity", "UNIT": "m/year", "LENGTH": "64", "WIDTH": "64", "EPSG": "32611",
            "X_FIRST": str(xs[0] - 32 * 80), "Y_FIRST": str(ys[0] + 32 * 80), "X_STEP": "80.0",
            "Y_STEP": "-80.0", "X_UNIT": "meters", "Y_UNIT": "meters", "REF_X": "60", "REF_Y": "60",
        }  # fmt: skip
        h5.attrs.update(attrs)


def test_network_by_status_and_the_velocity_map(project: Path, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    set_statuses(project)
    write_velocity(project, "A064")
    out = tmp_path / "plots"
    result = plots(run_cli, project, out)
    assert "velocity.png" in result.output and "skipped" not in result.output
    network = out / "network.png"
    for status in ("planned", "running", "failed", "to download", "on disk"):  # HyP3's statuses
        # More than a legend swatch (about 60 px): the pair's line is drawn too.
        assert pixels_of(network, STATUS_COLOURS[status]) > 150, status
    velocity = out / "velocity.png"
    # RdBu: the bowl (negative, away from the sensor) red, the rest (positive) blue, masked grey.
    rgb = image_rgb(velocity)
    red = (rgb[..., 0] > rgb[..., 2] + 0.4).sum()
    blue = (rgb[..., 2] > rgb[..., 0] + 0.1).sum()
    assert red > 2000 and blue > 2000, (red, blue)
    assert pixels_of(velocity, "#d9d9d9", 0.01) > 100  # the masked corner


def test_a_product_folder_gone_from_disk_is_not_drawn_as_on_disk(project: Path, tmp_path: Path) -> None:
    from insarproj.plots.facts import pair_status

    state = StateStore(project / ".insarproj").load()
    key = sorted(a.split(".", 1)[1] for a in state.by_kind("product"))[0]
    data = project / "data"
    assert pair_status(key, state, data) == "on disk"
    folder = data / state.get("product." + key)["attributes"]["path"]  # type: ignore[index]
    folder.rename(folder.with_name("moved-away"))
    assert pair_status(key, state, data) == "to download"


def test_plots_of_a_converged_project_change_nothing(project: Path, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    def snapshot() -> dict[str, bytes]:
        return {
            str(p.relative_to(project)): p.read_bytes() for p in sorted(project.rglob("*")) if p.is_file()
        }

    before = snapshot()
    out = tmp_path / "plots"
    result = plots(run_cli, project, out)
    assert snapshot() == before
    assert "velocity.png skipped: no data/mintpy/<stack>/velocity.h5" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "coverage.png", "footprints.geojson", "footprints.png", "network.png",
    ]  # fmt: skip
    footprints = out / "footprints.png"
    # Ascending and descending footprints have their colours; the AOI outline is black.
    assert pixels_of(footprints, "#000000", 0.05) > 1500
    assert distinct_colours(footprints) > 50
    coverage = out / "coverage.png"
    assert pixels_of(coverage, "#D55E00") > 30  # A166's dropped dates
    assert pixels_of(coverage, "#1f77b4") > 2000 and pixels_of(coverage, "#ff7f0e") > 500  # monthly bars
    check_geojson(json.loads((out / "footprints.geojson").read_text()))


def check_geojson(collection: dict) -> None:  # type: ignore[type-arg]
    from shapely.geometry import shape

    assert collection["type"] == "FeatureCollection"
    roles = [f["properties"]["role"] for f in collection["features"]]
    assert roles.count("aoi") == 1 and roles.count("stack") == 3 and roles.count("scene") > 10
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        geometry = shape(feature["geometry"])
        assert (
            geometry.is_valid and not geometry.is_empty and geometry.geom_type in ("Polygon", "MultiPolygon")
        )
        west, south, east, north = geometry.bounds
        assert -180 <= west < east <= 180 and -90 <= south < north <= 90
    stacks = {
        f["properties"]["stack"]: f["properties"]
        for f in collection["features"]
        if f["properties"]["role"] == "stack"
    }
    assert stacks["A064"]["dates"] == 4 and stacks["A064"]["pairs_on_disk"] == stacks["A064"]["pairs"] > 0


def test_velocity_without_h5py_is_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from insarproj.plots import write

    (tmp_path / "mintpy" / "A064").mkdir(parents=True)
    (tmp_path / "mintpy" / "A064" / "velocity.h5").write_bytes(b"")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "h5py" else real(name))
    report = write.PlotReport()
    write._velocity(tmp_path, "POLYGON((0 0,1 0,1 1,0 0))", tmp_path / "out", report)
    assert report.written == [] and "needs h5py" in report.notes[0] and "1 found" in report.notes[0]


def test_no_pin_yet_is_a_clear_usage_error(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    from helpers import write_project

    root = write_project(tmp_path / "p")
    result = run_cli(["-C", str(root), "show", "--plots", str(tmp_path / "out")])
    assert result.code == 64 and "no scene search is pinned yet" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_missing_matplotlib_names_the_extra(
    project: Path, tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    result = run_cli(["-C", str(project), "show", "--plots", str(tmp_path / "out")])
    assert result.code == 1 and "pip install 'insarproj[plot]'" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("kept", "dropped", "expected"),
    [
        (["2021-01-01", "2021-01-13", "2021-01-25"], [], []),  # regular 12-day revisit: no gap
        (["2021-01-01", "2021-01-13", "2021-02-18"], [], [("2021-01-13", "2021-02-18")]),
        (["2021-01-13", "2021-02-06"], ["2021-01-01", "2021-01-25"], [("2021-01-13", "2021-02-06")]),
        (["2021-01-01", "2021-01-07", "2021-01-19"], [], []),  # one satellite's 12 days is never a gap
        (["2021-01-01", "2021-01-07", "2021-01-13", "2021-02-12"], [], [("2021-01-13", "2021-02-12")]),
        (["2021-01-01"], [], []),
    ],
)
def test_gaps_are_intervals_well_past_the_usual_revisit(kept: list, dropped: list, expected: list) -> None:  # type: ignore[type-arg]
    from datetime import date

    from insarproj.plots.coverage import gaps

    def days(items: list[str]) -> list[date]:
        return [date.fromisoformat(d) for d in items]

    assert gaps(days(kept), days(dropped)) == [tuple(days(list(pair))) for pair in expected]


def test_a_recorded_path_leaving_the_data_folder_is_refused(tmp_path: Path) -> None:
    from insarproj.errors import InsarprojError
    from insarproj.plots.facts import pair_status

    class State:
        def get(self, address: str) -> dict | None:  # type: ignore[type-arg]
            if address.startswith("product."):
                return {"status": "present", "attributes": {"path": "../outside"}}
            return None

    (tmp_path / "outside").mkdir()
    with pytest.raises(InsarprojError, match=r"state record product\.A064\.20210106_20210118"):
        pair_status("A064.20210106_20210118", State(), tmp_path / "data")
