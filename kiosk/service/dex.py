"""An EVA-DTS-style (DEX/UCS) audit summary of one day, for route-planning tools.

Segments written (DESIGN.md §5): ``DXS``/``ST`` headers, ``ID1`` (machine id, model),
``VA1`` paid vends and ``VA2`` test vends, ``PA1``/``PA2`` per selection (selection number =
the catalog offer's item number, as the card reader is told), ``G85`` CRC-16 and the ``SE``/
``DXE`` trailers. Lines end with CR LF, fields are separated by ``*``, money in minor units.

Scope, honestly: this is *style*, not a certified DEX file. The export covers one day, so only
the "since last reset" fields carry values (the day's); the "since initialisation" fields are
left empty. ``G85`` is CRC-16/ARC (polynomial 0x8005 reflected, initial value 0) over every
byte from the start of the ``ST`` line to the end of the line before ``G85``.
"""

from __future__ import annotations

from collections.abc import Iterable

from kiosk.catalog import Catalog
from sync.protocol import Event, EventType

CRLF = "\r\n"


def crc16_arc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def dex_summary(*, device_id: str, model: str, catalog: Catalog, events: Iterable[Event]) -> str:
    sales: dict[str, tuple[int, int]] = {}
    tests = 0
    paid_value = paid_count = 0
    for event in events:
        if event.type is EventType.SALE and event.sku:
            count, value = sales.get(event.sku, (0, 0))
            sales[event.sku] = (count + 1, value + event.amount_minor)
            paid_count += 1
            paid_value += event.amount_minor
        elif event.type is EventType.TEST_VEND:
            tests += 1
    body = [
        "ST*001*0001",
        f"ID1*{device_id}*{model}*0**{device_id}*",
        f"VA1***{paid_value}*{paid_count}",
        f"VA2***0*{tests}",
    ]
    for number, offer in enumerate(catalog.offers, start=1):
        count, value = sales.get(offer.sku, (0, 0))
        body.append(f"PA1*{number}*{offer.list_price.amount_minor}*{offer.sku}")
        body.append(f"PA2***{count}*{value}")
    crc = crc16_arc("".join(line + CRLF for line in body).encode("ascii", "replace"))
    body.append(f"G85*{crc:04X}")
    body.append(f"SE*{len(body) + 1}*0001")
    lines = [f"DXS*{device_id}*VA*V1/1*1", *body, "DXE*1*1"]
    return "".join(line + CRLF for line in lines)
