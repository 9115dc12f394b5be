"""The DEM of each stack: Copernicus GLO-30 stitched by dem_stitcher (docs/dem.md).

`extent` decides which ground a stack's DEM must cover and whether a recorded DEM still covers it;
`tiles` fetches GLO-30 tiles from the configured endpoint through insarproj's verified downloader
into a tile cache; `geoid` reads the window of the geoid the DEM needs; `stitch` runs dem_stitcher
on the cached tiles and writes the files; `checks` rejects a DEM that is not fit to record.
"""
