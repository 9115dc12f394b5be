"""Builds the HTTP session and service clients the kinds use, from endpoints and credentials.

Clients are built lazily (no login at construction), once per plan or apply.
"""

from __future__ import annotations

from typing import Any

from insarproj import __version__
from insarproj.endpoints import Endpoints

USER_AGENT = f"insarproj/{__version__}"


def earthdata_session(endpoints: Endpoints) -> Any:
    """A requests session that sends Earthdata credentials only where DESIGN §4 allows."""
    from insarproj.httpcompat import mount_http_rewrite
    from insarproj.transfer.credentials import find_earthdata_credentials
    from insarproj.transfer.session import make_session

    session = make_session(endpoints, find_earthdata_credentials(endpoints), user_agent=USER_AGENT)
    # asf_search always builds https:// URLs; a plain-http endpoint (the sandbox, a test
    # deployment behind a proxy) is reached through a scheme-rewriting adapter.
    mount_http_rewrite(session, endpoints.url("cmr"))
    return session
