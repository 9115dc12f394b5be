"""Values a state record repeats from itself, written once (state/derived.py, format 3).

tests/data/state_format_2_main/ was written by insarproj's main in format 2 (every value in every
record): `project_state/` is its `.insarproj` folder and `expected_load.json` what main's
`StateStore.load()` returned for it (made by main's own StateStore writing a pin of two scenes,
two pairs, two HyP3 jobs, one with an earlier attempt under other parameters, and a product).
"""

from __future__ import annotations

import copy
import io
import json
import shutil
from pathlib import Path

import pytest

from insarproj.state import StateStore
from insarproj.state.derived import compact_inputs, compact_record, expand_inputs, expand_record
from insarproj.state.fileformat import parse_exact, render_state
from insarproj.state.model import FORMAT_VERSION

DATA = Path(__file__).parent / "data"
FORMAT_2 = DATA / "state_format_2_main"
JOB = "hyp3_job.A064.20230101_20230107"
ID_1, ID_2 = "a" * 64, "b" * 64


def _job(**attrs) -> dict:
    return {
        "kind": "hyp3_job",
        "status": "succeeded",
        "attributes": attrs,
        "updated_at": "2023-02-01T00:00:03Z",
    }


def _attempt(job_id, identity) -> dict:
    return {"job_id": job_id, "identity": identity, "submitted_at": "2023-02-01T00:00:02Z", "adopted": False}


CASES = [
    # (what, address, record, attributes written)
    (
        "own pair and attempt: left out",
        JOB,
        _job(pair="pair.A064.20230101_20230107", identity=ID_1, job_id="j1", attempts=[_attempt("j1", ID_1)]),
        {
            "identity": ID_1,
            "job_id": "j1",
            "attempts": [{"submitted_at": "2023-02-01T00:00:02Z", "adopted": False}],
        },
    ),
    (
        "an earlier attempt under other parameters: kept whole",
        JOB,
        _job(
            pair="pair.A064.20230101_20230107",
            identity=ID_2,
            job_id="j2",
            attempts=[_attempt("j1", ID_1), _attempt("j2", ID_2)],
        ),
        {
            "identity": ID_2,
            "job_id": "j2",
            "attempts": [_attempt("j1", ID_1), {"submitted_at": "2023-02-01T00:00:02Z", "adopted": False}],
        },
    ),
    (
        "another pair than the address's: kept",
        JOB,
        _job(pair="pair.A064.20230101_20230113", identity=ID_1, attempts=[]),
        {"pair": "pair.A064.20230101_20230113", "identity": ID_1, "attempts": []},
    ),
    (
        "an intent (no job id yet): the attempt keeps its job id",
        JOB,
        _job(pair="pair.A064.20230101_20230107", identity=ID_1, attempts=[_attempt("j0", ID_1)]),
        {"identity": ID_1, "attempts": [{k: v for k, v in _attempt("j0", ID_1).items() if k != "identity"}]},
    ),
    (
        "no identity (not a record hyp3 writes): written whole",
        JOB,
        _job(pair="pair.A064.20230101_20230107"),
        {"pair": "pair.A064.20230101_20230107"},
    ),
    (
        "other kinds: written whole",
        "product.A064.20230101_20230107",
        {
            "kind": "product",
            "status": "present",
            "attributes": {"job_id": "j1", "pair": "pair.A064.20230101_20230107"},
        },
        {"job_id": "j1", "pair": "pair.A064.20230101_20230107"},
    ),
]


@pytest.mark.parametrize(("what", "address", "record", "written"), CASES, ids=[c[0] for c in CASES])
def test_a_record_is_written_without_what_it_repeats(what, address, record, written):
    before = copy.deepcopy(record)
    compacted = compact_record(address, record)
    assert compacted["attributes"] == written
    assert expand_record(address, compacted) == record == before  # neither touches its argument


def _pin_inputs(scenes: dict, product="SLC") -> dict:
    return {"search": {"fingerprint": "f", "pin": {"product": product, "scenes": scenes}}}


def test_a_pinned_scene_is_written_without_its_key_again():
    slc, burst = (
        "S1A_IW_SLC__1SDV_20230101T014200_20230101T014300_046000_058000_ABC1",
        "S1_136231_IW2_20200604T022312_VV_7C85-BURST",
    )
    inputs = _pin_inputs(
        {
            slc: {"name": slc, "file_id": slc + "-SLC", "bytes": 1},
            "renamed": {"name": "other", "file_id": "other-SLC", "bytes": 2},
        }
    )
    written = compact_inputs(inputs)["search"]["pin"]["scenes"]
    assert written == {slc: {"bytes": 1}, "renamed": {"name": "other", "file_id": "other-SLC", "bytes": 2}}
    assert expand_inputs(compact_inputs(inputs)) == inputs
    bursts = _pin_inputs({burst: {"name": burst, "file_id": burst + "-BURST"}}, product="BURST")
    assert compact_inputs(bursts)["search"]["pin"]["scenes"] == {burst: {}}
    assert expand_inputs(compact_inputs(bursts)) == bursts
    no_product = {"search": {"pin": {"scenes": {slc: {"name": slc}}}}}
    assert compact_inputs(no_product) == no_product == expand_inputs(no_product)


def _fixture_records() -> list[tuple[str, dict]]:
    """Every record of every state file under tests/data, as written (any format)."""
    out = []
    for path in sorted(DATA.rglob("*.json*")):
        try:
            raw = json.loads(path.read_text())
        except (ValueError, UnicodeDecodeError):
            continue
        for address, record in (raw.get("resources") or {}).items() if isinstance(raw, dict) else ():
            out.append((address, record))
    return out


def test_every_record_shape_of_the_fixtures_comes_back_as_it_was():
    records = _fixture_records()
    assert any(a.startswith("hyp3_job.") for a, _ in records)
    for address, record in records:
        assert expand_record(address, compact_record(address, record)) == record, address


def test_format_2_of_main_loads_as_main_loaded_it(tmp_path):
    shutil.copytree(FORMAT_2 / "project_state", tmp_path / ".insarproj")
    store = StateStore(tmp_path / ".insarproj")
    expected = json.loads((FORMAT_2 / "expected_load.json").read_text())
    assert json.loads(store.path.read_text())["format_version"] == 2
    assert _loaded(store) == expected
    messages: list[str] = []
    store.notify = messages.append
    with store.open_writer():
        pass
    assert len(messages) == 1 and f"format {FORMAT_VERSION}" in messages[0] and "format 2" in messages[0]
    written = store.path.read_text()
    assert json.loads(written)["format_version"] == FORMAT_VERSION == 3
    assert '"pair":"pair.A064.20230101_20230107"' not in written and written.count(ID_2) == 1
    assert _loaded(store) == expected


def _loaded(store: StateStore) -> dict:
    state = store.load()
    return {
        "serial": state.serial,
        "journal_seq": state.journal_seq,
        "inputs": state.inputs,
        "resources": state.resources,
        "applied_plans": state.applied_plans,
    }


def test_render_and_read_give_back_every_value():
    expected = json.loads((FORMAT_2 / "expected_load.json").read_text())
    header = {"format_version": FORMAT_VERSION, "serial": 1, "inputs": expected["inputs"]}
    data = render_state(header, expected["resources"])
    parsed = parse_exact(io.BytesIO(data))
    assert parsed is not None and parsed["resources"] == expected["resources"]
    assert parsed["inputs"] == expected["inputs"]
    assert render_state(header, parsed["resources"]) == data


def test_a_scene_name_is_one_string_in_memory_however_many_records_name_it():
    expected = json.loads((FORMAT_2 / "expected_load.json").read_text())
    header = {"format_version": FORMAT_VERSION, "serial": 1, "inputs": expected["inputs"]}
    parsed = parse_exact(io.BytesIO(render_state(header, expected["resources"])))
    assert parsed is not None
    pinned = {name: name for name in parsed["inputs"]["search"]["pin"]["scenes"]}
    pair = parsed["resources"]["pair.A064.20230101_20230107"]["attributes"]
    job = parsed["resources"][JOB]["attributes"]
    named = [*pair["reference"], *pair["secondary"], *job["request"]["job_parameters"]["granules"]]
    assert len(named) == 4 and all(name is pinned[name] for name in named)
    scene = parsed["inputs"]["search"]["pin"]["scenes"][named[0]]
    assert scene["name"] is pinned[named[0]]
