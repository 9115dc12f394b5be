"""`peek` (state/lazy.py) gives a record's status and attributes exactly as the built record has
them, read from its line without building it: through a seal and in full, for values of the line,
of `common` (scalars and tables), and values a job's line leaves out (state/derived.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from insarproj.state import State, StateStore
from insarproj.state.lazy import KindView, peek
from tests.test_state_lazy import folded_store
from tests.test_state_seal import unsealed

MANIFEST = {"bytes": 10, "files": 2}


def _job(rest: str, **extra: Any) -> dict[str, Any]:
    return {
        "identity": f"id-{rest}",
        "job_id": f"j-{rest}",
        "pair": f"pair.{rest}",
        "attempts": [{"job_id": f"j-{rest}", "identity": f"id-{rest}"}],
        "expiration_time": "2099-01-01T00:00:00Z",
        "files": [{"filename": f"{rest}.zip", "size": 3, "url": "https://x/p.zip"}],
        "request": {"job_type": "INSAR_GAMMA", "name": "p", "job_parameters": {"looks": "20x4"}},
        **extra,
    }


def _product(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "path": f"products/s1/{name}",
        "product": name,
        "job_id": "J",
        "keep_layers": None,
        "layout": "_unw.tif",
        "manifest": {**MANIFEST, "sha256": name},
        **extra,
    }


RECORDS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("hyp3_job.s1.a", "hyp3_job", "succeeded", _job("s1.a")),
    ("hyp3_job.s1.b", "hyp3_job", "succeeded", _job("s1.b", expiration_time="2030-01-01T00:00:00Z")),
    ("hyp3_job.s1.c", "hyp3_job", "failed", _job("s1.c", pair="pair.elsewhere")),  # pair written
    ("product.s1.a", "product", "present", _product("a")),
    ("product.s1.b", "product", "present", _product("b", keep_layers="unw")),  # own over common
    ("product.s1.c", "product", "present", _product("c", layout=None)),
    ("product.s1.d", "product", "downloading", _product("d", keep_layers="x")),
    ("pair.s1.a", "pair", "planned", {"reference": ["a"], "secondary": ["b"], "origin": "sbas"}),
    ("pair.s1.b", "pair", "planned", {"reference": ["b"], "secondary": ["c"], "origin": "sbas"}),
]
KEYS = [
    ("identity", "expiration_time", "files", "job_id"),
    ("request",),
    ("pair", "identity"),
    ("attempts",),
    ("keep_layers", "job_id", "path", "layout", "sizes", "manifest", "product"),
    ("missing",),
    ("origin", "reference"),
    (),
]


def _states(tmp_path: Path) -> dict[str, State]:
    store: StateStore = folded_store(tmp_path, RECORDS)
    common = json.loads(store.path.read_bytes())["common"]
    # What a peek fills in: a scalar and a table of `common`, besides the line's own values.
    assert common["product"]["attributes"]["manifest"] == MANIFEST
    assert common["hyp3_job"]["attributes"]["request"]["job_type"] == "INSAR_GAMMA"
    return {"sealed": store.load(lazy=True), "read in full": unsealed(store, True), "eager": store.load()}


@pytest.mark.parametrize("keys", KEYS, ids=["+".join(k) or "none" for k in KEYS])
def test_a_peek_gives_the_values_of_the_built_record(tmp_path: Path, keys: tuple[str, ...]) -> None:
    states = _states(tmp_path)
    assert type(states["sealed"].by_kind("hyp3_job")) is KindView  # the lazy path is the one tested
    assert type(states["read in full"].by_kind("product")) is KindView
    for how, state in states.items():
        for address, kind, status, attrs in RECORDS:
            found = peek(state.by_kind(kind), address, keys)
            assert found is not None, (how, address)
            assert found[0] == status, (how, address)
            # Every key asked for that the record has, none it lacks; anything else given is the
            # record's own value (never a table left unfilled, nor a job's compacted attempts).
            assert {k: found[1][k] for k in keys if k in found[1]} == {
                k: attrs[k] for k in keys if k in attrs
            }
            assert all(found[1][k] == attrs.get(k, object()) for k in found[1]), (how, address, found[1])


def test_a_line_s_own_value_wins_over_common_as_when_built(tmp_path: Path) -> None:
    """A hand edit in the exact format (read in full, lazily): a line holding its own value of a
    key `common` gives (job_id "J" of every product) is read with its own, as a built record is."""
    store = folded_store(tmp_path, RECORDS)
    text = store.path.read_bytes()
    head, line = text.split(b'\n    "product.s1.a": ', 1)[0], text.split(b'\n    "product.s1.a": ', 1)[1]
    own, rest = line.split(b"\n", 1)
    record = orjson.loads(own.rstrip(b","))
    assert "job_id" not in record["attributes"]  # given by common
    record["attributes"]["job_id"] = "J9"
    edited = orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + (b"," if own.endswith(b",") else b"")
    store.path.write_bytes(head + b'\n    "product.s1.a": ' + edited + b"\n" + rest)
    lazy, built = store.load(lazy=True), store.load()
    assert type(lazy.by_kind("product")) is KindView
    keys = ("job_id", "path", "manifest")
    found = peek(lazy.by_kind("product"), "product.s1.a", keys)
    assert found is not None and found[0] == "present"
    expected = built.resources["product.s1.a"]["attributes"]
    assert {k: found[1][k] for k in keys} == {k: expected[k] for k in keys}
    assert built.resources["product.s1.a"]["attributes"]["job_id"] == "J9"


def test_a_peek_of_no_record_or_of_another_kind_is_none(tmp_path: Path) -> None:
    for state in _states(tmp_path).values():
        assert peek(state.by_kind("product"), "product.s1.zz", ("path",)) is None
        assert peek(state.by_kind("product"), "hyp3_job.s1.a", ("job_id",)) is None
        assert peek(state.by_kind("pair"), "product.s1.a", ("path",)) is None
