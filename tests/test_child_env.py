"""The programs insarproj starts never get a credential from its environment (docs/safety.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from insarproj.cdse import auth as cdse_auth
from insarproj.isce.local_runner import CommandSpec, LocalRunner
from insarproj.isce.records import CommandRecord
from insarproj.procutil import SECRET_ENV_VARS, env_without_secrets
from insarproj.transfer import credentials


def test_the_secret_list_names_every_secret_the_clients_read() -> None:
    read = {credentials.TOKEN_VAR, credentials.PASSWORD_VAR, cdse_auth.PASSWORD_VAR, cdse_auth.TOTP_VAR}
    assert read == SECRET_ENV_VARS


def test_env_without_secrets_keeps_everything_else() -> None:
    env = {"PATH": "/bin", "EARTHDATA_TOKEN": "t", "CDSE_PASSWORD": "p", "CDSE_USERNAME": "u"}
    assert env_without_secrets(env) == {"PATH": "/bin", "CDSE_USERNAME": "u"}


def test_a_topsstack_or_mintpy_command_sees_no_credential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in SECRET_ENV_VARS:
        monkeypatch.setenv(name, f"secret-{name}")
    records: list[CommandRecord] = []
    runner = LocalRunner(log_dir=tmp_path / "logs", on_record=records.append)
    out = tmp_path / "env.txt"
    runner.run_step("s", [CommandSpec("env", f"env > {out}", (out,))])
    assert records[-1].status == "done"
    assert "secret-" not in out.read_text()
