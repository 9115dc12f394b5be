"""The HTTP session that carries Earthdata credentials, and only where they belong (docs/safety.md).

requests on its own gets two things wrong for us:

* with ``trust_env`` (needed for proxies and ``REQUESTS_CA_BUNDLE``) it applies ``~/.netrc`` to
  *any* host, on the first request and again after every redirect — so a project.toml pointing an
  endpoint at a stranger's server would hand it the user's Earthdata password;
* it drops ``Authorization`` whenever a redirect changes host, but ASF's download chain goes data
  host -> Earthdata login host -> data host -> presigned storage URL, and the login host needs the
  credentials while the storage URL must not get them (real S3 answers 400 "Only one auth
  mechanism allowed").

So the session keeps ``trust_env`` (proxies and CA bundles work as users expect) but installs a
credential policy as its ``auth``: a non-empty session auth stops requests from consulting netrc
in ``prepare_request``, and ``rebuild_auth`` is overridden so netrc is never consulted on
redirects either. The policy re-decides on every hop from ``Endpoints.may_send_credentials`` (the
one place that decides which URL may receive credentials; it refuses presigned URLs). Cookies (the
login sets ``asf-urs``) live in the session's jar across the chain as usual.
"""

from __future__ import annotations

import requests
from requests.auth import AuthBase
from requests.models import PreparedRequest

from insarproj.endpoints import Endpoints
from insarproj.transfer.credentials import EarthdataCredentials, urs_host


class CredentialPolicy(AuthBase):
    """Adds the Earthdata ``Authorization`` header to allowed URLs and removes it from all others.

    Removing also covers a header some other code put in ``session.headers``: whatever its origin,
    an Authorization header never reaches a host the endpoints do not trust.
    """

    def __init__(self, endpoints: Endpoints, credentials: EarthdataCredentials | None) -> None:
        self.endpoints = endpoints
        self.credentials = credentials

    def allows(self, url: str) -> bool:
        return self.endpoints.may_send_credentials(url)

    def apply(self, request: PreparedRequest) -> PreparedRequest:
        url = request.url or ""
        if not self.allows(url):
            request.headers.pop("Authorization", None)
        elif self.credentials is not None:
            request.headers["Authorization"] = self.credentials.authorization_header()
        return request

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        return self.apply(request)

    def __bool__(self) -> bool:
        # requests consults netrc only when the session's auth is falsy: stay truthy, always.
        return True

    def __repr__(self) -> str:
        return f"CredentialPolicy(credentials={self.credentials!r})"


class EarthdataSession(requests.Session):
    """A ``requests.Session`` whose credentials follow :class:`CredentialPolicy` on every hop."""

    # requests pickles/copies only the names in __attrs__; asf_search copy()s the session for
    # every sub-query, and ours must survive that whole.
    __attrs__ = (*requests.Session.__attrs__, "endpoints", "credentials", "login_host", "policy")

    def __init__(
        self, endpoints: Endpoints, credentials: EarthdataCredentials | None, *, user_agent: str
    ) -> None:
        super().__init__()
        self.endpoints = endpoints
        self.credentials = credentials
        self.login_host = urs_host(endpoints)
        self.policy = CredentialPolicy(endpoints, credentials)
        self.auth = self.policy
        self.trust_env = True  # proxies, NO_PROXY and REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE
        self.headers["User-Agent"] = user_agent

    def rebuild_auth(self, prepared_request: PreparedRequest, response: requests.Response) -> None:
        """Re-decide credentials for the redirect target; never read netrc (requests would)."""
        original_url = response.request.url or ""
        # A header we did not add (a caller's own) survives only a same-host hop, as in requests.
        if "Authorization" in prepared_request.headers and self.should_strip_auth(  # type: ignore[no-untyped-call]  # untyped in types-requests
            original_url, prepared_request.url or ""
        ):
            del prepared_request.headers["Authorization"]
        self.policy.apply(prepared_request)

    def __repr__(self) -> str:
        return f"EarthdataSession(login_host={self.login_host!r}, credentials={self.credentials!r})"


def make_session(
    endpoints: Endpoints, credentials: EarthdataCredentials | None, *, user_agent: str
) -> EarthdataSession:
    return EarthdataSession(endpoints, credentials, user_agent=user_agent)
