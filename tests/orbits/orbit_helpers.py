"""Small builders for orbit tests: keys, S3 listing pages, scene times."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "orbits"
NS = "http://s3.amazonaws.com/doc/2006-03-01/"
T = "%Y%m%dT%H%M%S"


def key(mission: str, kind: str, created: datetime, start: datetime, stop: datetime) -> str:
    return f"AUX_{kind}/{mission}_OPER_AUX_{kind}_OPOD_{created:{T}}_V{start:{T}}_{stop:{T}}.EOF"


def poeorb(mission: str, day: datetime, *, created_days: int = 20, created_at: str = "120000") -> str:
    """The daily POEORB of ``day`` (valid 22:59:42 the day before to 00:59:42 the day after)."""
    midnight = datetime(day.year, day.month, day.day)
    created = datetime.strptime(
        (midnight + timedelta(days=created_days)).strftime("%Y%m%d") + "T" + created_at, T
    )
    return key(
        mission,
        "POEORB",
        created,
        midnight - timedelta(seconds=3618),
        midnight + timedelta(days=1, seconds=3582),
    )


def page(keys: list[str], *, truncated: bool = False, prefix: str = "") -> str:
    contents = "".join(
        f"<Contents><Key>{k}</Key><LastModified>2024-07-27T02:04:55.000Z</LastModified>"
        f'<ETag>"11dd292a8a5527bb0467105355271364"</ETag><Size>4409614</Size>'
        "<StorageClass>INTELLIGENT_TIERING</StorageClass></Contents>"
        for k in keys
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="{NS}"><Name>s1-orbits</Name>'
        f"<Prefix>{prefix}</Prefix><Marker /><MaxKeys>1000</MaxKeys>"
        f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>{contents}</ListBucketResult>"
    )
