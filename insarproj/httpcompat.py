"""Plain-HTTP endpoints for clients that hard-code `https://`.

asf_search builds `https://{host}/search/granules.umm_json` and `https://{edl_host}/…` whatever the
configured endpoint's scheme is. When an endpoint is plain `http://HOST:PORT` (the sandbox, a local
mirror), mounting this adapter on the session makes `https://HOST:PORT/…` requests go to
`http://HOST:PORT/…` instead; other hosts are untouched.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter


class HttpsToHttpAdapter(HTTPAdapter):
    """Sends requests for `https://NETLOC/…` to `http://NETLOC/…`."""

    def __init__(self, netloc: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.netloc = netloc

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        prefix = f"https://{self.netloc}/"
        if request.url and request.url.lower().startswith(prefix.lower()):
            request.url = f"http://{self.netloc}/{request.url[len(prefix) :]}"
        return super().send(request, *args, **kwargs)


def mount_http_rewrite(session: requests.Session, base_url: str) -> None:
    """Route `https://HOST:PORT/…` to `http://HOST:PORT/…` on `session` when `base_url` is http.

    Does nothing for https base URLs. `base_url` is an endpoint such as `http://127.0.0.1:8123`
    (a path is allowed and ignored: the rewrite is per host and port).
    """
    parts = urlsplit(base_url)
    if parts.scheme.lower() != "http" or not parts.netloc:
        return
    netloc = parts.netloc.lower()
    session.mount(f"https://{netloc}/", HttpsToHttpAdapter(netloc))
