"""Issue 11, items 8 and 12, in the markup: every table cell names its column (the phone's cards),
the filters fold into a <details> whose summary counts the filters chosen, ages read "from … to …
years", a seat already in general access shows no past "priority until", and a group of radios is
a fieldset with a legend."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template.loader import render_to_string

from tests.opendata.conftest import body

TABLES = [
    "/open/free-seats/",
    "/open/releases/",
    "/open/queues/",
    "/open/queues/?locality=temirtau&birth_year=2022",
    "/open/kindergartens/",
    "/open/kindergarten/arman/",
]


@pytest.mark.parametrize("url", TABLES)
def test_every_cell_of_a_public_table_carries_its_column_name(client, world, clock, url):
    text = body(client.get(url))
    tables = re.findall(r"<table class=\"od-table table-stack\">.*?</table>", text, re.S)
    assert tables, "no stacking table on the page"
    for table in tables:
        headings = re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", table, re.S)
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S):
            labels = re.findall(r"<td[^>]*data-label=\"([^\"]*)\"", row)
            assert len(labels) == row.count("<td"), f"a cell without data-label: {row[:200]}"
            assert labels == [re.sub(r"<[^>]+>", "", h).strip() for h in headings]


def test_filters_fold_in_a_details_with_the_count_of_filters_chosen(client, world, clock):
    plain = body(client.get("/open/free-seats/"))
    assert '<details class="filters-box od-filters-box" open data-fold-below="40rem">' in plain
    assert re.search(r"data-filter-count hidden>[^<\d]*0<", plain)
    chosen = body(client.get("/open/free-seats/?locality=temirtau&birth_year=2022&group="))
    assert re.search(r"data-filter-count>[^<\d]*2<", chosen)
    assert "js/filters.js" in chosen


def test_ages_read_from_to_years(client, world, clock):
    text = body(client.get("/open/free-seats/"))  # Russian, the portal's default
    assert re.search(r"от \d+ до \d+ лет", text)
    assert not re.search(r"\d+[–-]\d+ лет", text)


def test_a_seat_in_general_access_shows_since_when_not_a_past_priority_deadline(client, world, clock):
    clock.set(clock.at.replace(year=2024, month=12, day=1))  # long after every window closed
    text = body(client.get("/open/free-seats/?access=general"))
    rows = [row for row in re.findall(r"<tr>(.*?)</tr>", text, re.S) if "od-badge--general" in row]
    if not rows:
        pytest.skip("no published seat in the world")
    for row in rows:
        last_cell = row.rsplit("<td", 1)[1]
        assert "<time" not in last_cell and "od-sub" in last_cell, last_cell


class _Choices(forms.Form):
    channel = forms.ChoiceField(label="Notify me by", choices=[("sms", "SMS"), ("email", "E-mail")], widget=forms.RadioSelect)
    kinds = forms.MultipleChoiceField(label="Kinds", choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple)
    name = forms.CharField(label="Name")


def test_a_group_of_radios_is_a_fieldset_with_a_legend_and_every_label_points_to_a_field():
    html = render_to_string("_form_fields.html", {"form": _Choices()})
    assert re.search(r'<fieldset class="field field--group">\s*<legend class="field__legend">Notify me by</legend>', html)
    assert re.search(r'<fieldset class="field field--group">\s*<legend class="field__legend">Kinds</legend>', html)
    ids = set(re.findall(r' id="([^"]+)"', html))
    targets = re.findall(r'<label for="([^"]*)"', html)
    assert targets and all(target in ids for target in targets), (targets, ids)
    assert '<label for="id_name">Name</label>' in html
