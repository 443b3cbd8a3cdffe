"""The kiosk's Qt-free core (devices on their simulators, machine, journey), as the app starts
it: offline with the terminal it says "card payments unavailable"; the maintenance switch; the
serial loyalty scanner's codes reach the journey only on the loyalty and checkout screens."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hardware.config import HardwareConfig, ReaderKind, ScannerConfig, ScannerOptions
from hardware.scanner import ScanDidDecode, ScannerEvent
from kiosk.catalog import Catalog
from kiosk.demo import OFFLINE_BROKER, demo_catalog_path, demo_config, demo_hardware, seed_stock
from kiosk.journey import Screen, Unavailable
from kiosk.loyalty import encode_public_key, issue_member_qr
from kiosk.runtime import KioskRuntime
from tests.support.waiting import until

KEY = Ed25519PrivateKey.generate()


def catalog_with_key() -> Catalog:
    data = json.loads(demo_catalog_path().read_text(encoding="utf-8"))
    data["loyalty"]["keys"] = [{"id": "test-1", "ed25519": encode_public_key(KEY.public_key())}]
    return Catalog.from_json(data)


async def test_offline_with_the_terminal_cards_are_unavailable_and_maintenance_blocks(
    tmp_path: Path,
) -> None:
    catalog = Catalog.load(demo_catalog_path())
    runtime = KioskRuntime(
        demo_config(tmp_path, OFFLINE_BROKER),
        demo_hardware(catalog, tmp_path, reader=ReaderKind.TERMINAL),
        catalog,
        refresh_s=0.2,
    )
    statuses: list[str] = []
    runtime._status = statuses.append
    journey = await runtime.start()
    try:
        assert statuses == [
            "opening devices",
            "recovering open transactions",
            "starting the service menu",
        ]
        assert runtime.recovery is not None and runtime.recovery.examined == 0
        assert set(runtime.items) == {o.sku for o in catalog.offers}
        assert journey.view.unavailable is Unavailable.CARDS_OFFLINE and journey.view.cards_offline
        assert journey.view.sold_out == frozenset(runtime.items)  # nothing stocked yet
        assert runtime.machine is not None
        await seed_stock(runtime.machine, runtime.items)
        await until(lambda: not journey.view.sold_out, 10, "the refresh task to see the stock")
        runtime.set_maintenance(True)
        assert journey.view.screen is Screen.UNAVAILABLE
        assert journey.view.unavailable is Unavailable.MAINTENANCE
        runtime.set_maintenance(False)
        assert journey.view.screen is Screen.ATTRACT
    finally:
        await runtime.close()
    assert runtime.machine is None and runtime.devices is None


async def test_loyalty_codes_reach_the_journey_only_where_they_are_asked_for(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    catalog = catalog_with_key()
    code = issue_member_qr(
        KEY,
        "test-1",
        member_id="M-1001",
        display_name="Zoé",
        tier="gold",
        issued_at=datetime.now(UTC),
    )
    demo = demo_hardware(catalog, tmp_path, reader=ReaderKind.MDB)
    scanner = ScannerConfig(
        url="sim://?" + urlencode({"scan": code, "interval": 0.3}),
        options=ScannerOptions(debounce=0.1, max_data=512),
    )
    hardware = HardwareConfig(
        card_readers=demo.card_readers, dispenser=demo.dispenser, scanner=scanner
    )
    runtime = KioskRuntime(demo_config(tmp_path, OFFLINE_BROKER), hardware, catalog)
    journey = await runtime.start()
    try:
        assert runtime.devices is not None and runtime.devices.scanner is not None
        scans: list[ScannerEvent] = []
        runtime.devices.scanner.add_listener(
            lambda e: scans.append(e) if isinstance(e, ScanDidDecode) else None
        )
        journey.touch()
        await until(lambda: len(scans) >= 2, 20, "two scans on the browse screen")
        assert journey.view.screen is Screen.BROWSE and journey.view.member is None
        assert runtime.machine is not None
        await seed_stock(runtime.machine, runtime.items)
        await journey.refresh()
        product = next(p for p in catalog.products if p.spray is not None)
        assert product.spray is not None
        journey.show_product(product.id)
        journey.choose_offer(product.spray.sku)
        assert journey.view.screen is Screen.LOYALTY
        await until(lambda: journey.view.member is not None, 20, "the member to be recognised")
        assert journey.view.member is not None and journey.view.member.member_id == "M-1001"
        assert journey.view.screen is Screen.CHECKOUT
        # the journey asked the machine's loyalty client for the balance: offline, no offer
        await until(lambda: "balances unavailable" in caplog.text, 20, "a balance look-up")
        assert (journey.view.points_balance, journey.view.points_usable) == (None, 0)
    finally:
        await runtime.close()
