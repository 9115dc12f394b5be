"""Service endpoints, and the one decision which URLs may receive credentials
(docs/endpoints.md, docs/safety.md).

Resolved in one place: environment (`INSARPROJ_*_URL`) wins over `[endpoints]` in project.toml,
which wins over the real services' defaults. Credentials go only to the default service hosts,
to loopback, and to hosts set by environment variables; a host named only in a committed
project.toml gets none unless the user passes --trust-endpoints (a malicious pull request must
not be able to harvest a collaborator's Earthdata token). Presigned storage URLs never get any.

Every session that carries credentials asks :meth:`Endpoints.may_send_credentials`, on the first
request and on every redirect (``insarproj.transfer.session.CredentialPolicy``); nothing else
decides where a token, a password or the Earthdata login's header goes.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit, urlunsplit

DEFAULT_URLS: dict[str, str] = {
    "cmr": "https://cmr.earthdata.nasa.gov",
    "urs": "https://urs.earthdata.nasa.gov",
    "hyp3": "https://hyp3-api.asf.alaska.edu",
    "orbits": "https://s1-orbits.s3.amazonaws.com",
    "cdse": "https://catalogue.dataspace.copernicus.eu",
    "cdse_identity": "https://identity.dataspace.copernicus.eu",
    "cdse_download": "https://zipper.dataspace.copernicus.eu",
    "dem": "https://copernicus-dem-30m.s3.amazonaws.com",
    "dem90": "https://copernicus-dem-90m.s3.amazonaws.com",
    "geoid": "https://aria-geoid.s3.us-west-2.amazonaws.com/us_nga_egm2008_1_4326__agisoft.tif",
}

ENV_VARS: dict[str, str] = {name: f"INSARPROJ_{name.upper()}_URL" for name in DEFAULT_URLS}

# Hosts of the real services that legitimately take Earthdata / HyP3 credentials, beyond the
# configured URLs themselves: ASF's data hosts redirect through the Earthdata login.
DEFAULT_CREDENTIAL_DOMAINS: tuple[str, ...] = ("earthdata.nasa.gov", "asf.alaska.edu")

# Query parameters that make a URL a bearer credential in itself (AWS SigV4 and SigV2/CloudFront,
# Google Cloud Storage). Adding an Authorization header there is at best refused, at worst leaked.
PRESIGNED_QUERY_KEYS: frozenset[str] = frozenset({"x-amz-signature", "signature", "x-goog-signature"})
STORAGE_HOST_SUFFIXES: tuple[str, ...] = ("amazonaws.com", "cloudfront.net")


@dataclass(frozen=True)
class Endpoints:
    urls: dict[str, str]
    sources: dict[str, str]  # service -> "default" | "env" | "project"
    trust_project: bool = False
    _trusted_hosts: frozenset[str] = field(default=frozenset(), repr=False)

    def url(self, service: str) -> str:
        return self.urls[service]

    def host(self, service: str) -> str:
        return urlsplit(self.urls[service]).netloc

    def is_overridden(self, service: str) -> bool:
        return self.sources[service] != "default"

    def may_send_credentials(self, url: str) -> bool:
        """True when a request to ``url`` may carry credentials: its host is trusted
        (:meth:`trusts_host`) and it is no presigned storage URL (docs/safety.md)."""
        return self.trusts_host(url) and not is_presigned_url(url)

    def trusts_host(self, url: str) -> bool:
        """True for loopback, the default services' domains, and hosts set by the environment (or
        by project.toml under --trust-endpoints)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if not host:
            return False
        if is_loopback(host):
            return True
        if parts.netloc.lower() in self._trusted_hosts or host in self._trusted_hosts:
            return True
        return any(host == d or host.endswith("." + d) for d in DEFAULT_CREDENTIAL_DOMAINS)

    def untrusted_overrides(self) -> list[str]:
        """Services pointed by project.toml alone at a host that gets no credentials."""
        return [
            name
            for name, source in self.sources.items()
            if source == "project" and not self.trusts_host(self.urls[name])
        ]


def is_presigned_url(url: str) -> bool:
    """True for presigned storage URLs and storage hosts, which must never get credentials."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if any(host == s or host.endswith("." + s) for s in STORAGE_HOST_SUFFIXES):
        return True
    query = parse_qsl(parts.query, keep_blank_values=True)
    return any(key.lower() in PRESIGNED_QUERY_KEYS for key, _ in query)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_endpoints(
    project_endpoints: Mapping[str, str | None] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    trust_project: bool = False,
) -> Endpoints:
    environ = os.environ if environ is None else environ
    project_endpoints = project_endpoints or {}
    urls: dict[str, str] = {}
    sources: dict[str, str] = {}
    trusted: set[str] = set()
    for name, default in DEFAULT_URLS.items():
        env_value = environ.get(ENV_VARS[name], "").strip()
        project_value = (project_endpoints.get(name) or "").strip()
        if env_value:
            urls[name], sources[name] = env_value.rstrip("/"), "env"
            trusted.update(_host_keys(env_value))
        elif project_value:
            urls[name], sources[name] = project_value.rstrip("/"), "project"
            if trust_project:
                trusted.update(_host_keys(project_value))
        else:
            urls[name], sources[name] = default, "default"
            trusted.update(_host_keys(default))
    return Endpoints(
        urls=urls, sources=sources, trust_project=trust_project, _trusted_hosts=frozenset(trusted)
    )


def _host_keys(url: str) -> set[str]:
    parts = urlsplit(url)
    keys = {parts.netloc.lower()}
    if parts.hostname:
        keys.add(parts.hostname.lower())
    return {k for k in keys if k}


def redact_url(url: str) -> str:
    """Drop query string, fragment and userinfo: presigned URLs carry secrets there."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
