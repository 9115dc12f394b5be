"""[orbits] source: its default follows [search] source; a wrong value names file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from insarproj.config import parse_project_text
from insarproj.errors import ConfigError

TEXT = """\
[project]
name = "orbits"

[aoi]
bbox = [-117.9, 35.5, -117.3, 35.9]

[search]
start = 2021-01-01
end = 2021-02-01
source = "{search}"

[processor]
kind = "download"
{orbits}
"""


def _source(tmp_path: Path, search: str, orbits: str = "") -> str:
    text = TEXT.format(search=search, orbits=orbits)
    return str(parse_project_text(text, project_root=tmp_path).config.orbits_source)


@pytest.mark.parametrize(
    ("search", "orbits", "expected"),
    [
        ("asf", "", "asf"),
        ("cdse", "", "cdse"),  # one service for a project that searches CDSE
        ("cdse", '\n[orbits]\nsource = "asf"\n', "asf"),
        ("asf", '\n[orbits]\nsource = "cdse"\n', "cdse"),
    ],
)
def test_the_orbit_source(tmp_path: Path, search: str, orbits: str, expected: str) -> None:
    assert _source(tmp_path, search, orbits) == expected


def test_a_wrong_source_names_the_file_line_and_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        _source(tmp_path, "asf", '\n[orbits]\nsource = "esa"\n')
    message = str(caught.value)
    assert "project.toml:16" in message and "orbits.source" in message
