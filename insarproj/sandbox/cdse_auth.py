"""CDSE's token service stand-in (Keycloak's password and refresh_token grants, client cdse-public).

`POST {INSARPROJ_CDSE_IDENTITY_URL}/auth/realms/CDSE/protocol/openid-connect/token`, form-encoded:

* `grant_type=password&client_id=cdse-public&username=…&password=…` (plus `totp=…` when the
  account has two-factor authentication) → `access_token`, `expires_in`, `refresh_token`,
  `refresh_expires_in`, `token_type`, `not-before-policy`, `session_state`, `scope`;
* `grant_type=refresh_token&client_id=cdse-public&refresh_token=…` → a new pair (no new session).

Wrong credentials answer 401 `{"error":"invalid_grant","error_description":"Invalid user
credentials"}`. The sandbox account is the Earthdata stand-in's (`sandbox` / `sandbox-password`);
with `totp_required` the TOTP is `123456`. Tokens are JWTs signed by the sandbox (`typ` `Bearer`);
`token_valid` can make them die sooner than the advertised `expires_in`, to test a client that
refreshes on a 401.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any

from insarproj.sandbox.auth import SANDBOX_PASSWORD, SANDBOX_USER, Auth
from insarproj.sandbox.cdse import CdseService
from insarproj.sandbox.routing import DATA, Request, Response, Router

PREFIX = "/cdse-identity"
TOKEN_PATH = f"{PREFIX}/auth/realms/CDSE/protocol/openid-connect/token"
CLIENT_ID = "cdse-public"
SANDBOX_TOTP = "123456"


def _refused(description: str, status: int = 401, error: str = "invalid_grant") -> Response:
    return Response.json({"error": error, "error_description": description}, status)


def user_of(auth: Auth, req: Request) -> str | None:
    """The user of a CDSE access token in the request's Authorization header, if it is still valid."""
    scheme, _, value = (req.header("authorization") or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    claims = auth.claims(value.strip())
    return claims.get("sub") if claims and claims.get("typ") == "Bearer" else None


def _pair(auth: Auth, service: CdseService, user: str, session: str) -> dict[str, Any]:
    settings = service.settings
    now = time.time()
    valid = settings.token_lifetime if settings.token_valid is None else settings.token_valid
    access = auth.jwt(
        {"typ": "Bearer", "sub": user, "azp": CLIENT_ID, "sid": session, "iat": now, "exp": now + valid}
    )
    refresh = auth.jwt(
        {"typ": "Refresh", "sub": user, "sid": session, "exp": now + settings.refresh_lifetime}
    )
    return {
        "access_token": access,
        "expires_in": settings.token_lifetime,
        "refresh_expires_in": settings.refresh_lifetime,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "not-before-policy": 0,
        "session_state": session,
        "scope": "AUDIENCE_PUBLIC openid email profile ondemand_processing user-context",
    }


def register(router: Router, auth: Auth, service: CdseService) -> None:
    def password_grant(form: dict[str, str]) -> Response:
        user, password = form.get("username", ""), form.get("password", "")
        ok = hmac.compare_digest(user, SANDBOX_USER) and hmac.compare_digest(password, SANDBOX_PASSWORD)
        if not ok:
            return _refused("Invalid user credentials")
        if service.settings.totp_required and form.get("totp") != SANDBOX_TOTP:
            return _refused("Invalid user credentials")
        with service.lock:
            service.counters.password_grants += 1
        return Response.json(_pair(auth, service, user, secrets.token_hex(8)))

    def refresh_grant(form: dict[str, str]) -> Response:
        claims = auth.claims(form.get("refresh_token", ""))
        if not claims or claims.get("typ") != "Refresh":
            return _refused("Token is not active", status=400)
        with service.lock:
            service.counters.refresh_grants += 1
        return Response.json(_pair(auth, service, str(claims["sub"]), str(claims["sid"])))

    def token(req: Request) -> Response:
        form = dict(req.form())
        if form.get("client_id") != CLIENT_ID:
            return _refused("Invalid client or Invalid client credentials", error="unauthorized_client")
        grant = form.get("grant_type")
        if grant == "password":
            return password_grant(form)
        if grant == "refresh_token":
            return refresh_grant(form)
        return _refused(f"Unsupported grant_type {grant!r}", status=400, error="unsupported_grant_type")

    router.add("POST", TOKEN_PATH, token, host=DATA)
