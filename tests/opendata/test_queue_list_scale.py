"""SPEC §4, §8: the queue list reads one page's rows (or one download chunk) at a time, and every
page and chunk is the queue order cut in pieces."""

import dataclasses

import opendata.listing
import opendata.views
from opendata.selectors.queue_lists import queue_list
from tests.opendata.conftest import SPEC_ORDER, csv_rows, json_rows
from tests.opendata.test_queue_lists_page import TEMIRTAU_2022, _labels


def test_pages_of_two_rows_walk_the_spec_example_in_order(client, world, clock, monkeypatch):
    monkeypatch.setattr(opendata.views, "queue_list", lambda **kwargs: dataclasses.replace(queue_list(**kwargs), per_page=2))
    seen, positions = [], []
    for page in range(1, 6):
        rows = client.get(TEMIRTAU_2022 + f"&page={page}").context["rows"]
        seen += [r["number"] for r in rows]
        positions += [r["position"] for r in rows]
    assert _labels(world, seen) == SPEC_ORDER
    assert positions == list(range(1, 10))


def test_a_download_streamed_in_small_chunks_is_the_whole_order(client, world, clock, monkeypatch):
    monkeypatch.setattr(opendata.listing, "CHUNK", 4)
    from_csv = csv_rows(client.get(TEMIRTAU_2022 + "&format=csv"))
    from_json = json_rows(client.get(TEMIRTAU_2022 + "&format=json"))
    assert _labels(world, [int(r["number"]) for r in from_csv]) == SPEC_ORDER
    assert [r["position"] for r in from_json] == list(range(1, 10))
