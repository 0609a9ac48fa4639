"""Issue 12, item 2: the daily snapshots page and its format page at a phone's 390 px and a
desktop's 1280 px, in Kazakh and in Russian (no sideways scroll, cell labels on a phone, axe-core),
and a file downloaded from the list is the file the manifest describes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from opendata.snapshot import MANIFEST, snapshot_make
from placements.bulletin import bulletin_publish
from placements.seats import seat_release
from tests.browser.conftest import APPLY_AT, BULLETIN_AT, RELEASE_AT, file_application
from tests.browser.test_layout import check_page, set_language

pytestmark = pytest.mark.browser


@pytest.fixture
def snapshot_folder(world, settings, tmp_path) -> Path:
    settings.SNAPSHOT_DIR = str(tmp_path / "snapshots")
    for serial in range(61, 65):
        file_application(serial=serial, filed_at=APPLY_AT)
    seat_release(group=world.group, birth_year=2022, count=1, now=RELEASE_AT, by=world.operator)
    bulletin_publish(now=BULLETIN_AT)
    return snapshot_make(now=BULLETIN_AT)


def test_snapshot_pages_at_390_and_1280_px_in_kazakh_and_russian(snapshot_folder, new_context, live_server):
    page = new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url).new_page()
    for language in ("kk", "ru"):
        set_language(page, live_server.url, language)
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900 if width > 640 else 844})
            for name, url in {"snapshots": "/open/snapshots/", "snapshot-format": "/open/snapshots/format/"}.items():
                page.goto(url)
                check_page(page, name, language, width)

    page.goto("/open/snapshots/")
    manifest = json.loads((snapshot_folder / MANIFEST).read_text(encoding="utf-8"))
    expected = next(f for f in manifest["files"] if f["name"] == "queues.csv")
    with page.expect_download() as download:
        page.get_by_role("link", name="queues.csv").click()
    path = download.value.path()
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == expected["sha256"]
