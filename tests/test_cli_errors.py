"""Bad state files and bad plan files through the real CLI: one clear sentence, exit code, no
traceback, nothing written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from insarproj.errors import ExitCode


def corrupt_state(root: Path) -> None:
    (root / ".insarproj" / "state.json").write_text('{"format_version": 1, "lineage": "x", ')


def newer_state(root: Path) -> None:
    path = root / ".insarproj" / "state.json"
    raw = json.loads(path.read_text())
    raw["format_version"] = 7
    path.write_text(json.dumps(raw))


def not_a_state(root: Path) -> None:
    (root / ".insarproj" / "state.json").write_text("[1, 2, 3]")


def invalid_field(root: Path) -> None:
    path = root / ".insarproj" / "state.json"
    raw = json.loads(path.read_text())
    raw["serial"] = -4
    path.write_text(json.dumps(raw))


def missing_state(root: Path) -> None:
    (root / ".insarproj" / "state.json").unlink()


def foreign_journal(root: Path) -> None:
    line = {"v": 1, "seq": 1, "serial": 1, "lineage": "other", "at": "t", "ops": []}
    import zlib

    payload = json.dumps(line, sort_keys=True, separators=(",", ":"))
    line["crc"] = zlib.crc32(payload.encode())
    (root / ".insarproj" / "journal.000000000001.jsonl").write_text(json.dumps(line) + "\n")


def torn_middle_journal(root: Path) -> None:
    (root / ".insarproj" / "journal.000000000001.jsonl").write_text("garbage\n" + "{}\n")


def missing_project(root: Path) -> None:
    (root / "project.toml").unlink()


CASES: list[tuple[str, Callable[[Path], None], list[str], list[str]]] = [
    ("corrupt state", corrupt_state, ["state.json", "corrupt", "restore"], ["plan", "show", "apply --yes"]),
    ("newer format", newer_state, ["format_version 7", "upgrade insarproj"], ["plan", "show", "apply --yes"]),
    ("not a state", not_a_state, ["not an insarproj state file"], ["plan", "show"]),
    ("invalid field", invalid_field, ["invalid at serial"], ["plan", "show"]),
    ("missing state", missing_state, ["no state file", "insarproj init"], ["plan", "show", "apply --yes"]),
    ("foreign journal", foreign_journal, ["another project"], ["plan", "apply --yes"]),
    ("torn journal middle", torn_middle_journal, ["journal", "corrupt"], ["plan"]),
    ("missing project.toml", missing_project, ["project.toml", "insarproj init"], ["plan", "validate"]),
]


@pytest.mark.parametrize(("name", "damage", "fragments", "commands"), CASES, ids=[c[0] for c in CASES])
def test_damaged_files_give_one_clear_error(
    fake_project: Path, run_cli, name, damage, fragments, commands
) -> None:  # type: ignore[no-untyped-def]
    damage(fake_project)
    before = {p: p.read_bytes() for p in (fake_project / ".insarproj").glob("*") if p.is_file()}
    for command in commands:
        result = run_cli(["-C", str(fake_project), *command.split()])
        assert result.code == ExitCode.ERROR, (command, result.output)
        assert "Traceback" not in result.output
        error_lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert len(error_lines) == 1, result.output
        for fragment in fragments:
            assert fragment in error_lines[0], (command, error_lines[0])
    after = {p: p.read_bytes() for p in (fake_project / ".insarproj").glob("*") if p.is_file()}
    after.pop(fake_project / ".insarproj" / "lock", None)  # the (empty, git-ignored) OS lock file
    assert after == before, "a failed command must not write"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [("not json", "not a readable insarproj plan"), ('{"plan_id": 3}', "not a valid insarproj plan")],
)
def test_bad_plan_files_are_usage_errors(fake_project: Path, run_cli, content: str, fragment: str) -> None:  # type: ignore[no-untyped-def]
    plan = fake_project / "plan.json"
    plan.write_text(content)
    result = run_cli(["-C", str(fake_project), "apply", str(plan)])
    assert result.code == ExitCode.USAGE and fragment in result.output
    missing = run_cli(["-C", str(fake_project), "apply", str(fake_project / "nope.json")])
    assert missing.code == ExitCode.USAGE and "does not exist" in missing.output


def test_an_error_raised_because_of_ctrl_c_is_an_interrupt(
    fake_project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """numpy's C import catches a Ctrl-C that lands inside it, prints it and raises ImportError:
    the CLI still ends as an interrupt (exit 130), never as an "internal error"."""
    import os
    import signal
    import time

    from insarproj.cli.main import run
    from insarproj.workspace import Workspace

    def plan_hit_by_ctrl_c(*args: object, **kwargs: object) -> None:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt:
            pass  # swallowed, as the extension does
        raise ImportError("numpy._core.multiarray failed to import")

    monkeypatch.setattr(Workspace, "plan", plan_hit_by_ctrl_c)
    assert run(["-C", str(fake_project), "plan", "--offline"]) == ExitCode.INTERRUPTED
    err = capsys.readouterr().err
    assert "Interrupted" in err and "internal error" not in err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored


def test_an_error_without_ctrl_c_is_still_reported_as_internal(
    fake_project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from insarproj.cli.main import run
    from insarproj.workspace import Workspace

    def broken(*args: object, **kwargs: object) -> None:
        raise ImportError("numpy._core.multiarray failed to import")

    monkeypatch.setattr(Workspace, "plan", broken)
    assert run(["-C", str(fake_project), "plan", "--offline"]) == ExitCode.ERROR
    assert "internal error ImportError" in capsys.readouterr().err
