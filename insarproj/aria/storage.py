"""Long-term storage of GUNW products (docs/aria.md, "Long-term storage").

ASF's page for these products documents the protocol: the download URL answers 202 while an
archived file is being retrieved, and a status URL answers archived / retrieving / available
with an expiration date. Nothing beyond that is assumed: the status URL is the one the 202
names (a Location header or a JSON ``status_url``), else the download URL with ``/download/``
replaced by ``/status/`` (the shape of ASF's door endpoints); an unknown status is shown
verbatim and treated as still waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from insarproj.endpoints import redact_url
from insarproj.errors import AuthError, NetworkError, ProviderError

AVAILABLE = "available"
APPROVAL_HINT = (
    "check your Earthdata credentials (EARTHDATA_TOKEN or ~/.netrc), and approve the applications "
    '"GRFN Door (PROD)" and "ASF Datapool Products" under Applications > Authorized Apps at '
    "urs.earthdata.nasa.gov"
)


@dataclass(frozen=True)
class StorageStatus:
    status: str  # as the service says it, lower-cased
    expiration: str | None = None

    @property
    def available(self) -> bool:
        return self.status == AVAILABLE


@dataclass(frozen=True)
class Probe:
    """What the download URL answered: ready (200/206), or accepted for retrieval (202)."""

    ready: bool
    status_url: str | None = None


def default_status_url(url: str) -> str | None:
    return url.replace("/download/", "/status/", 1) if "/download/" in url else None


def probe_download(session: Any, url: str) -> Probe:
    """One ranged GET of the download URL through the login chain: 200/206 → ready, 202 → the
    service started (or continues) retrieving it from long-term storage."""
    import requests

    try:
        with session.get(url, headers={"Range": "bytes=0-0"}, stream=True, timeout=(10, 60)) as response:
            status = response.status_code
            if status == 202:
                return Probe(ready=False, status_url=_named_status_url(response) or default_status_url(url))
            page = status < 400 and "html" in response.headers.get("Content-Type", "").lower()
    except requests.RequestException as exc:
        raise NetworkError(f"{redact_url(url)} could not be reached: {exc}", hint="re-run later") from exc
    if status in (401, 403) or page:
        # An Earthdata login or application-approval page instead of the file (docs/aria.md, "Preflight").
        raise AuthError(
            f"the Earthdata login for {redact_url(url)} failed (HTTP {status}"
            + (", a login page instead of the file)" if page else ")"),
            service="urs",
            hint=APPROVAL_HINT,
        )
    # Anything else (404, 5xx) is left to the download, which retries and reports per file.
    return Probe(ready=True)


def _named_status_url(response: Any) -> str | None:
    location = response.headers.get("Location")
    if location:
        return str(location)
    try:
        body = response.json()
    except ValueError:
        return None
    value = body.get("status_url") if isinstance(body, dict) else None
    return str(value) if value else None


def read_status(session: Any, status_url: str) -> StorageStatus:
    """The status URL's answer (a read: it starts nothing)."""
    import requests

    where = redact_url(status_url)
    try:
        response = session.get(status_url, timeout=(10, 60))
    except requests.RequestException as exc:
        raise NetworkError(
            f"the storage status at {where} could not be read: {exc}", hint="re-run later"
        ) from exc
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict) or "status" not in body:
        raise ProviderError(
            f"the storage status at {where} answered HTTP {response.status_code} without a status",
            hint="re-run later",
        )
    expiration = body.get("expiration_date") or body.get("expiration")
    return StorageStatus(
        status=str(body["status"]).strip().lower(), expiration=str(expiration) if expiration else None
    )
