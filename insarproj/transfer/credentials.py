"""Where Earthdata credentials come from (docs/safety.md): environment first, then netrc.

Credentials are never written anywhere by insarproj; this module only reads them, and the object
that holds them refuses to show its secrets in reprs, logs or tracebacks.
"""

from __future__ import annotations

import base64
import netrc
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from insarproj.endpoints import Endpoints
from insarproj.errors import AuthError

TOKEN_VAR = "EARTHDATA_TOKEN"
USERNAME_VAR = "EARTHDATA_USERNAME"
PASSWORD_VAR = "EARTHDATA_PASSWORD"


@dataclass(frozen=True, eq=False)
class EarthdataCredentials:
    """A bearer token or a username/password pair, plus where it was found.

    ``source`` names the variable or file (never its content) so messages can tell the user which
    credentials were refused.
    """

    kind: Literal["token", "basic"]
    source: str
    username: str | None = None
    _secret: str = field(default="", repr=False)

    @classmethod
    def from_token(cls, token: str, *, source: str = TOKEN_VAR) -> EarthdataCredentials:
        return cls(kind="token", source=source, _secret=token)

    @classmethod
    def from_password(cls, username: str, password: str, *, source: str) -> EarthdataCredentials:
        return cls(kind="basic", source=source, username=username, _secret=password)

    def authorization_header(self) -> str:
        """The value of the ``Authorization`` header these credentials produce."""
        if self.kind == "token":
            return f"Bearer {self._secret}"
        pair = f"{self.username}:{self._secret}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    def secrets(self) -> tuple[str, ...]:
        """Strings that must never appear in output (for redaction and tests)."""
        values = [self._secret]
        if self.kind == "basic":
            values.append(self.authorization_header().split(" ", 1)[1])
        return tuple(v for v in values if v)

    def __repr__(self) -> str:
        who = f", username={self.username!r}" if self.username else ""
        return f"EarthdataCredentials(kind={self.kind!r}, source={self.source!r}{who})"

    __str__ = __repr__


def urs_host(endpoints: Endpoints) -> str:
    """Host name that netrc entries for the Earthdata login are keyed on (no port)."""
    url = endpoints.url("urs")
    return (urlsplit(url).hostname or url).lower()


def netrc_path(environ: Mapping[str, str]) -> Path:
    """``$NETRC`` when set, else ``$HOME/.netrc`` (requests and curl look in the same places)."""
    explicit = environ.get("NETRC", "").strip()
    if explicit:
        return Path(explicit).expanduser()
    home = environ.get("HOME", "").strip()
    return (Path(home) if home else Path.home()) / ".netrc"


def find_earthdata_credentials(
    endpoints: Endpoints, environ: Mapping[str, str] = os.environ
) -> EarthdataCredentials | None:
    """First of ``EARTHDATA_TOKEN``, ``EARTHDATA_USERNAME``/``EARTHDATA_PASSWORD``, or the netrc
    entry for the Earthdata login host; None when there are none.
    """
    token = environ.get(TOKEN_VAR, "").strip()
    if token:
        return EarthdataCredentials.from_token(token)

    username = environ.get(USERNAME_VAR, "").strip()
    password = environ.get(PASSWORD_VAR, "")
    if username and password:
        return EarthdataCredentials.from_password(username, password, source=f"{USERNAME_VAR}/{PASSWORD_VAR}")
    if username or password:
        missing = PASSWORD_VAR if username else USERNAME_VAR
        present = USERNAME_VAR if username else PASSWORD_VAR
        raise AuthError(
            f"{present} is set but {missing} is not",
            service="urs",
            hint=f"set both, or unset {present} and use {TOKEN_VAR} or a netrc entry",
        )

    return _from_netrc(netrc_path(environ), urs_host(endpoints))


def _from_netrc(path: Path, host: str) -> EarthdataCredentials | None:
    if not path.is_file():
        return None
    try:
        # Passing the path explicitly skips netrc's ownership check, as requests and curl do.
        entries = netrc.netrc(os.fspath(path))
    except netrc.NetrcParseError as exc:
        # exc.msg may quote the offending token, which can be a password: report the line only.
        raise AuthError(
            f"{path}:{exc.lineno}: the netrc file cannot be parsed",
            service="urs",
            hint=f"fix the syntax at that line (machine {host} login <user> password <password>)",
        ) from None
    except OSError as exc:
        raise AuthError(
            f"{path}: the netrc file cannot be read ({exc.strerror})",
            service="urs",
            hint="fix its permissions",
        ) from None
    entry = entries.authenticators(host)
    if entry is None:
        return None
    login, _account, password = entry
    if not login or not password:
        raise AuthError(
            f"{path}: the entry for machine {host} lacks a login or a password",
            service="urs",
            hint=f"write it as: machine {host} login <user> password <password>",
        )
    return EarthdataCredentials.from_password(login, password, source=f"netrc {path} (machine {host})")
