"""The Copernicus Data Space Ecosystem (CDSE) as a second Sentinel-1 source (docs/cdse.md).

``catalogue``: the OData product search (paged, counted, split by date under the 10 000 `$skip`
limit); ``mapping``: a catalogue product as the same pinned scene an ASF search makes;
``search``: the scene pin from CDSE; ``auth``: credentials and the refreshed access token;
``session``: the HTTP session that sends the token only to the configured download host and keeps
at most 4 downloads running.
"""
