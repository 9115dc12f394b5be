"""Fault injection: the plan grammar, determinism, and what each kind does to real clients."""

from __future__ import annotations

import time

import pytest
import requests
from sandbox_helpers import bearer_session, cmr, md5, scene_url, storage_url

from insarproj.sandbox.faults import FaultInjector, FaultPlan, FaultSpecError
from insarproj.sandbox.server import Sandbox


def test_plan_grammar_round_trips() -> None:
    spec = "5xx:0.2,429:0.1,slow:0.05,drop:0.1,truncate:0.05,badmd5:scene=S1A_X,auth:1.0,auth-html,burst202:2"
    plan = FaultPlan.parse(spec)
    assert [r.kind for r in plan.rules] == [
        "5xx",
        "429",
        "slow",
        "drop",
        "truncate",
        "badmd5",
        "auth",
        "auth-html",
        "burst202",
    ]
    assert plan.rules[0].probability == 0.2 and plan.rules[8].count == 2
    assert plan.rules[5].selectors == (("scene", "S1A_X"),) and plan.rules[7].probability is None
    assert FaultPlan.parse(str(plan)) == plan
    glob = FaultPlan.parse("5xx:1@/search/*").rules[0]
    assert (glob.count, glob.glob) == (1, "/search/*")
    assert glob.applies_to("/search/granules.umm_json") and not glob.applies_to("/SLC/SA/x.zip")
    assert FaultPlan.parse("none") == FaultPlan.parse("") == FaultPlan()


@pytest.mark.parametrize(
    "spec",
    ["teapot", "5xx:1.5", "5xx:0.5:3", "5xx:-1", "5xx:abc", "badmd5:name=x", "5xx@search", "5xx:0"],
)
def test_bad_plans_are_refused_with_a_clear_message(spec: str) -> None:
    with pytest.raises(FaultSpecError) as caught:
        FaultPlan.parse(spec)
    assert spec.split(":")[0].split("@")[0] in str(caught.value)


def test_faults_are_deterministic_with_the_seed() -> None:
    plan = FaultPlan.parse("5xx:0.3")

    def draws(seed: int) -> list[bool]:
        injector = FaultInjector(plan, seed)
        return [injector.fires("5xx", "/SLC/SA/x.zip") for _ in range(200)]

    assert draws(7) == draws(7)
    assert draws(7) != draws(8)
    assert 30 < sum(draws(7)) < 90
    never = FaultInjector(plan, 7)
    assert not any(never.fires("5xx", "/_sandbox/log") for _ in range(50))  # never the test hooks
    assert not any(never.fires("5xx", "/search/granules.umm_json") for _ in range(50))  # not in scope


def test_counts_are_global_except_burst202_which_counts_per_burst() -> None:
    injector = FaultInjector(FaultPlan.parse("5xx:2,burst202:1"), 0)
    assert [injector.fires("5xx", p) for p in ("/SLC/a", "/SLC/b", "/SLC/a")] == [True, True, False]
    assert [injector.fires("burst202", p) for p in ("/BURST/a", "/BURST/a", "/BURST/b")] == [
        True,
        False,
        True,
    ]


def test_5xx_and_429_on_downloads(sandbox: Sandbox) -> None:
    sandbox.set_faults("5xx:1,429:1@/_storage/*")
    url = scene_url(sandbox, sandbox.catalog.scenes[0])
    session = bearer_session(sandbox)
    first = session.get(url, timeout=10)
    assert first.status_code == 503 and first.headers["Content-Type"].startswith("text/html")
    second = session.get(url, timeout=10)
    assert second.status_code == 429 and second.headers["Retry-After"] == "1"
    assert session.get(url, timeout=10).status_code == 200
    assert [(r.status, r.fault) for r in sandbox.requests()] == [
        (503, "5xx"),
        (307, None),
        (429, "429"),
        (307, None),
        (200, None),
    ]


def test_5xx_on_cmr_only_when_the_glob_says_so(sandbox: Sandbox) -> None:
    pairs = [("granule_ur[]", sandbox.catalog.scenes[0].granule_ur)]
    sandbox.set_faults("5xx")
    assert cmr(sandbox, pairs).status_code == 200  # default scope: downloads only
    sandbox.set_faults("5xx:1@/search/*")
    failed = cmr(sandbox, pairs)
    assert failed.status_code == 503 and failed.json()["errors"]  # CMR's error shape, for asf_search
    assert cmr(sandbox, pairs).status_code == 200


def test_slow_delays_headers_and_trickles_the_body(sandbox: Sandbox) -> None:
    scene = sandbox.catalog.scenes[1]
    url = storage_url(sandbox, scene)
    sandbox.set_faults("slow@/_storage/*")
    started = time.perf_counter()
    response = requests.get(url, timeout=10)
    assert time.perf_counter() - started >= 0.5
    assert md5(response.content) == sandbox.catalog.payloads.info(scene).md5
    assert sandbox.requests()[-1].fault == "slow"


@pytest.mark.parametrize(("kind", "share"), [("drop", 3), ("truncate", 2)])
def test_drop_and_truncate_cut_the_body(sandbox: Sandbox, kind: str, share: int) -> None:
    scene = sandbox.catalog.scenes[2]
    size = sandbox.catalog.payloads.info(scene).size
    url = storage_url(sandbox, scene)
    sandbox.set_faults(kind)
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(url, timeout=10).content  # noqa: B018
    entry = sandbox.requests()[-1]
    assert (entry.status, entry.fault) == (200, kind)
    assert (
        entry.bytes_sent == max(1, size // share) if kind == "truncate" else entry.bytes_sent == size // share
    )
    sandbox.set_faults("none")
    assert requests.get(url, timeout=10).status_code == 200  # the server itself is fine


def test_badmd5_changes_bytes_not_length_and_honours_its_selector(sandbox: Sandbox) -> None:
    burst = sandbox.catalog.bursts[0]
    target = burst.parent
    assert target is not None
    other = next(s for s in sandbox.catalog.scenes if s is not target)
    sandbox.set_faults(f"badmd5:scene={target.name}")
    session = bearer_session(sandbox)
    bad = session.get(scene_url(sandbox, target), timeout=10).content
    info = sandbox.catalog.payloads.info(target)
    assert len(bad) == info.size and md5(bad) != info.md5
    good = session.get(scene_url(sandbox, other), timeout=10).content
    assert md5(good) == sandbox.catalog.payloads.info(other).md5
    corrupt_burst = session.get(f"{sandbox.url}{burst.url_path}.tiff", timeout=10).content
    assert md5(corrupt_burst) != sandbox.catalog.payloads.info(burst).md5


def test_auth_refuses_every_credential(sandbox: Sandbox) -> None:
    sandbox.set_faults("auth")
    url = scene_url(sandbox, sandbox.catalog.scenes[5])
    response = bearer_session(sandbox).get(url, timeout=10)
    assert response.status_code == 401 and "<form" in response.text
    assert [(r.path.split("/")[1], r.status, r.fault) for r in sandbox.requests()] == [
        ("SLC", 307, "auth"),
        ("oauth", 401, "auth"),
    ]
    login = f"{sandbox.env()['INSARPROJ_URS_URL']}/api/users/find_or_create_token"
    assert requests.post(login, auth=("sandbox", "sandbox-password"), timeout=10).status_code == 401


def test_auth_html_ends_the_chain_in_a_200_login_page(sandbox: Sandbox) -> None:
    sandbox.set_faults("auth-html")
    response = bearer_session(sandbox).get(scene_url(sandbox, sandbox.catalog.scenes[6]), timeout=10)
    assert response.status_code == 200  # what a careless client would save as the zip
    assert response.headers["Content-Type"].startswith("text/html") and "Earthdata Login" in response.text


def test_burst202_answers_202_n_times_per_burst(sandbox: Sandbox) -> None:
    sandbox.set_faults("burst202:2")
    session = bearer_session(sandbox)
    first, second = sandbox.catalog.bursts[20], sandbox.catalog.bursts[21]
    statuses = [session.get(f"{sandbox.url}{first.url_path}.tiff", timeout=10).status_code for _ in range(3)]
    assert statuses == [202, 202, 200]
    assert session.get(f"{sandbox.url}{second.url_path}.tiff", timeout=10).status_code == 202


def test_faults_can_be_switched_over_http_and_never_hit_the_hooks(sandbox: Sandbox) -> None:
    hooks = f"{sandbox.url}/_sandbox"
    assert requests.post(f"{hooks}/faults", data="5xx@/_sandbox/*,5xx:0.5", timeout=10).status_code == 200
    assert requests.get(f"{hooks}/faults", timeout=10).json()["faults"] == "5xx@/_sandbox/*,5xx:0.5"
    assert all(requests.get(f"{hooks}/log", timeout=10).status_code == 200 for _ in range(10))
    refused = requests.post(f"{hooks}/faults", data="teapot", timeout=10)
    assert refused.status_code == 400 and "teapot" in refused.json()["detail"]
    assert str(sandbox.faults) == "5xx@/_sandbox/*,5xx:0.5"  # unchanged by the bad one
    requests.post(f"{hooks}/faults", data="none", timeout=10)
    assert sandbox.faults.rules == ()
