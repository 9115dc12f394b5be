"""[orbits] require_precise: validated with file, line and key; its default follows the processor."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from insarproj.config import parse_project_text
from insarproj.errors import ConfigError
from insarproj.kinds.orbits import require_precise

TEXT = """\
[project]
name = "orbits"

[aoi]
bbox = [-117.9, 35.5, -117.3, 35.9]

[search]
start = 2021-01-01
end = 2021-02-01

[processor]
kind = "{kind}"
{orbits}
"""


def project(tmp_path: Path, kind: str, orbits: str = "") -> SimpleNamespace:
    return SimpleNamespace(
        config=parse_project_text(TEXT.format(kind=kind, orbits=orbits), project_root=tmp_path).config
    )


@pytest.mark.parametrize(("kind", "default"), [("isce", True), ("download", False), ("hyp3", False)])
def test_the_default_follows_the_processor(tmp_path: Path, kind: str, default: bool) -> None:
    assert require_precise(project(tmp_path, kind)) is default
    assert require_precise(project(tmp_path, kind, "\n[orbits]\nrequire_precise = true\n")) is True


def test_a_wrong_value_names_the_file_line_and_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        project(tmp_path, "isce", '\n[orbits]\nrequire_precise = "sometimes"\n')
    message = str(caught.value)
    assert "project.toml:15" in message and "orbits.require_precise" in message
