"""The real MintPy end to end (issue 21, point 6): the sandbox's HyP3 products → hand-off →
`smallbaselineApp.py --end velocity` run by insarproj → velocity.h5, whose line-of-sight velocity
at the synthetic bowl is the sandbox's −20 mm/yr with MintPy's sign, near zero away from it, and
changes when one product is replaced.

MintPy lives in its own environment (README, "Running MintPy"): INSARPROJ_MINTPY_COMMAND names its
smallbaselineApp.py (else one on PATH). Without it the test is skipped with the reason printed;
with INSARPROJ_REQUIRE_MINTPY=1 (CI, .ci/run) it fails instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from e2e_helpers import apply_wait, state_of, write_project

from insarproj.sandbox.synthetic import BOWL_RATE, SITE

STACK = "A064"
HYP3 = '[processor.hyp3]\njob_type = "INSAR_GAMMA"\ninclude_dem = true\ninclude_look_vectors = true\n'
# A reference point well outside the bowl (σ = 1 km), inside every pair's window: ~2 km north-east.
REFERENCE = (SITE[1] + 0.013, SITE[0] + 0.016)
# Tolerance, m/yr. The synthetic truth is exact; what MintPy cannot remove (troposphere correction
# off: the sandbox has no weather model) is each date's smooth "atmosphere" of up to 0.6 rad
# (2.6 mm of range), so two points differ by a per-date scatter of s ≈ 2 mm RMS. A least-squares
# line through N ≈ 13 dates over T ≈ 0.45 yr turns that into ≈ s·√(12/N)/T ≈ 4.3 mm/yr against the
# reference point. 6 mm/yr is under a third of the rate: the sign and the bowl are unmistakable,
# and the bowl-against-corners contrast is checked on top.
TOLERANCE = 0.006
# No weather model, ramp or DEM error in the synthetic products: those corrections stay off. No
# plots either: MintPy's pic/ figures (over half of each run's time) are not what is checked here.
OPTIONS = (
    '{ "mintpy.troposphericDelay.method" = "no", "mintpy.deramp" = "no", '
    '"mintpy.topographicResidual" = "no", "mintpy.plot" = "no" }'
)
READ_VELOCITY = r"""
import json, sys, h5py
from pyproj import Transformer
with h5py.File(sys.argv[1], "r") as f:
    v = f["velocity"][:]
    a = {k: (v2.decode() if isinstance(v2, bytes) else v2) for k, v2 in f.attrs.items()}
x0, y0, dx, dy = (float(a[k]) for k in ("X_FIRST", "Y_FIRST", "X_STEP", "Y_STEP"))
def at(lon, lat):
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:" + a["EPSG"], always_xy=True).transform(lon, lat)
    return float(v[int((y - y0) / dy), int((x - x0) / dx)])
site = [float(s) for s in sys.argv[2:4]]
corners = [float(v[r, c]) for r in (1, -2) for c in (1, -2)]
print(json.dumps({"bowl": at(*site), "corners": corners, "unit": a.get("UNIT"), "shape": list(v.shape)}))
"""


# Read at import: the suite's autouse fixture clears INSARPROJ_* variables for each test.
MINTPY_COMMAND = os.environ.get("INSARPROJ_MINTPY_COMMAND") or shutil.which("smallbaselineApp.py")
REQUIRE_MINTPY = os.environ.get("INSARPROJ_REQUIRE_MINTPY") == "1"


@pytest.fixture
def mintpy() -> str:
    command = MINTPY_COMMAND
    if command is None:
        reason = (
            "the real MintPy is not installed: set INSARPROJ_MINTPY_COMMAND to its smallbaselineApp.py "
            "(README, Running MintPy)"
        )
        if REQUIRE_MINTPY:
            pytest.fail(reason + " — INSARPROJ_REQUIRE_MINTPY=1 asks for it")
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    return command


def read_velocity(command: str, path: Path) -> dict:
    """velocity.h5 read by MintPy's own Python (h5py lives there, not in insarproj's environment)."""
    python = Path(command).resolve().parent / "python"
    out = subprocess.run(
        [str(python), "-c", READ_VELOCITY, str(path), str(SITE[0]), str(SITE[1])],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_real_mintpy_recovers_the_synthetic_bowl(tmp_path: Path, fast_hyp3, run_cli, mintpy: str) -> None:  # type: ignore[no-untyped-def]
    lat, lon = REFERENCE
    extra = (
        f'\n[mintpy]\nenabled = true\nrun = true\ncommand = "{mintpy}"\nreference_point = [{lat}, {lon}]\n'
        f"options = {OPTIONS}\n"
    )
    root = write_project(tmp_path / "p", kind="hyp3", end="2021-06-15", processor_extra=HYP3 + extra)
    targets = [
        arg
        for kind in ("hyp3_job", "product", "mintpy", "mintpy_run")
        for arg in ("--target", f"{kind}.{STACK}")
    ]
    result = apply_wait(run_cli, root, *targets)
    assert result.code == 0, result.output
    record = state_of(root)["resources"][f"mintpy_run.{STACK}"]["attributes"]
    first = read_velocity(mintpy, root / "data" / record["path"] / "velocity.h5")
    print("velocity", first)
    assert first["unit"] == "m/year"
    assert abs(first["bowl"] - BOWL_RATE) < TOLERANCE, first  # subsidence: negative, MintPy's sign
    assert all(abs(v) < TOLERANCE for v in first["corners"]), first
    assert first["bowl"] - max(first["corners"]) < BOWL_RATE * 0.6, first  # the bowl stands out

    # Replace one product: the network's first pair gives way to a longer one from the same date.
    dates = sorted(
        {
            d
            for a in state_of(root)["resources"]
            if a.startswith(f"product.{STACK}.")
            for d in a.split(".")[2].split("_")
        }
    )
    iso = [f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in dates]
    edit = (
        f'neighbors = 2\nexclude_pairs = [["{iso[0]}", "{iso[1]}"]]\n'
        f'include_pairs = [["{iso[0]}", "{iso[3]}"]]\n'
    )
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace("neighbors = 2\n", edit))
    result = apply_wait(run_cli, root, *targets)
    assert result.code == 0, result.output
    again = state_of(root)["resources"][f"mintpy_run.{STACK}"]["attributes"]
    assert again["handoff_fingerprint"] != record["handoff_fingerprint"]
    assert again["outputs"]["velocity.h5"]["sha256"] != record["outputs"]["velocity.h5"]["sha256"]
    second = read_velocity(mintpy, root / "data" / again["path"] / "velocity.h5")
    print("velocity after the replacement", second)
    assert second["bowl"] != first["bowl"] and abs(second["bowl"] - BOWL_RATE) < TOLERANCE, second
