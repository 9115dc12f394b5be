"""Template comments tell the truth about this version (issue 17, item 6).

Each template names, in one "NOT YET in this version:" block, the tables this version does not act
on; plan says the same in its notes. When a part becomes managed (or stops being), this test fails
until the template says so.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from insarproj.cli.project_cmds import TEMPLATES

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"
NOTICE = "not managed by this version of insarproj yet: "


def not_yet_block(text: str) -> set[str]:
    """The tables named in the template's NOT YET block (empty without one)."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("# NOT YET in this version:")]
    assert len(starts) <= 1, "one NOT YET block per template"
    if not starts:
        return set()
    block = []
    for line in lines[starts[0] :]:
        if line.strip() == "#":
            break
        block.append(line)
    return set(re.findall(r"\[[a-z.]+\]", " ".join(block)))


def unmanaged_in_plan(output: str) -> set[str]:
    notes = " ".join(line for line in output.splitlines() if NOTICE in line)
    return {f"[{name}]" for name in re.findall(r"\(\[([a-z.]+)\]\)", notes)}


@pytest.mark.parametrize("template", TEMPLATES)
def test_template_says_what_this_version_does_not_do(tmp_path: Path, sandbox, run_cli, template: str) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / template
    assert run_cli(["init", str(root), "--template", template]).code == 0
    toml = root / "project.toml"
    # A short search keeps the test fast; the comments under test are untouched.
    toml.write_text(toml.read_text().replace("end = 2021-12-31", "end = 2021-02-01"))
    result = run_cli(["-C", str(root), "plan"])
    assert result.code == 0, result.output
    assert not_yet_block((TEMPLATE_DIR / f"{template}.toml").read_text()) == unmanaged_in_plan(result.output)
    if template == "download":  # its [pairs] comment: no pairs are made with processor "download"
        assert "pair." not in result.output


def test_the_block_parser_reads_the_tables() -> None:
    text = "# NOT YET in this version: [orbits] and\n# [processor.isce] are not run.\n#\n[dem]\n"
    assert not_yet_block(text) == {"[orbits]", "[processor.isce]"}
