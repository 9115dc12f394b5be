"""The isce hand-off's paths: MintPy's own topsStack defaults (read from the installed MintPy),
every required file checked with a message naming it, optional ones None when absent, and
merged/interferograms/ holding exactly the stack's pairs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from insarproj.errors import InsarprojError
from insarproj.mintpy.isce_handoff import REQUIRED, TOPS_PATHS, isce_load_keys

# Read at import: the suite's autouse fixture clears INSARPROJ_* variables for each test.
MINTPY_COMMAND = os.environ.get("INSARPROJ_MINTPY_COMMAND") or shutil.which("smallbaselineApp.py")
REQUIRE_MINTPY = os.environ.get("INSARPROJ_REQUIRE_MINTPY") == "1"
PAIRS = ["20210106_20210118", "20210106_20210130"]


def test_the_paths_are_mintpys_own_topsstack_defaults() -> None:
    if MINTPY_COMMAND is None:
        reason = "the real MintPy is not installed: set INSARPROJ_MINTPY_COMMAND (README, Running MintPy)"
        if REQUIRE_MINTPY:
            pytest.fail(reason)
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    python = Path(MINTPY_COMMAND).resolve().parent / "python"
    probe = (
        "import json; from mintpy.defaults.auto_path import AUTO_PATH_ISCE_TOPS as t, read_str2dict as r; "
        "print(json.dumps(r(t)))"
    )
    out = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    defaults = json.loads(out.stdout)  # parsed by MintPy's own template reader
    assert defaults.pop("mintpy.load.processor") == "isce"
    named = {k.removeprefix("mintpy.load."): v for k, v in defaults.items() if v is not None}
    # MintPy writes them relative to a mintpy/ folder inside the topsStack work folder.
    assert named == {k: "../" + v for k, v in TOPS_PATHS.items()}


def topsstack(work: Path, pairs: list[str], skip: tuple[str, ...] = ()) -> None:
    (work / "baselines" / pairs[0]).mkdir(parents=True)
    for key, path in TOPS_PATHS.items():
        if key in skip or key == "baselineDir" or key.startswith("ion"):  # no ionosphere stack here
            continue
        for pair in pairs if "/*/" in path else [""]:
            target = work / path.replace("/*/", f"/{pair}/").replace("filt*", "filt_fine").replace(
                "IW*", "IW1"
            )
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"x")


def test_every_load_key_names_the_stacks_files_relative_to_the_handoff(tmp_path: Path) -> None:
    work, handoff = tmp_path / "isce" / "A064" / "work", tmp_path / "mintpy" / "A064"
    topsstack(work, PAIRS, skip=("waterMaskFile",))
    keys = isce_load_keys(work, handoff, PAIRS)
    assert keys["mintpy.load.unwFile"] == "../../isce/A064/work/merged/interferograms/*/filt*.unw"
    assert keys["mintpy.load.waterMaskFile"] == "None"  # topsStack makes none; MintPy's default names one
    assert keys["mintpy.load.ionUnwFile"] == "None" and keys["mintpy.load.bperpFile"] == "None"
    assert keys["mintpy.load.updateMode"] == "no" and keys["mintpy.load.processor"] == "isce"


@pytest.mark.parametrize("key", REQUIRED)
def test_a_missing_required_file_is_refused_naming_it(tmp_path: Path, key: str) -> None:
    work = tmp_path / "work"
    shared = {"incAngleFile": "azAngleFile", "azAngleFile": "incAngleFile"}  # both los.rdr
    topsstack(work, PAIRS, skip=(key, shared.get(key, key)))
    if key == "baselineDir":
        shutil.rmtree(work / "baselines")
    with pytest.raises(InsarprojError, match=rf"lacks .*\({key}\)"):
        isce_load_keys(work, tmp_path / "handoff", PAIRS)


def test_interferograms_of_other_pairs_are_refused(tmp_path: Path) -> None:
    work = tmp_path / "work"
    topsstack(work, [*PAIRS, "20210118_20210130"])
    with pytest.raises(InsarprojError, match="pairs not in the network: 20210118_20210130"):
        isce_load_keys(work, tmp_path / "handoff", PAIRS)
