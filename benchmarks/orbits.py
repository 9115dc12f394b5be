"""How many orbit-bucket listing requests a 2,000-scene project costs (docs/orbits.md).

Counts, not times: the requests insarproj's orbit selection sends to the sandbox's orbit bucket
(real S3 shape, 1,000 keys a page) for 2,000 scenes spread over the sandbox catalog's two and a
half years of S1A and S1B, in the situations a project goes through, beside what listing the way
sentineleof does (every key of both types, all satellites) would cost against the same bucket.

    python benchmarks/orbits.py [--scenes 2000] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
from datetime import UTC, datetime, timedelta

import requests

from insarproj.orbits.choose import SceneTimes, choose
from insarproj.orbits.listing import OrbitBucket
from insarproj.sandbox.server import Sandbox


def synthetic_scenes(count: int, seed: int, first: datetime, last: datetime) -> list[SceneTimes]:
    """``count`` scenes on random passes between ``first`` and ``last``; S1B only while it flew."""
    rng = random.Random(seed)
    s1b_end = datetime(2021, 12, 1)  # the sandbox catalog's last S1B passes are earlier
    span = (last - first).total_seconds()
    scenes = []
    for n in range(count):
        start = first + timedelta(seconds=rng.uniform(0, span))
        mission = "S1B" if start < s1b_end and rng.random() < 0.5 else "S1A"
        scenes.append(SceneTimes(f"scene{n}", mission, start, start + timedelta(seconds=27)))
    return scenes


def run(count: int, seed: int) -> list[tuple[str, int, str]]:
    rows: list[tuple[str, int, str]] = []
    with Sandbox(seed=seed) as box:
        url = box.env()["INSARPROJ_ORBITS_URL"]
        first = datetime.combine(box.catalog.start, datetime.min.time()) + timedelta(days=2)
        last = datetime.combine(box.catalog.end, datetime.min.time()) - timedelta(days=2)
        scenes = synthetic_scenes(count, seed, first, last)
        now = datetime.now(UTC)
        # 1. first plan: nothing recorded, nothing cached
        bucket = OrbitBucket(url, requests.Session())
        chosen, listings = choose(bucket, scenes, {}, now)
        found = sum(1 for c in chosen.values() if c is not None)
        detail = f"{found}/{count} chosen"
        rows.append(("first plan (no orbit recorded, empty cache)", bucket.requests, detail))
        cache = {prefix: listing.to_json() for prefix, listing in listings.items()}
        # 2. converged: every scene holds a POEORB, so no scene is handed to selection at all
        bucket = OrbitBucket(url, requests.Session())
        choose(bucket, [], cache, now)
        rows.append(
            ("converged plan (every scene has a POEORB)", bucket.requests, "none asks: see the e2e test")
        )
        # 3. the newest 20 scenes still on RESORB: only the POEORB tail is asked, from the cache
        recent = [
            SceneTimes(s.name, s.mission, s.start, s.stop, fallback=False)
            for s in sorted(scenes, key=lambda s: s.start)[-20:]
        ]
        bucket = OrbitBucket(url, requests.Session())
        choose(bucket, recent, cache, now + timedelta(hours=1))
        rows.append(("20 scenes on RESORB, cache from an earlier apply", bucket.requests, "tail pages only"))
        # 4. the plain library's way: every key of both types (sentineleof's ASFClient)
        bucket = OrbitBucket(url, requests.Session())
        total = len(bucket.list_from("AUX_POEORB", "")) + len(bucket.list_from("AUX_RESORB", ""))
        rows.append(("sentineleof-style full listing (both types)", bucket.requests, f"{total} keys"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenes", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = run(args.scenes, args.seed)
    width = max(len(r[0]) for r in rows)
    print(f"Orbit bucket listing requests for a {args.scenes}-scene project (sandbox bucket, 1000 keys/page)")
    for label, requests_made, detail in rows:
        print(f"  {label:<{width}}  {requests_made:>4} requests  ({detail})")


if __name__ == "__main__":
    main()
