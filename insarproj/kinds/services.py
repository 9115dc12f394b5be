"""Builds the HTTP session and service clients the kinds use, from endpoints and credentials.

Clients are built lazily (no login at construction), once per plan or apply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from insarproj import __version__
from insarproj.endpoints import Endpoints

if TYPE_CHECKING:  # requests and the session module load lazily: the CLI imports this at start-up
    from insarproj.transfer.session import EarthdataSession

USER_AGENT = f"insarproj/{__version__}"


def earthdata_session(endpoints: Endpoints) -> EarthdataSession:
    """A requests session that sends Earthdata credentials only where docs/safety.md allows."""
    from insarproj.httpcompat import mount_http_rewrite
    from insarproj.transfer.credentials import find_earthdata_credentials
    from insarproj.transfer.session import make_session

    session = make_session(endpoints, find_earthdata_credentials(endpoints), user_agent=USER_AGENT)
    # asf_search always builds https:// URLs; a plain-http endpoint (the sandbox, a test
    # deployment behind a proxy) is reached through a scheme-rewriting adapter.
    mount_http_rewrite(session, endpoints.url("cmr"))
    return session


# The Earthdata application ASF's clients (hyp3_sdk, asf_search) log in through; its redirect
# target sets the `asf-urs` cookie for *.asf.alaska.edu, which the HyP3 API accepts.
ASF_CLIENT_ID = "BO_n7nTIlMljdvU6kRRB3g"
ASF_LOGIN_REDIRECT = "https://cumulus.asf.alaska.edu/login"
ASF_COOKIE = "asf-urs"


def hyp3_session(endpoints: Endpoints) -> EarthdataSession:
    """A session HyP3 accepts: the bearer token as it is, or — HyP3 refuses Basic auth — for
    username/password credentials (netrc, EARTHDATA_USERNAME) the `asf-urs` cookie of an
    Earthdata login, done as hyp3_sdk does it. Lazily, only when HyP3 is actually asked."""
    import requests

    from insarproj.errors import AuthError, NetworkError
    from insarproj.transfer.credentials import find_earthdata_credentials
    from insarproj.transfer.session import make_session

    credentials = find_earthdata_credentials(endpoints)
    if credentials is None or credentials.kind == "token":
        return earthdata_session(endpoints)
    login = make_session(endpoints, credentials, user_agent=USER_AGENT)
    # A stand-in login host (the sandbox) hands out its cookie on the HyP3 host's /login.
    redirect = endpoints.url("hyp3") + "/login" if endpoints.is_overridden("urs") else ASF_LOGIN_REDIRECT
    params = {
        "response_type": "code",
        "client_id": ASF_CLIENT_ID,
        "redirect_uri": redirect,
        "app_type": "401",
    }
    try:
        response = login.get(endpoints.url("urs") + "/oauth/authorize", params=params, timeout=60)
    except requests.RequestException as exc:
        raise NetworkError(f"the Earthdata login failed ({type(exc).__name__})", service="urs") from exc
    if ASF_COOKIE not in login.cookies:
        raise AuthError(
            f"the Earthdata login with {credentials.source} did not open an ASF session "
            f"(HTTP {response.status_code})",
            service="urs",
            hint="check the username and password, or use a token: set EARTHDATA_TOKEN",
        )
    session = make_session(endpoints, None, user_agent=USER_AGENT)
    session.cookies.update(login.cookies)
    return session
