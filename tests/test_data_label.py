"""How messages name the data folder (fsutil.data_label): never a literal "data" it is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from insarproj.fsutil import data_label


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("data", "data"),
        ("elsewhere", "elsewhere"),
        ("scratch/run1", "scratch/run1"),
        ("./data/", "data"),
        ("../shared-data", "{root}/../shared-data"),  # outside the project: absolute
        ("/mnt/scratch/d", "/mnt/scratch/d"),
        (".", "{root}"),  # the project folder itself: absolute, never ""
    ],
)
def test_data_label(tmp_path: Path, data: str, expected: str) -> None:
    import os

    root = tmp_path / "proj"
    folder = Path(data) if Path(data).is_absolute() else root / data
    want = expected.format(root=root.as_posix())
    assert data_label(root, folder) == Path(os.path.normpath(want)).as_posix()
