"""Earthdata Login stand-in (login host) and ASF's login callback (data host).

Credentials the sandbox accepts:

* user `sandbox`, password `sandbox-password` as HTTP Basic on the login host (netrc
  `machine localhost login sandbox password sandbox-password` works: requests applies netrc per host);
* its demo token (`Sandbox.env()["EARTHDATA_TOKEN"]`, a JWT like real EDL tokens) as
  `Authorization: Bearer`, on the login host and directly on the data host (ASF accepts EDL tokens).

Login host routes, as on urs.earthdata.nasa.gov: `GET /oauth/authorize` (credentials → 302 to the
redirect_uri with a one-time code; none or wrong → 401 with an HTML login page),
`POST /oauth/tokens/user` (asf_search's token check), `POST /api/users/find_or_create_token`
(asf_search's user/password login). Data host: `GET /login?code=…&state=…` sets the `asf-urs`
cookie and sends the client back to the path it first asked for.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
import time
from html import escape
from typing import Any
from urllib.parse import urlencode, urlsplit

from insarproj.sandbox.routing import DATA, LOGIN, Origins, Request, Response, Router

SANDBOX_USER = "sandbox"
SANDBOX_PASSWORD = "sandbox-password"
EDL_CLIENT_ID = "BO_n7nTIlMljdvU6kRRB3g"  # ASF's public EDL client id (asf_search, hyp3_sdk)
COOKIE_NAME = "asf-urs"
COOKIE_LIFETIME = 86400
CODE_LIFETIME = 300
TOKEN_EXPIRY = 4102444800  # 2100-01-01: the demo token never expires during a run


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Auth:
    """Tokens, codes and cookies, all HS256 JWTs signed with a key derived from the seed."""

    def __init__(self, seed: int) -> None:
        self._key = hashlib.sha256(f"insarproj-sandbox:{seed}".encode()).digest()
        self._redeemed: set[str] = set()
        self._lock = threading.Lock()
        self.token = self.jwt(
            {
                "type": "User",
                "uid": SANDBOX_USER,
                "exp": TOKEN_EXPIRY,
                "iat": 1704067200,
                "iss": "Earthdata Login (insarproj sandbox)",
            }
        )

    def sign(self, message: str) -> str:
        return hmac.new(self._key, message.encode(), hashlib.sha256).hexdigest()

    def jwt(self, claims: dict[str, Any]) -> str:
        head = _b64(json.dumps({"typ": "JWT", "alg": "HS256"}, separators=(",", ":")).encode())
        body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        mac = hmac.new(self._key, f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{_b64(mac)}"

    def claims(self, token: str) -> dict[str, Any] | None:
        """The claims of a JWT this sandbox signed and that has not expired, else None."""
        try:
            head, body, mac = token.split(".")
            expected = hmac.new(self._key, f"{head}.{body}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(expected, _unb64(mac)):
                return None
            claims = json.loads(_unb64(body))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
        if not isinstance(claims, dict) or claims.get("exp", 0) < time.time():
            return None
        return claims

    def bearer_user(self, req: Request) -> str | None:
        scheme, _, value = (req.header("authorization") or "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        claims = self.claims(value.strip())
        return claims.get("uid") if claims and claims.get("type") == "User" else None

    def basic_credentials(self, req: Request) -> tuple[str, str] | None:
        scheme, _, value = (req.header("authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return user, password

    def basic_user(self, req: Request) -> str | None:
        credentials = self.basic_credentials(req)
        if credentials is None:
            return None
        user, password = credentials
        ok = hmac.compare_digest(user, SANDBOX_USER) and hmac.compare_digest(password, SANDBOX_PASSWORD)
        return user if ok else None

    def cookie_value(self, user: str) -> str:
        # the real asf-urs cookie is a JWT carrying the EDL user id and an expiry
        return self.jwt({"urs-user-id": user, "urs-groups": [], "exp": int(time.time()) + COOKIE_LIFETIME})

    def cookie_user(self, req: Request) -> str | None:
        value = req.cookies().get(COOKIE_NAME)
        claims = self.claims(value) if value else None
        return claims.get("urs-user-id") if claims else None

    def user(self, req: Request) -> str | None:
        """The user a data-host request is authenticated as: Bearer token or asf-urs cookie."""
        return self.bearer_user(req) or self.cookie_user(req)

    def issue_code(self, user: str) -> str:
        return self.jwt(
            {"code-for": user, "exp": int(time.time()) + CODE_LIFETIME, "nonce": secrets.token_hex(8)}
        )

    def redeem_code(self, code: str) -> str | None:
        claims = self.claims(code)
        if not claims or "code-for" not in claims:
            return None
        with self._lock:  # codes are single-use, as at EDL
            if claims["nonce"] in self._redeemed:
                return None
            self._redeemed.add(claims["nonce"])
        return str(claims["code-for"])


LOGIN_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Earthdata Login</title></head>
<body>
<h1>Earthdata Login</h1>
<p class="message">{message}</p>
<form id="login" action="/login" method="post">
  <input type="hidden" name="client_id" value="{client_id}">
  <input type="hidden" name="redirect_uri" value="{redirect_uri}">
  <label for="username">Username</label> <input id="username" name="username" type="text">
  <label for="password">Password</label> <input id="password" name="password" type="password">
  <input type="submit" name="commit" value="Log in">
</form>
<p>insarproj sandbox: user <code>sandbox</code>, or the token printed by <code>insarproj sandbox</code>.</p>
</body>
</html>
"""


def login_page(status: int, message: str, req: Request) -> Response:
    page = LOGIN_PAGE.format(
        message=escape(message),
        client_id=escape(req.arg("client_id", EDL_CLIENT_ID) or ""),
        redirect_uri=escape(req.arg("redirect_uri", "") or ""),
    )
    response = Response.html(page, status)
    if status == 401:
        response.header("WWW-Authenticate", 'Basic realm="Please enter your Earthdata Login credentials"')
    return response


def authorize_url(origins: Origins, state: str) -> str:
    """Where the data host sends a client without credentials (like ASF's TEA does)."""
    query = urlencode(
        {
            "client_id": EDL_CLIENT_ID,
            "redirect_uri": f"{origins.data}/login",
            "response_type": "code",
            "state": state,
        }
    )
    return f"{origins.login}/oauth/authorize?{query}"


def register(router: Router, auth: Auth, origins: Origins) -> None:
    def refused(req: Request) -> Response | None:
        if req.fault("auth"):
            return login_page(401, "Invalid username or password, or the account is locked.", req)
        if req.fault("auth-html"):
            return login_page(200, "Please log in to continue.", req)
        return None

    def oauth_authorize(req: Request) -> Response:
        redirect_uri = req.arg("redirect_uri") or ""
        target = urlsplit(redirect_uri)
        if target.scheme not in ("http", "https") or not origins.is_ours(target.netloc):
            return Response.json(
                {"error": "invalid_request", "error_description": "Invalid redirect_uri"}, 400
            )
        if req.arg("response_type", "code") != "code":
            return Response.json({"error": "unsupported_response_type"}, 400)
        if (answer := refused(req)) is not None:
            return answer
        user = auth.basic_user(req) or auth.bearer_user(req)
        if user is None:
            sent = bool(req.header("authorization"))
            return login_page(401, "Invalid username or password." if sent else "Please log in.", req)
        query = {"code": auth.issue_code(user)}
        if (state := req.arg("state")) is not None:
            query["state"] = state
        joiner = "&" if target.query else "?"
        return Response.redirect(f"{redirect_uri}{joiner}{urlencode(query)}", 302)

    def token_user(req: Request) -> Response:
        if (answer := refused(req)) is not None:
            return answer
        token = dict(req.form()).get("token", "")
        claims = auth.claims(token)
        if not claims or claims.get("type") != "User":
            return Response.json(
                {
                    "error": "invalid_token",
                    "error_description": "The token is either malformed or does not exist",
                },
                401,
            )
        return Response.json({"uid": claims["uid"]})

    def find_or_create_token(req: Request) -> Response:
        if (answer := refused(req)) is not None:
            return answer
        if auth.basic_user(req) is None:
            return Response.json(
                {"error": "invalid_credentials", "error_description": "Invalid user credentials"}, 401
            )
        return Response.json(
            {"access_token": auth.token, "token_type": "Bearer", "expiration_date": "1/1/2100"}
        )

    def login_callback(req: Request) -> Response:
        user = auth.redeem_code(req.arg("code") or "")
        if user is None:
            return Response.html(
                "<html><body><h1>Unauthorized</h1><p>The authorization code is invalid, "
                "expired or already used.</p></body></html>",
                401,
            )
        state = req.arg("state") or ""
        cookie = f"{COOKIE_NAME}={auth.cookie_value(user)}; Path=/; Max-Age={COOKIE_LIFETIME}; HttpOnly"
        # only local paths: a state naming another site would make this an open redirect
        if state.startswith("/") and not state.startswith("//"):
            return Response.redirect(state, 302).header("Set-Cookie", cookie)
        return Response.html("<html><body><p>You are logged in.</p></body></html>").header(
            "Set-Cookie", cookie
        )

    router.add("GET", r"/oauth/authorize", oauth_authorize, host=LOGIN)
    router.add("POST", r"/oauth/tokens/user", token_user, host=LOGIN)
    router.add("POST", r"/api/users/find_or_create_token", find_or_create_token, host=LOGIN)
    router.add("GET", r"/login", login_callback, host=DATA)
