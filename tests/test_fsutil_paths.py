"""Paths from servers and from state never leave the data folder (docs: safety rules)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from insarproj.errors import UnsafePathError
from insarproj.fsutil import plain_basename, relative_inside, resolve_inside

ZIP = re.compile(r"[A-Za-z0-9_.-]+\.zip")


@pytest.mark.parametrize(
    "name", ["S1AB_20210106T135201_20210118T135201_VVP012_INT80_G_ueF_1A2B.zip", "a.zip"]
)
def test_plain_names_pass(name: str) -> None:
    assert plain_basename(name, what="HyP3 job", pattern=ZIP) == name


@pytest.mark.parametrize(
    "name",
    [
        "../../../../X.zip",
        "/tmp/X.zip",
        "a/b.zip",
        "a\\b.zip",
        "C:\\x.zip",
        "..",
        ".",
        "",
        ".hidden.zip",
        "x.tif",
        "x.zip\n",
        "x\x00.zip",
    ],
)
def test_unsafe_names_refused(name: str) -> None:
    with pytest.raises(UnsafePathError, match="HyP3 job j1"):
        plain_basename(name, what="HyP3 job j1", pattern=ZIP)


@pytest.mark.parametrize(
    "relpath", ["../x", "../../x", "/etc/passwd", "a/../../x", "", ".", "C:\\x", "a\\..\\..\\x"]
)
def test_state_paths_leaving_refused(relpath: str, tmp_path: Path) -> None:
    with pytest.raises(UnsafePathError, match=r"scene\.S1A"):
        relative_inside(relpath, what="state record scene.S1A")
    with pytest.raises(UnsafePathError):
        resolve_inside(tmp_path, relpath, what="state record scene.S1A")


def test_symlink_out_of_the_data_folder_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    outside = tmp_path / "outside"
    data.mkdir()
    outside.mkdir()
    (data / "products").symlink_to(outside)
    with pytest.raises(UnsafePathError, match="outside the data folder"):
        resolve_inside(data, "products/A064/x", what="product.A064.x")
    assert resolve_inside(data, "slc/x.zip", what="scene.x") == (data / "slc/x.zip").resolve()
