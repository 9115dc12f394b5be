"""An orbit file is checked before it is recorded: the real EOF sample passes, altered ones fail."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from orbit_helpers import DATA

from insarproj.errors import VerificationError
from insarproj.orbits.select import parse_key
from insarproj.orbits.verify import verify_eof

NAME = "S1A_OPER_AUX_POEORB_OPOD_20210307T053325_V20180419T225942_20180421T005942.EOF"
SCENE = (datetime(2018, 4, 20, 4, 30, 0), datetime(2018, 4, 20, 4, 30, 27))


@pytest.fixture
def eof(tmp_path: Path) -> Path:
    path = tmp_path / NAME
    shutil.copy(DATA / NAME, path)
    return path


def expected(name: str = NAME):  # type: ignore[no-untyped-def]
    file = parse_key("AUX_POEORB/" + name)
    assert file is not None
    return file


def test_the_real_sample_serves_a_scene_inside_its_vectors(eof: Path) -> None:
    verify_eof(eof, expected(), *SCENE)


def test_a_scene_beyond_the_state_vectors_is_refused(eof: Path) -> None:
    with pytest.raises(VerificationError, match="state vectors"):
        verify_eof(eof, expected(), datetime(2018, 4, 20, 12, 0), datetime(2018, 4, 20, 12, 0, 27))


def test_a_scene_outside_the_validity_is_refused(eof: Path) -> None:
    with pytest.raises(VerificationError, match="validity"):
        verify_eof(eof, expected(), datetime(2018, 4, 21, 4, 30), datetime(2018, 4, 21, 4, 30, 27))


def test_another_satellite_is_refused(eof: Path) -> None:
    eof.write_text(
        eof.read_text().replace("<Mission>Sentinel-1A</Mission>", "<Mission>Sentinel-1C</Mission>")
    )
    with pytest.raises(VerificationError, match="Sentinel-1C, not S1A"):
        verify_eof(eof, expected(), *SCENE)


def test_a_file_under_another_name_is_refused(eof: Path) -> None:
    other = NAME.replace("20210307T053325", "20210308T000000")
    with pytest.raises(VerificationError, match="header names"):
        verify_eof(eof, expected(other), *SCENE)


@pytest.mark.parametrize("damage", ["truncate", "html"])
def test_a_damaged_file_is_refused(eof: Path, damage: str) -> None:
    text = eof.read_text()
    eof.write_text(text[: len(text) // 2] if damage == "truncate" else "<html><body>Login</body></html>")
    with pytest.raises(VerificationError):
        verify_eof(eof, expected(), *SCENE)
