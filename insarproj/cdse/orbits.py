"""CDSE as the orbit source (`[orbits] source = "cdse"`, docs/orbits.md "Source").

The catalogue holds the AUX_POEORB / AUX_RESORB files under their ESA names (`Name` is the file
name, `Id` a UUID, `Checksum` an MD5, `ContentLength`; the sentineleof cassettes record that shape).
This class answers the listing insarproj.orbits.choose asks of the S3 bucket — "the files under
this prefix whose key sorts after this marker" — so the selection rules, the cache of listings and
the RESORB → POEORB upgrade stay the same:

* the prefix `AUX_POEORB/S1A_OPER_AUX_POEORB_OPOD_` becomes `startswith(Name,'S1A_OPER_AUX_POEORB_OPOD_')`
  (mission and type are in the name; sentineleof queries the name the same way);
* the marker's creation time `C` becomes `PublicationDate ge C`: a file is published after it is
  created, so every file created after `C` is in the answer. Files created before `C` but published
  later (CDSE's 2023 migration republished the archive) come too and are dropped here by the same
  key order S3 uses, so the result is exactly the bucket's.

Pages are counted (`$count`) and followed through `@odata.nextLink` on the catalogue's host; a
listing that does not add up to its count stops the plan (insarproj.cdse.catalogue).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from insarproj.cdse.catalogue import Catalogue, Paging
from insarproj.endpoints import redact_url
from insarproj.errors import ProviderError
from insarproj.orbits.select import OrbitFile, parse_key


def orbit_filter(prefix: str, marker: str) -> str:
    """The `$filter` of one listing: names under the prefix, published at or after the marker's
    creation time (none when the marker holds no time)."""
    name_prefix = prefix.split("/", 1)[1]
    clauses = [f"startswith(Name,'{name_prefix}')"]
    created = marker[len(prefix) :] if marker.startswith(prefix) else ""
    try:
        moment = datetime.strptime(created[:15], "%Y%m%dT%H%M%S")
    except ValueError:
        moment = None
    if moment is not None:
        clauses.append(f"PublicationDate ge {moment:%Y-%m-%dT%H:%M:%S}.000Z")
    return " and ".join(clauses)


def orbit_of(item: dict[str, Any], prefix: str) -> OrbitFile | None:
    """An OrbitFile for one catalogue product, keyed as in the bucket (`AUX_POEORB/<name>`)."""
    name = str(item.get("Name") or "")
    kind = prefix.split("/", 1)[0]
    size = item.get("ContentLength")
    md5 = next(
        (
            str(c.get("Value"))
            for c in item.get("Checksum") or []
            if isinstance(c, dict) and c.get("Algorithm") == "MD5"
        ),
        None,
    )
    return parse_key(
        f"{kind}/{name}",
        size if isinstance(size, int) and size > 0 else None,
        md5,
        str(item.get("Id") or "") or None,
    )


class CdseOrbitCatalogue:
    """The read side of CDSE's orbit files, with the interface of insarproj.orbits.listing.OrbitBucket."""

    def __init__(self, url: str, session: Any, paging: Paging | None = None) -> None:
        self.url = url.rstrip("/")
        self._catalogue = Catalogue(self.url, session, paging)

    @property
    def requests(self) -> int:
        return self._catalogue.requests_made

    def list_from(self, prefix: str, marker: str) -> list[OrbitFile]:
        """Every orbit file under ``prefix`` whose key sorts after ``marker``, in key order."""
        catalogue = self._catalogue
        page, count, reachable = catalogue.first_page(
            "Products", orbit_filter(prefix, marker), "PublicationDate asc"
        )
        if count > reachable:
            raise ProviderError(
                f"the CDSE catalogue at {redact_url(self.url)} lists {count} orbit files under {prefix}, "
                f"more than its paging reaches ({reachable})",
                service="cdse",
                hint='set [orbits] source = "asf" (the s1-orbits bucket lists by creation time)',
            )
        items = catalogue.every_page(page, count, f"orbit files under {prefix}", "run the plan again later")
        files = (orbit_of(i, prefix) for i in items)
        wanted = (f for f in files if f and f.key.startswith(prefix) and f.key > marker)
        return sorted(wanted, key=lambda f: f.key)
