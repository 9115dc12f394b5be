"""[mintpy] in project.toml: each mistake is one ConfigError naming file, line, key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from insarproj.config import load_project
from insarproj.errors import ConfigError

BASE = """\
[project]
name = "handoff"

[aoi]
bbox = [-117.9, 35.5, -117.3, 35.9]

[search]
start = 2021-01-01
end = 2021-03-01

[processor]
kind = "hyp3"

[processor.hyp3]
job_type = "INSAR_GAMMA"
include_dem = true
include_look_vectors = true

[mintpy]
enabled = true
"""  # [mintpy] is on line 19, enabled on line 20; rows append from line 21


def load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    (tmp_path / "project.toml").write_text(text, encoding="utf-8")
    return load_project(tmp_path)


# (id, text, line, key, words of the fix)
ROWS = [
    ("clip-unknown", BASE + 'clip = "overlap"\n', 21, "mintpy.clip", '"common", "aoi"'),
    (
        "reference-one-number",
        BASE + "reference_point = [35.8]\n",
        21,
        "mintpy.reference_point",
        "[35.8, -118.2]",
    ),
    (
        "reference-lon-lat",
        BASE + "reference_point = [-118.2, 35.8]\n",
        21,
        "mintpy.reference_point",
        "latitude comes first",
    ),
    ("run-not-bool", BASE + 'run = "yes"\n', 21, "mintpy.run", "true or false"),
    (
        "option-not-mintpy",
        BASE + 'options = { "network.coherenceBased" = "no" }\n',
        21,
        'mintpy.options."network.coherenceBased"',
        "smallbaselineApp.cfg names",
    ),
    (
        "option-load-key",
        BASE + 'options = { "mintpy.load.unwFile" = "*.tif" }\n',
        21,
        'mintpy.options."mintpy.load.unwFile"',
        "docs/mintpy.md",
    ),
    ("unknown-key", BASE + 'clipp = "aoi"\n', 21, "mintpy.clipp", "did you mean `clip`?"),
    (
        "gamma-without-dem",
        BASE.replace("include_dem = true\n", ""),
        19,
        "mintpy.enabled",
        "set include_dem = true in [processor.hyp3]",
    ),
    (
        "gamma-without-look-vectors",
        BASE.replace("include_look_vectors = true\n", ""),
        19,
        "mintpy.enabled",
        "each at full cost",
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
def test_mintpy_mistakes(row: tuple, tmp_path: Path) -> None:  # type: ignore[type-arg]
    _id, text, line, key, fix = row
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    rendered = str(caught.value)
    assert f"project.toml:{line}:" in rendered, rendered
    assert f": {key}: " in rendered, rendered
    assert fix in rendered, rendered
    assert "\n" not in rendered.strip() and "Traceback" not in rendered


def test_defaults_and_a_full_table(tmp_path: Path) -> None:
    off = load(tmp_path, BASE.replace("[mintpy]\nenabled = true\n", "")).config.mintpy
    assert (off.enabled, off.clip, off.reference_point, off.run, off.options) == (
        False,
        "common",
        None,
        False,
        {},
    )
    text = BASE + 'clip = "aoi"\nreference_point = [35.7, -117.6]\nrun = true\n'
    text += 'options = { "mintpy.network.coherenceBased" = "no", "mintpy.network.minCoherence" = 0.7 }\n'
    full = load(tmp_path, text).config.mintpy
    assert full.clip == "aoi" and full.reference_point == [35.7, -117.6] and full.run
    assert full.options == {"mintpy.network.coherenceBased": "no", "mintpy.network.minCoherence": 0.7}


def test_burst_products_need_no_include_flags(tmp_path: Path) -> None:
    text = BASE.replace(
        'job_type = "INSAR_GAMMA"\ninclude_dem = true\ninclude_look_vectors = true\n',
        'job_type = "INSAR_ISCE_BURST"\n',
    ).replace("end = 2021-03-01", 'end = 2021-03-01\nproduct = "BURST"')
    assert load(tmp_path, text).config.mintpy.enabled
