"""Finding Earthdata credentials: token, then username/password, then netrc for the login host."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from transfer_helpers import TOKEN

from insarproj.endpoints import resolve_endpoints
from insarproj.errors import AuthError
from insarproj.transfer import EarthdataCredentials, find_earthdata_credentials

DEFAULT = resolve_endpoints({}, environ={})
SANDBOX = resolve_endpoints({}, environ={"INSARPROJ_URS_URL": "http://localhost:8123"})


def netrc_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "netrc"
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_token_wins(tmp_path: Path) -> None:
    path = netrc_file(tmp_path, "machine urs.earthdata.nasa.gov login a password b\n")
    env = {"EARTHDATA_TOKEN": TOKEN, "EARTHDATA_USERNAME": "u", "EARTHDATA_PASSWORD": "p", "NETRC": str(path)}
    creds = find_earthdata_credentials(DEFAULT, environ=env)
    assert creds is not None and creds.kind == "token" and creds.source == "EARTHDATA_TOKEN"
    assert creds.authorization_header() == f"Bearer {TOKEN}"


def test_username_and_password_before_netrc(tmp_path: Path) -> None:
    path = netrc_file(tmp_path, "machine urs.earthdata.nasa.gov login a password b\n")
    env = {"EARTHDATA_USERNAME": "alice", "EARTHDATA_PASSWORD": "pw-SECRET", "NETRC": str(path)}
    creds = find_earthdata_credentials(DEFAULT, environ=env)
    assert creds is not None and creds.kind == "basic" and creds.username == "alice"
    assert creds.authorization_header() == "Basic " + base64.b64encode(b"alice:pw-SECRET").decode()


def test_half_a_pair_is_an_error_without_the_secret() -> None:
    with pytest.raises(AuthError) as caught:
        find_earthdata_credentials(DEFAULT, environ={"EARTHDATA_PASSWORD": "pw-SECRET"})
    assert "EARTHDATA_USERNAME" in str(caught.value) and "pw-SECRET" not in str(caught.value)


def test_netrc_entry_for_the_login_host(tmp_path: Path) -> None:
    path = netrc_file(
        tmp_path,
        "machine evil.example login x password y\n"
        "machine urs.earthdata.nasa.gov login bob password pw-SECRET\n",
    )
    creds = find_earthdata_credentials(DEFAULT, environ={"NETRC": str(path)})
    assert creds is not None and creds.username == "bob" and str(path) in creds.source


def test_netrc_for_the_sandbox_login_host_is_keyed_on_the_host_name(tmp_path: Path) -> None:
    path = netrc_file(tmp_path, "machine localhost login sandbox password sandbox-pw\n")
    creds = find_earthdata_credentials(SANDBOX, environ={"NETRC": str(path)})
    assert creds is not None and creds.username == "sandbox"
    assert find_earthdata_credentials(DEFAULT, environ={"NETRC": str(path)}) is None


def test_home_netrc_when_netrc_is_unset(tmp_path: Path) -> None:
    netrc_file(tmp_path, "")
    (tmp_path / ".netrc").write_text("machine urs.earthdata.nasa.gov login carol password pw\n")
    creds = find_earthdata_credentials(DEFAULT, environ={"HOME": str(tmp_path)})
    assert creds is not None and creds.username == "carol"


def test_nothing_found_is_none(tmp_path: Path) -> None:
    assert find_earthdata_credentials(DEFAULT, environ={"HOME": str(tmp_path)}) is None


def test_default_environ_is_the_process_environment(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert find_earthdata_credentials(DEFAULT) is None
    monkeypatch.setenv("EARTHDATA_TOKEN", TOKEN)
    creds = find_earthdata_credentials(DEFAULT)
    assert creds is not None and creds.kind == "token"


def test_malformed_netrc_names_file_and_line_but_not_the_password(tmp_path: Path) -> None:
    path = netrc_file(tmp_path, "machine urs.earthdata.nasa.gov login bob password\n pw-SECRET bogus\n")
    with pytest.raises(AuthError) as caught:
        find_earthdata_credentials(DEFAULT, environ={"NETRC": str(path)})
    message = str(caught.value)
    assert str(path) in message and "pw-SECRET" not in message


def test_secrets_are_never_printable() -> None:
    token = EarthdataCredentials.from_token(TOKEN)
    basic = EarthdataCredentials.from_password("alice", "pw-SECRET", source="EARTHDATA_USERNAME")
    for creds in (token, basic):
        for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
            for secret in creds.secrets():
                assert secret not in text
    assert "alice" in repr(basic)
