"""The HyP3 stand-in's job lifecycle, clock, expiry, faults on submission, and persistence."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from test_sandbox_hyp3_helpers import (
    DONE,
    SPEED,
    api,
    cross_track_pair,
    gamma_job,
    post,
    sdk,
    slc_pairs,
    spec_ok,
    token,
    writer,
)

from insarproj.hyp3 import (
    Hyp3Reader,
    Hyp3RejectedError,
    Hyp3UncertainError,
    JobRecord,
    JobRequest,
    build_job_request,
)
from insarproj.sandbox.server import Sandbox


def gamma_request(pair: tuple[str, str], name: str = "proj", **parameters: object) -> JobRequest:
    return build_job_request(
        "INSAR_GAMMA", reference=[pair[0]], secondary=[pair[1]], parameters=parameters, name=name
    )


def test_lifecycle_follows_the_clock_pending_running_succeeded() -> None:
    with Sandbox(seed=0, hyp3_speed=1.0) as sandbox:
        job = post(sandbox, [gamma_job(slc_pairs(1)[0], "proj")]).json()["jobs"][0]
        url = f"{sandbox.url}/jobs/{job['job_id']}"
        seen = []
        for step in (0.0, 1.3, 3.7):  # pending ≤ 1.2 s, running ≤ 3.6 s at speed 1
            sandbox.hyp3_advance(step)
            record = api(sandbox).get(url).json()
            spec_ok("job", record)
            seen.append(record["status_code"])
        assert seen == ["PENDING", "RUNNING", "SUCCEEDED"]
        assert record["execution_started"] is True
        [product] = record["files"]
        assert product["url"].startswith(f"http://127.1:{sandbox.port}/_hyp3products/{job['job_id']}/")
        assert product["s3"]["key"] == f"{job['job_id']}/{product['filename']}"
        assert [u.rsplit("_", 2)[-2:] for u in record["browse_images"]] == [
            ["color", "phase.png"],
            ["unw", "phase.png"],
        ]
        assert all(u.endswith("_thumb.png") for u in record["thumbnail_images"])
        base = f"http://127.1:{sandbox.port}/_hyp3products/{job['job_id']}"
        assert record["logs"] == [f"{base}/{job['job_id']}.log"]
        assert 2.4 <= record["processing_times"][0] <= 3.6
        # expiry: completion + 14 days, rounded up to midnight UTC
        expires = datetime.fromisoformat(record["expiration_time"])
        finished = sandbox.hyp3.now()
        assert expires.time().isoformat() == "00:00:00"
        assert timedelta(days=14) <= expires - finished <= timedelta(days=15)


def test_sdk_watches_to_success_and_downloads_what_files_announce(hyp3box: Sandbox, tmp_path: Path) -> None:
    from hyp3_sdk.util import extract_zipped_product

    client = sdk(hyp3box)
    pair = slc_pairs(1)[0]
    batch = client.submit_prepared_jobs(
        [client.prepare_insar_job(*pair, name="proj", include_dem=True, include_look_vectors=True)]
    )
    done = client.watch(batch, interval=0.05, timeout=10)
    assert done.succeeded()
    [job] = done
    [path] = job.download_files(tmp_path)
    assert path.stat().st_size == job.files[0]["size"]
    folder = extract_zipped_product(path)
    assert (folder / f"{folder.name}_unw_phase.tif").exists() and (folder / f"{folder.name}_dem.tif").exists()
    head = requests.get(job.files[0]["url"], headers={"Range": "bytes=0-99"}, timeout=10)
    assert head.status_code == 206 and len(head.content) == 100
    assert head.headers["Content-Range"] == f"bytes 0-99/{job.files[0]['size']}"
    single = requests.get(job.files[0]["url"].replace(".zip", "_unw_phase.tif"), timeout=10)
    assert single.status_code == 200
    assert single.content == (folder / f"{folder.name}_unw_phase.tif").read_bytes()
    assert requests.get(job.browse_images[0], timeout=10).headers["Content-Type"] == "image/png"
    assert requests.get(job.thumbnail_images[0], timeout=10).status_code == 200


def test_project_client_sees_success_through_listing(hyp3box: Sandbox) -> None:
    [submitted] = writer(hyp3box).submit([gamma_request(slc_pairs(1)[0])])
    hyp3box.hyp3_advance(DONE)
    [record] = Hyp3Reader(hyp3box.url, token=token(hyp3box)).list_project_jobs("proj")
    assert record.job_id == submitted.job_id and record.succeeded()
    product = record.product_zip()
    assert product is not None
    body = requests.get(product.url, timeout=10)
    assert body.status_code == 200
    assert int(body.headers["Content-Length"]) == product.size == len(body.content)


def test_job_fail_fault_and_processing_failures_charge_and_explain(hyp3box: Sandbox) -> None:
    hyp3box.set_faults("job-fail:1")
    client = sdk(hyp3box)
    pair = slc_pairs(1)[0]
    batch = client.submit_prepared_jobs(
        [
            client.prepare_insar_job(*pair, name="proj"),
            client.prepare_insar_job(*pair, name="proj"),
            client.prepare_insar_job(*cross_track_pair(), name="proj"),  # HyP3 accepts, then fails it
        ]
    )
    assert client.check_credits() == 10000 - 30  # FAILED jobs are charged too
    done = client.watch(batch, interval=0.05, timeout=10)
    assert [j.status_code for j in done] == ["FAILED", "SUCCEEDED", "FAILED"]
    faulted, _, cross = done
    raw = api(hyp3box).get(f"{hyp3box.url}/jobs/{faulted.job_id}").json()
    spec_ok("job", raw)
    assert raw["processing_times"] is None and "files" not in raw
    listing = api(hyp3box).get(f"{hyp3box.url}/jobs").json()
    spec_ok("jobs_response", listing)  # SUCCEEDED and FAILED records side by side
    assert sorted(j["status_code"] for j in listing["jobs"]) == ["FAILED", "FAILED", "SUCCEEDED"]
    assert "job-fail" in requests.get(faulted.logs[0], timeout=10).text
    assert "not on the same track" in requests.get(cross.logs[0], timeout=10).text
    hyp3box.set_faults("none")
    hyp3box.hyp3_settings(fail_rate=1.0)
    [again] = writer(hyp3box).submit([gamma_request(pair)])
    hyp3box.hyp3_advance(DONE)
    assert api(hyp3box).get(f"{hyp3box.url}/jobs/{again.job_id}").json()["status_code"] == "FAILED"


def test_products_expire_with_the_clock(hyp3box: Sandbox) -> None:
    [submitted] = writer(hyp3box).submit([gamma_request(slc_pairs(1)[0])])
    hyp3box.hyp3_advance(DONE)
    reader = Hyp3Reader(hyp3box.url, token=token(hyp3box))
    record = reader.get_job(submitted.job_id)
    url = record.files[0].url
    assert requests.get(url, timeout=10).status_code == 200
    assert not record.expired(hyp3box.hyp3.now())
    hyp3box.hyp3_advance(timedelta(days=15).total_seconds())
    record = reader.get_job(submitted.job_id)
    assert record.expired(hyp3box.hyp3.now())  # expiration_time is in the (sandbox's) past
    gone = requests.get(url, timeout=10)
    assert gone.status_code == 404 and b"NoSuchKey" in gone.content
    assert requests.get(record.logs[0], timeout=10).status_code == 404


def test_expire_fault_expires_products_at_once(hyp3box: Sandbox) -> None:
    hyp3box.set_faults("expire")
    [submitted] = writer(hyp3box).submit([gamma_request(slc_pairs(1)[0])])
    hyp3box.hyp3_advance(DONE)
    record: JobRecord = Hyp3Reader(hyp3box.url, token=token(hyp3box)).get_job(submitted.job_id)
    assert record.succeeded() and record.expired(hyp3box.hyp3.now())
    assert requests.get(record.files[0].url, timeout=10).status_code == 404


def test_post_timeout_creates_and_charges_although_the_client_gets_no_answer(hyp3box: Sandbox) -> None:
    hyp3box.set_faults("post-timeout:2")
    hyp3box.hyp3_settings(post_stall=1.0)
    pair = slc_pairs(1)[0]
    with pytest.raises(Hyp3UncertainError):
        writer(hyp3box, submit_timeout=(5.0, 0.3)).submit([gamma_request(pair)])
    assert len(hyp3box.hyp3.jobs()) == 1 and sdk(hyp3box).check_credits() == 10000 - 10
    [found] = Hyp3Reader(hyp3box.url, token=token(hyp3box)).list_project_jobs("proj")
    assert found.job_parameters["granules"] == list(pair)
    hyp3box.hyp3_settings(post_stall=0.2)
    with pytest.raises(requests.exceptions.ConnectionError):  # hyp3_sdk: no timeout, then a closed socket
        sdk(hyp3box).submit_prepared_jobs([gamma_job(pair, "proj")])
    assert len(hyp3box.hyp3.jobs()) == 2
    deadline = time.monotonic() + 5  # the first stall (1 s) is logged when it closes the connection
    while True:
        unanswered = [r for r in hyp3box.requests() if r.method == "POST" and r.fault == "post-timeout"]
        if len(unanswered) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(unanswered) == 2 and {r.status for r in unanswered} == {0}


def test_post_5xx_creates_and_charges_then_answers_502_and_503(hyp3box: Sandbox) -> None:
    import hyp3_sdk

    hyp3box.set_faults("post-5xx:2")
    pair = slc_pairs(1)[0]
    with pytest.raises(Hyp3UncertainError) as caught:
        writer(hyp3box).submit([gamma_request(pair)])
    assert caught.value.status == 502
    with pytest.raises(hyp3_sdk.exceptions.ServiceUnavailableError):
        sdk(hyp3box).submit_prepared_jobs([gamma_job(pair, "proj")])
    assert len(hyp3box.hyp3.jobs()) == 2 and sdk(hyp3box).check_credits() == 10000 - 20


def test_post_reject_stores_nothing(hyp3box: Sandbox) -> None:
    hyp3box.set_faults("post-reject:1")
    with pytest.raises(Hyp3RejectedError):
        writer(hyp3box).submit([gamma_request(slc_pairs(1)[0])])
    assert hyp3box.hyp3.jobs() == [] and sdk(hyp3box).check_credits() == 10000
    writer(hyp3box).submit([gamma_request(slc_pairs(1)[0])])  # the count is used up
    assert len(hyp3box.hyp3.jobs()) == 1


def test_generic_5xx_and_429_reach_the_api_with_a_glob(hyp3box: Sandbox) -> None:
    [submitted] = writer(hyp3box).submit([gamma_request(slc_pairs(1)[0])])
    hyp3box.set_faults("5xx:1@/jobs*,429:1@/user")
    hyp3box.clear_requests()
    reader = Hyp3Reader(hyp3box.url, token=token(hyp3box), sleep=lambda _: None)
    assert reader.get_job(submitted.job_id).job_id == submitted.job_id  # retried after the 503
    assert [r.status for r in hyp3box.requests()] == [503, 200]
    throttled = api(hyp3box).get(f"{hyp3box.url}/user")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert reader.user().remaining_credits == 10000 - 10


def test_state_dir_keeps_jobs_credits_and_clock_across_a_restart(tmp_path: Path) -> None:
    with Sandbox(seed=0, hyp3_speed=SPEED, state_dir=tmp_path) as first:
        [submitted] = writer(first).submit([gamma_request(slc_pairs(1)[0])])
        first.hyp3_advance(3600)
        clock = first.hyp3.now()
        first_record = api(first).get(f"{first.url}/jobs/{submitted.job_id}").json()
    assert (tmp_path / "hyp3.json").exists()
    with Sandbox(seed=0, hyp3_speed=SPEED, state_dir=tmp_path) as second:
        record = api(second).get(f"{second.url}/jobs/{submitted.job_id}").json()
        assert record["status_code"] == "SUCCEEDED"
        assert record["files"][0]["size"] == first_record["files"][0]["size"]  # the same bytes again
        assert requests.get(record["files"][0]["url"], timeout=10).status_code == 200
        assert sdk(second).check_credits() == 10000 - 10
        assert second.hyp3.now() - clock >= timedelta(0)
        assert second.hyp3.now() - datetime.now(UTC) > timedelta(minutes=59)
    (tmp_path / "hyp3.json").write_text("{broken")
    with pytest.raises(ValueError, match=r"hyp3\.json"):
        Sandbox(seed=0, state_dir=tmp_path)


def test_stopping_the_sandbox_ends_a_stall_in_progress() -> None:
    sandbox = Sandbox(seed=0, hyp3_speed=SPEED, faults="post-timeout").start()
    sandbox.hyp3_settings(post_stall=300.0)
    with pytest.raises(Hyp3UncertainError):
        writer(sandbox, submit_timeout=(5.0, 0.2)).submit([gamma_request(slc_pairs(1)[0])])
    sandbox.stop()  # wakes the stalled handler, which closes its connection unanswered
    assert [(r.path, r.status) for r in sandbox.requests() if r.method == "POST"] == [("/jobs", 0)]
