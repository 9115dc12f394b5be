"""The HyP3 provider: a read side for ``plan`` and a write side for ``apply`` (docs/cli.md, docs/safety.md).

* ``Hyp3Reader`` (GETs only) and ``Hyp3Writer`` (adds ``submit``): ``client``;
* ``JobRecord``, ``JobRequest``, ``UserInfo``, ``CostTable``: ``models``;
* job identity for adoption: ``identity``; building and checking POST bodies: ``payloads``;
* product names, layers and safe unzipping: ``products``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from insarproj.hyp3.errors import (
    Hyp3CredentialsRejectedError,
    Hyp3NotFoundError,
    Hyp3RejectedError,
    Hyp3UncertainError,
    InvalidJobRequestError,
    UnpricedJobError,
)
from insarproj.hyp3.identity import (
    canonical_parameters,
    identity_of_record,
    identity_of_request,
    job_identity,
)
from insarproj.hyp3.models import CostTable, JobRecord, JobRequest, ProductFile, UserInfo
from insarproj.hyp3.payloads import MAX_JOBS_PER_REQUEST, build_job_request, validate_request_body
from insarproj.hyp3.products import (
    MINTPY_LAYERS,
    ProductName,
    expected_layers,
    parse_product_name,
    safe_extract,
)

if TYPE_CHECKING:
    from insarproj.hyp3.client import Hyp3Reader, Hyp3Writer, format_timestamp

# The client (and with it `requests`) is imported when first named: a plan of a converged project
# uses models, identities and manifests, never the network.
_CLIENT_NAMES = ("Hyp3Reader", "Hyp3Writer", "format_timestamp")


def __getattr__(name: str) -> Any:
    if name in _CLIENT_NAMES:
        from insarproj.hyp3 import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "MAX_JOBS_PER_REQUEST",
    "MINTPY_LAYERS",
    "CostTable",
    "Hyp3CredentialsRejectedError",
    "Hyp3NotFoundError",
    "Hyp3Reader",
    "Hyp3RejectedError",
    "Hyp3UncertainError",
    "Hyp3Writer",
    "InvalidJobRequestError",
    "JobRecord",
    "JobRequest",
    "ProductFile",
    "ProductName",
    "UnpricedJobError",
    "UserInfo",
    "build_job_request",
    "canonical_parameters",
    "expected_layers",
    "format_timestamp",
    "identity_of_record",
    "identity_of_request",
    "job_identity",
    "parse_product_name",
    "safe_extract",
    "validate_request_body",
]
