"""Reads behind the public pages (SPEC §8). Set-based: every list is one query per page or chunk.

One module per page; each builds a `Listing` (opendata.listing) that the page paginates and the
CSV / JSON downloads stream, so the downloads hold exactly the rows the page shows.
"""
