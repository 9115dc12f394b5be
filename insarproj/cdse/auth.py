"""CDSE credentials and the access token (docs/cdse.md, "Credentials").

Credentials come from `CDSE_USERNAME` / `CDSE_PASSWORD` (and `CDSE_TOTP` for accounts with
two-factor authentication), else from the netrc entry `machine dataspace.copernicus.eu`; they are
only read, never written, and go only to the token service (INSARPROJ_CDSE_IDENTITY_URL).
An access token lives minutes (600 s) and every password login opens a session (100 at most per
user), so one login is made per run and the token is refreshed with the refresh token shortly
before it expires, and once more when the download host refuses it anyway.
"""

from __future__ import annotations

import netrc
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from insarproj.endpoints import Endpoints, redact_url
from insarproj.errors import AuthError, NetworkError
from insarproj.transfer.credentials import netrc_path

NETRC_HOST = "dataspace.copernicus.eu"
USERNAME_VAR, PASSWORD_VAR, TOTP_VAR = "CDSE_USERNAME", "CDSE_PASSWORD", "CDSE_TOTP"
CLIENT_ID = "cdse-public"
TOKEN_PATH = "/auth/realms/CDSE/protocol/openid-connect/token"
HOW = (
    f"set {USERNAME_VAR} and {PASSWORD_VAR}, or add 'machine {NETRC_HOST} login USER password PASS' "
    "to ~/.netrc (a free account at dataspace.copernicus.eu)"
)


@dataclass(frozen=True, eq=False)
class CdseCredentials:
    username: str
    source: str  # the variable or file they came from, never their content
    _password: str = field(default="", repr=False)
    _totp: str | None = field(default=None, repr=False)

    def form(self) -> dict[str, str]:
        data = {"grant_type": "password", "client_id": CLIENT_ID, "username": self.username}
        data["password"] = self._password
        if self._totp:
            data["totp"] = self._totp
        return data

    def secrets(self) -> tuple[str, ...]:
        return tuple(v for v in (self._password, self._totp) if v)


def find_cdse_credentials(environ: Mapping[str, str] = os.environ) -> CdseCredentials | None:
    username = environ.get(USERNAME_VAR, "").strip()
    password = environ.get(PASSWORD_VAR, "")
    totp = environ.get(TOTP_VAR, "").strip() or None
    if username and password:
        return CdseCredentials(username, f"{USERNAME_VAR}/{PASSWORD_VAR}", password, totp)
    if username or password:
        present, missing = (USERNAME_VAR, PASSWORD_VAR) if username else (PASSWORD_VAR, USERNAME_VAR)
        raise AuthError(f"{present} is set but {missing} is not", service="cdse", hint=HOW)
    path = netrc_path(environ)
    if not path.is_file():
        return None
    try:
        entry = netrc.netrc(os.fspath(path)).authenticators(NETRC_HOST)
    except netrc.NetrcParseError as exc:  # its message may quote a password: the line only
        raise AuthError(f"{path}:{exc.lineno}: the netrc file cannot be parsed", service="cdse") from None
    except OSError as exc:
        raise AuthError(f"{path}: the netrc file cannot be read ({exc.strerror})", service="cdse") from None
    if entry is None or not entry[0] or not entry[2]:
        return None
    return CdseCredentials(entry[0], f"netrc {path} (machine {NETRC_HOST})", entry[2], totp)


class TokenManager:
    """One access token per run, refreshed before it expires (thread-safe)."""

    def __init__(
        self,
        token_url: str,
        credentials: CdseCredentials,
        session: requests.Session,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self._credentials = credentials
        self._session = session
        self._clock = clock
        self._lock = threading.Lock()
        self._access: str | None = None
        self._refresh: str | None = None
        self._expires = 0.0  # clock time after which the access token is renewed
        self._refresh_expires = 0.0
        self.logins = 0
        self.refreshes = 0

    def token(self) -> str:
        with self._lock:
            now = self._clock()
            if self._access is None or now >= self._expires:
                if self._refresh is not None and now < self._refresh_expires:
                    self._store(
                        self._grant(
                            {
                                "grant_type": "refresh_token",
                                "client_id": CLIENT_ID,
                                "refresh_token": self._refresh,
                            },
                            refresh=True,
                        ),
                        now,
                    )
                else:
                    self._store(self._grant(self._credentials.form(), refresh=False), now)
            assert self._access is not None
            return self._access

    def expired(self, token: str) -> None:
        """The download host refused ``token``: the next :meth:`token` call refreshes it."""
        with self._lock:
            if token == self._access:
                self._expires = 0.0

    def _store(self, body: dict[str, Any], now: float) -> None:
        lifetime = float(body.get("expires_in") or 600)
        # Renewed a minute early (a fifth of its life for short-lived ones), so no request carries
        # a token that dies on its way.
        self._expires = now + lifetime - min(60.0, lifetime / 5)
        self._refresh_expires = now + float(body.get("refresh_expires_in") or 0) - 30
        self._access = str(body["access_token"])
        self._refresh = str(body["refresh_token"]) if body.get("refresh_token") else None

    def _grant(self, form: dict[str, str], *, refresh: bool) -> dict[str, Any]:
        where = redact_url(self.token_url)
        try:
            response = self._session.post(self.token_url, data=form, timeout=60, allow_redirects=False)
        except requests.RequestException as exc:
            raise NetworkError(
                f"the CDSE token service at {where} could not be reached: {exc}",
                service="cdse",
                hint="check INSARPROJ_CDSE_IDENTITY_URL and run again",
            ) from None
        if response.status_code == 200:
            try:
                body = response.json()
            except ValueError:
                body = None
            if isinstance(body, dict) and body.get("access_token"):
                if refresh:
                    self.refreshes += 1
                else:
                    self.logins += 1
                return body
        if refresh and response.status_code in (400, 401):
            self._refresh = None  # the session ended: log in again
            return self._grant(self._credentials.form(), refresh=False)
        raise self._refused(response.status_code, where)

    def _refused(self, status: int, where: str) -> AuthError | NetworkError:
        if status in (400, 401):
            two_factor = "with the code in CDSE_TOTP " if self._credentials._totp else ""
            return AuthError(
                f"the CDSE login of {self._credentials.username} ({self._credentials.source}) {two_factor}"
                f"was refused by {where} (HTTP {status}): wrong user name or password, or the account "
                "uses two-factor authentication",
                service="cdse",
                hint=f"check the credentials ({HOW}); with two-factor authentication also set {TOTP_VAR} "
                "to the current 6-digit code",
            )
        what = "something that is not a token" if status == 200 else f"HTTP {status}"
        return NetworkError(
            f"the CDSE token service at {where} answered {what}",
            service="cdse",
            hint="check INSARPROJ_CDSE_IDENTITY_URL, or run again later",
        )


def token_url(endpoints: Endpoints) -> str:
    return endpoints.url("cdse_identity").rstrip("/") + TOKEN_PATH
