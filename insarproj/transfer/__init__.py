"""Getting files onto disk: the Earthdata-authenticated session and the verified, resumable
downloader (docs/safety.md). asf_search and hyp3_sdk download straight into the final path, skip files
by name and never verify, so insarproj does its own transfers; see :mod:`insarproj.transfer.download`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from insarproj.lazyexports import lazy_exports

if TYPE_CHECKING:
    from insarproj.endpoints import is_presigned_url
    from insarproj.transfer.credentials import EarthdataCredentials, find_earthdata_credentials
    from insarproj.transfer.disk import check_free_space
    from insarproj.transfer.download import (
        DownloadCancelled,
        Downloader,
        DownloadResult,
        DownloadSpec,
        adopt_existing,
    )
    from insarproj.transfer.progress import NullProgress, ProgressSink
    from insarproj.transfer.session import EarthdataSession, make_session
    from insarproj.transfer.verify import verify_file

# The names above are imported on first use: importing one submodule (an apply that records only
# internal records needs the progress sinks) runs this file, and must not import requests, ssl and
# the downloader with it (≈ 45 ms of such an apply).
_EXPORTS = {
    "is_presigned_url": "insarproj.endpoints",
    "EarthdataCredentials": "insarproj.transfer.credentials",
    "find_earthdata_credentials": "insarproj.transfer.credentials",
    "check_free_space": "insarproj.transfer.disk",
    **dict.fromkeys(
        ("DownloadCancelled", "Downloader", "DownloadResult", "DownloadSpec", "adopt_existing"),
        "insarproj.transfer.download",
    ),
    "NullProgress": "insarproj.transfer.progress",
    "ProgressSink": "insarproj.transfer.progress",
    "EarthdataSession": "insarproj.transfer.session",
    "make_session": "insarproj.transfer.session",
    "verify_file": "insarproj.transfer.verify",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)


__all__ = [
    "DownloadCancelled",
    "DownloadResult",
    "DownloadSpec",
    "Downloader",
    "EarthdataCredentials",
    "EarthdataSession",
    "NullProgress",
    "ProgressSink",
    "adopt_existing",
    "check_free_space",
    "find_earthdata_credentials",
    "is_presigned_url",
    "make_session",
    "verify_file",
]
