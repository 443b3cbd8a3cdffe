"""The demo's loyalty members (``kiosk.demo_members``): a key of the demo's own in its data dir
(0600, kept across starts, a damaged one a clear error), codes the demo catalog then accepts,
QR pictures that decode to them, and the demo's scanner simulator presenting them over a real
pty to the real serial driver."""

from __future__ import annotations

import asyncio
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from pyzbar import pyzbar

from hardware.config import HardwareConfig, ScannerConfig
from hardware.scanner.device import open_scanner
from hardware.scanner.events import ScanDidDecode, ScannerEvent
from kiosk.catalog import Catalog
from kiosk.demo_members import (
    CODES_DIR,
    DEMO_KEY_ID,
    DEMO_MEMBERS,
    KEY_FILE,
    DemoScanner,
    demo_key,
    member_codes,
    start_demo_loyalty,
    with_demo_key,
)
from kiosk.launch import demo_catalog_path
from kiosk.loyalty import UnknownKeyError, verify_member_qr
from sync.errors import ConfigError

CATALOG = Catalog.load(demo_catalog_path())
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def test_the_key_is_made_once_private_and_kept(tmp_path: Path) -> None:
    first = demo_key(tmp_path)
    path = tmp_path / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = demo_key(tmp_path)
    assert first.public_key().public_bytes_raw() == again.public_key().public_bytes_raw()
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]  # no temporary file left


def test_a_damaged_key_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).write_text("not a key")
    with pytest.raises(ConfigError, match=r"not a demo loyalty key.*delete it"):
        demo_key(tmp_path)


def test_the_demo_catalog_accepts_the_codes_only_with_the_demo_key(tmp_path: Path) -> None:
    key = demo_key(tmp_path)
    codes = member_codes(key, NOW)
    catalog = with_demo_key(CATALOG, key)
    assert [k.key_id for k in catalog.loyalty.keys] == [
        *(k.key_id for k in CATALOG.loyalty.keys),
        DEMO_KEY_ID,
    ]
    assert with_demo_key(catalog, key).loyalty.keys == catalog.loyalty.keys  # not twice
    for member, code in zip(DEMO_MEMBERS, codes, strict=True):
        found = verify_member_qr(code, catalog.loyalty.keys, now=NOW)
        assert (found.member_id, found.display_name, found.tier) == (
            member.member_id,
            member.display_name,
            member.tier,
        )
        with pytest.raises(UnknownKeyError):
            verify_member_qr(code, CATALOG.loyalty.keys, now=NOW)  # the file's keys alone


async def test_pictures_decode_to_the_codes_and_the_scanner_presents_them(
    tmp_path: Path,
) -> None:
    base = HardwareConfig(scanner=ScannerConfig(url="sim://"))
    demo, catalog, hardware = await start_demo_loyalty(tmp_path, CATALOG, base)
    try:
        assert hardware.scanner is not None and hardware.scanner.url is not None
        assert hardware.scanner.url.startswith("/dev/")  # the demo's own simulator's pty
        for member, code in zip(DEMO_MEMBERS, demo.codes, strict=True):
            picture = tmp_path / CODES_DIR / f"{member.member_id}.png"
            (decoded,) = pyzbar.decode(Image.open(picture))
            assert decoded.data.decode() == code
            verify_member_qr(code, catalog.loyalty.keys, now=datetime.now(UTC))

        scanner = await open_scanner(hardware.scanner.url, debounce=0.0)
        read: asyncio.Queue[str] = asyncio.Queue()

        def on_event(event: ScannerEvent) -> None:
            if isinstance(event, ScanDidDecode):
                read.put_nowait(event.scan.text)

        scanner.add_listener(on_event)
        try:
            presented = [demo.present_next() for _ in range(3)]  # Ada, Noor, Ada again
            got = [await asyncio.wait_for(read.get(), 10) for _ in range(3)]
        finally:
            await scanner.close()
        assert presented == [DEMO_MEMBERS[0], DEMO_MEMBERS[1], DEMO_MEMBERS[0]]
        assert got == [demo.codes[0], demo.codes[1], demo.codes[0]]
    finally:
        await demo.close()


async def test_a_disabled_scanner_reads_nothing_and_says_so(tmp_path: Path) -> None:
    demo = DemoScanner(member_codes(demo_key(tmp_path), NOW))
    await demo.start()
    try:
        demo.simulator.model.enabled = False
        assert demo.present_next() is None
    finally:
        await demo.close()
