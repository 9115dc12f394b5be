"""The HTTP session of CDSE downloads (docs/cdse.md, "Downloads").

The Bearer token goes to one host only, the configured download host (INSARPROJ_CDSE_DOWNLOAD_URL),
and only when that host may receive credentials (``Endpoints.may_send_credentials``). The
catalogue's `$value` URL redirects there; requests would drop the header on that cross-host hop
(and with ``trust_env`` put a netrc password on any host), so this session decides on every hop
itself, in :meth:`CdseSession.send`: strip, then add the token where it belongs. A 401 from the
download host gets one refreshed token and one more try. At most ``max_concurrent`` downloads
run at once (CDSE allows 4 per user): :meth:`CdseSession.slot` is held around each one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase
from requests.models import PreparedRequest

from insarproj.cdse.auth import TokenManager
from insarproj.endpoints import Endpoints

MAX_CONCURRENT = 4


class NoNetrc(AuthBase):
    """A truthy auth that adds nothing: requests reads netrc only when a session's auth is falsy."""

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        return request

    def __bool__(self) -> bool:
        return True


class CdseSession(requests.Session):
    def __init__(
        self,
        endpoints: Endpoints,
        tokens: TokenManager | None,
        *,
        user_agent: str,
        max_concurrent: int = MAX_CONCURRENT,
    ) -> None:
        super().__init__()
        self.endpoints = endpoints
        self.tokens = tokens
        self.credentials = tokens  # what the downloader's messages ask for ("found or not")
        self.download_host = urlsplit(endpoints.url("cdse_download")).netloc.lower()
        self.auth = NoNetrc()
        self.trust_env = True  # proxies and CA bundles, as users expect
        self.headers["User-Agent"] = user_agent
        self._slots = threading.BoundedSemaphore(max_concurrent)

    def gets_token(self, url: str) -> bool:
        return urlsplit(url).netloc.lower() == self.download_host and self.endpoints.may_send_credentials(url)

    def rebuild_method(self, prepared_request: PreparedRequest, response: requests.Response) -> None:
        """Keep the method across the catalogue's 301: a burst extraction is a POST at the new
        location too (requests would turn it into a GET, as browsers do)."""

    def rebuild_auth(self, prepared_request: PreparedRequest, response: requests.Response) -> None:
        prepared_request.headers.pop("Authorization", None)  # send() decides for every hop

    def send(self, request: PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        request.headers.pop("Authorization", None)
        url = request.url or ""
        if self.tokens is None or not self.gets_token(url):
            return super().send(request, **kwargs)
        token = self.tokens.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = super().send(request, **kwargs)
        if response.status_code != 401:
            return response
        # Expired on the server's clock before ours said so: one refreshed token, one more try.
        response.close()
        self.tokens.expired(token)
        request.headers["Authorization"] = f"Bearer {self.tokens.token()}"
        return super().send(request, **kwargs)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Held around one download: CDSE answers 429 past its per-user limit."""
        with self._slots:
            yield

    def __repr__(self) -> str:
        return f"CdseSession(download_host={self.download_host!r})"


def make_cdse_session(endpoints: Endpoints, *, user_agent: str) -> CdseSession:
    """The download session; the login happens on the first download (or in the preflight).

    The token service gets the password only when its host may receive credentials (a host named
    only in a committed project.toml gets nothing without --trust-endpoints)."""
    from insarproj.cdse.auth import find_cdse_credentials, token_url

    credentials = find_cdse_credentials()
    url = token_url(endpoints)
    tokens = None
    if credentials is not None and endpoints.may_send_credentials(url):
        login = requests.Session()
        login.trust_env = True
        login.auth = NoNetrc()
        login.headers["User-Agent"] = user_agent
        tokens = TokenManager(url, credentials, login)
    return CdseSession(endpoints, tokens, user_agent=user_agent)


def catalogue_session(*, user_agent: str) -> requests.Session:
    """The search session: the catalogue is public, so it carries nothing (no netrc either)."""
    session = requests.Session()
    session.auth = NoNetrc()
    session.headers["User-Agent"] = user_agent
    return session
