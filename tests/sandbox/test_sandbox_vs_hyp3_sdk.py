"""The HyP3 stand-in driven by the REAL hyp3_sdk, ASF's reference client, and by nothing of insarproj's.

hyp3_sdk is the test-only reference here: if it can submit, find, watch, price and download
through the sandbox, and it sees the sandbox's refusals as HyP3 errors with HyP3's texts, then
the stand-in is faithful to what the real service's own client expects. insarproj's client is
deliberately not used, so a shared misunderstanding between the two cannot hide.
"""

from __future__ import annotations

import re
from pathlib import Path
from zipfile import ZipFile

import pytest
from hyp3_sdk import HyP3
from hyp3_sdk.exceptions import HyP3Error
from test_sandbox_hyp3_helpers import (
    slc_pairs,
)

from insarproj.sandbox.server import Sandbox


def reference_client(sandbox: Sandbox) -> HyP3:
    """hyp3_sdk as a user sets it up: the API URL and an Earthdata bearer token."""
    return HyP3(api_url=sandbox.url, token=sandbox.env()["EARTHDATA_TOKEN"])


def test_sdk_submits_finds_watches_and_downloads_an_insar_gamma_job(hyp3box: Sandbox, tmp_path: Path) -> None:
    client = reference_client(hyp3box)
    assert client.check_credits() == 10_000
    costs = client.costs()
    assert costs["INSAR_GAMMA"] == {"cost_parameters": ["looks"], "cost_table": {"20x4": 10, "10x2": 15}}
    assert costs["INSAR_ISCE_BURST"] == {"cost": 1}

    reference, secondary = slc_pairs(1)[0]
    batch = client.submit_insar_job(reference, secondary, name="sdk-ref", include_dem=True)
    [submitted] = batch
    assert submitted.job_type == "INSAR_GAMMA" and submitted.name == "sdk-ref"
    assert submitted.status_code == "PENDING" and submitted.credit_cost == 10
    assert submitted.job_parameters["granules"] == [reference, secondary]
    assert submitted.job_parameters["looks"] == "20x4"  # HyP3's default, merged in by the server
    assert client.check_credits() == 10_000 - 10

    found = client.find_jobs(name="sdk-ref")
    assert [job.job_id for job in found] == [submitted.job_id]
    assert len(client.find_jobs(name="someone-else")) == 0

    done = client.watch(batch, interval=0.05, timeout=10)  # the sandbox clock runs at SPEED
    assert done.succeeded() and done.complete()
    [job] = done
    assert job.status_code == "SUCCEEDED" and job.expiration_time is not None
    [product] = job.download_files(tmp_path)
    assert product.name == job.files[0]["filename"] and product.stat().st_size == job.files[0]["size"]
    with ZipFile(product) as archive:
        names = archive.namelist()
    stem = product.stem
    assert f"{stem}/{stem}_unw_phase.tif" in names and f"{stem}/{stem}_dem.tif" in names
    assert client.get_job_by_id(job.job_id).files == job.files


def test_sdk_prepared_jobs_are_priced_from_hyp3s_cost_table(hyp3box: Sandbox) -> None:
    client = reference_client(hyp3box)
    (ref, sec), (ref2, sec2) = slc_pairs(2)
    batch = client.submit_prepared_jobs(
        [
            client.prepare_insar_job(ref, sec, name="sdk-ref"),
            client.prepare_insar_job(ref2, sec2, name="sdk-ref", looks="10x2"),
        ]
    )
    assert [job.credit_cost for job in batch] == [10, 15]
    assert client.check_credits() == 10_000 - 25
    assert len(client.find_jobs(name="sdk-ref")) == 2


def test_sdk_sees_rejected_submissions_as_hyp3_errors_and_nothing_is_charged(hyp3box: Sandbox) -> None:
    client = reference_client(hyp3box)
    reference, _ = slc_pairs(1)[0]
    missing = "S1A_IW_SLC__1SDV_20200101T000000_20200101T000027_030000_036000_ABCD"
    with pytest.raises(HyP3Error, match=re.escape(f"Some requested scenes could not be found: {missing}")):
        client.submit_insar_job(reference, missing, name="sdk-ref")
    bad_looks = client.prepare_insar_job(*slc_pairs(1)[0], name="sdk-ref")
    bad_looks["job_parameters"]["looks"] = "5x1"
    with pytest.raises(HyP3Error, match="Request body validation error"):
        client.submit_prepared_jobs([bad_looks])
    hyp3box.hyp3_settings(credits=5)
    with pytest.raises(
        HyP3Error, match=re.escape("These jobs would cost 10.0 credits, but you have only 5.0 remaining")
    ):
        client.submit_insar_job(*slc_pairs(1)[0], name="sdk-ref")
    assert len(client.find_jobs(name="sdk-ref")) == 0
    assert client.check_credits() == 5


def test_sdk_with_a_wrong_token_is_refused(hyp3box: Sandbox) -> None:
    client = HyP3(api_url=hyp3box.url, token="not-a-token")
    with pytest.raises(HyP3Error, match="Invalid authorization token provided"):
        client.check_credits()
