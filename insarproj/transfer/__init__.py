"""Getting files onto disk: the Earthdata-authenticated session and the verified, resumable
downloader (docs/safety.md). asf_search and hyp3_sdk download straight into the final path, skip files
by name and never verify, so insarproj does its own transfers; see :mod:`insarproj.transfer.download`.
"""

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
