"""Secrets never leak: not into state, journal, plans, the observation cache, output or job names."""

from __future__ import annotations

import os
from pathlib import Path

from e2e_helpers import write_project

HYP3 = '[processor.hyp3]\njob_type = "INSAR_GAMMA"\n'


def every_file_text(root: Path) -> str:
    chunks = []
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".jsonl", ".toml", ".backup", ".txt", ""):
            chunks.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(chunks)


def test_token_and_password_appear_nowhere(tmp_path: Path, sandbox, run_cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sandbox.hyp3_settings(speed=50.0)
    token = os.environ["EARTHDATA_TOKEN"]
    root = write_project(tmp_path / "p", kind="hyp3", end="2021-01-20", processor_extra=HYP3)
    plan_file = root / "plan.json"
    outputs = [run_cli(["-C", str(root), "plan", "--out", str(plan_file), "--json"]).output]
    outputs.append(run_cli(["-v", "-C", str(root), "apply", str(plan_file)]).output)
    outputs.append(
        run_cli(
            ["-v", "-C", str(root), "apply", "--yes", "--wait", "--poll-interval", "0.2", "--timeout", "30"]
        ).output
    )
    outputs.append(run_cli(["-C", str(root), "show", "--json", "--pairs"]).output)
    # A netrc password too (the download project uses the login chain with it).
    monkeypatch.delenv("EARTHDATA_TOKEN")
    netrc = Path(os.environ["NETRC"])
    netrc.write_text("machine localhost login sandbox password sandbox-password\n")
    netrc.chmod(0o600)
    other = write_project(tmp_path / "d", end="2021-01-10")
    outputs.append(run_cli(["--debug", "-v", "-C", str(other), "apply", "--yes"]).output)
    written = every_file_text(root) + every_file_text(other)
    for secret in (token, "sandbox-password"):
        assert secret not in written
        assert all(secret not in out for out in outputs)
    assert "X-Amz-Signature" not in written  # presigned storage URLs lose their query strings
