"""HyP3 test data: real recorded API shapes (tests/data/hyp3), real granule names, small factories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data" / "hyp3"
API = "https://hyp3.fake.test"

# Real granules (hyp3-docs POST /jobs examples): same track, reference first.
SLC_REF = "S1A_IW_SLC__1SDV_20200110T172104_20200110T172123_030741_03864E_A996"
SLC_SEC = "S1A_IW_SLC__1SDV_20200203T172103_20200203T172122_031091_03929B_3048"
SLC_OTHER_TRACK = "S1A_IW_SLC__1SDV_20200515T195012_20200515T195027_032580_03C609_4EBA"
BURST_REF = "S1_136231_IW2_20200604T022312_VV_7C85-BURST"
BURST_SEC = "S1_136231_IW2_20200616T022313_VV_5D11-BURST"
BURST_REF2 = "S1_136232_IW2_20200604T022315_VV_7C85-BURST"
BURST_SEC2 = "S1_136232_IW2_20200616T022316_VV_5D11-BURST"


def load(relative: str) -> Any:
    return json.loads((DATA / relative).read_text())


def job_dict(**overrides: Any) -> dict[str, Any]:
    """A real-shaped INSAR_GAMMA job record as HyP3 lists it (all defaults merged)."""
    defaults = load("api/default_params_by_job_type.json")["INSAR_GAMMA"]
    record: dict[str, Any] = {
        "job_id": "27836b79-e5b2-4d8f-932f-659724ea02c3",
        "user_id": "someUser",
        "job_type": "INSAR_GAMMA",
        "job_parameters": {"granules": [SLC_REF, SLC_SEC], **defaults},
        "request_time": "2025-06-10T07:47:28+00:00",
        "status_code": "PENDING",
        "execution_started": False,
        "name": "ridgecrest",
        "priority": 9960,
        "credit_cost": 10.0,
    }
    record.update(overrides)
    return record


class Sleeps(list):
    """An injectable ``sleep`` that records delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
