"""The contents of an export (see kiosk.service.export for the folder): the day's events as
JSON and CSV, stock as CSV, totals as JSON and the EVA-DTS-style summary. Pure functions.

CSV: UTF-8, comma-separated, a header row, RFC 4180 quoting; a text cell that a spreadsheet
would run as a formula (starting with ``=``, ``+``, ``@``, or ``-`` when not a number) gets a
leading apostrophe. Quantities are integers in the SKU's unit (µl or units), money in minor
units.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from kiosk.catalog import Catalog
from kiosk.service.dex import dex_summary
from kiosk.service.stock import StockOverview
from sync.protocol import Event, EventType

EXPORTED_TYPES = (
    EventType.SALE,
    EventType.REFUND,
    EventType.RESTOCK,
    EventType.ADJUSTMENT,
    EventType.TEST_VEND,
    EventType.AUDIT,
    EventType.DOOR,
)
EVENT_COLUMNS = (
    "seq", "ts", "type", "sku", "qty", "unit", "amount_minor", "currency", "txn_id",
    "action", "technician_id", "result", "reason", "lot", "expiry", "data",
)  # fmt: skip
STOCK_COLUMNS = (
    "target", "position", "sku", "on_hand", "unit", "low", "earliest_expiry", "lots",
)  # fmt: skip


def _safe(value: Any) -> Any:
    if not isinstance(value, str) or not value:
        return value
    risky = value[0] in "=+@\t\r" or (value[0] == "-" and not _number(value))
    return "'" + value if risky else value


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe("" if v is None else v) for v in row])
    return out.getvalue().encode("utf-8")


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).encode()


def events_csv(events: Sequence[Event]) -> bytes:
    rows = []
    for e in events:
        d = e.data
        rows.append(
            [
                e.seq, e.ts, e.type.value, e.sku, e.qty, e.unit.value if e.unit else None,
                e.amount_minor, e.currency, e.txn_id, d.get("action"), d.get("technician_id"),
                d.get("result"), d.get("reason"), d.get("lot"), d.get("expiry"),
                json.dumps(dict(d), sort_keys=True, ensure_ascii=False),
            ]
        )  # fmt: skip
    return _csv(EVENT_COLUMNS, rows)


def stock_csv(overview: StockOverview) -> bytes:
    rows: list[Sequence[Any]] = []
    for c in overview.channels:
        lots = " ".join(lot.lot for lot in c.lots)
        expiry = c.earliest_expiry.isoformat() if c.earliest_expiry else None
        rows.append(["channel", c.channel, c.sku, c.on_hand_ul, "ul", c.low, expiry, lots])
    for s in overview.slots:
        lots = " ".join(lot.lot for lot in s.lots)
        expiry = s.earliest_expiry.isoformat() if s.earliest_expiry else None
        rows.append(["slot", s.slot, s.sku, s.on_hand, "unit", s.low, expiry, lots])
    return _csv(STOCK_COLUMNS, rows)


def totals(events: Sequence[Event]) -> dict[str, dict[str, dict[str, int]]]:
    """Per SKU and event type: count, quantity and amount."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for e in events:
        if e.sku is None:
            continue
        slot = out.setdefault(e.sku, {}).setdefault(
            e.type.value, {"count": 0, "qty": 0, "amountMinor": 0}
        )
        slot["count"] += 1
        slot["qty"] += e.qty
        slot["amountMinor"] += e.amount_minor
    return out


def build_files(
    *,
    device_id: str,
    epoch: int,
    day: str,
    catalog: Catalog,
    events: Sequence[Event],
    overview: StockOverview,
    header: Mapping[str, Any],
) -> dict[str, bytes]:
    """Every file of an export but the logs and the manifest, by relative name."""
    head = {"deviceId": device_id, "epoch": epoch, "day": day, **header}
    events_doc = {**head, "events": [e.body() for e in events]}
    actions: dict[str, int] = {}
    for e in events:
        if e.type is EventType.AUDIT:
            key = f"{e.data.get('action')}:{e.data.get('result')}"
            actions[key] = actions.get(key, 0) + 1
    summary = {
        **head,
        "catalogVersion": catalog.version,
        "events": len(events),
        "perSku": totals(events),
        "serviceActions": actions,
        "warnings": [
            {"kind": w.kind.value, "target": w.target, "position": w.position, "sku": w.sku}
            for w in overview.warnings
        ],
    }
    return {
        "events.json": _json(events_doc),
        "events.csv": events_csv(events),
        "stock.csv": stock_csv(overview),
        "summary.json": _json(summary),
        "audit.dex": dex_summary(
            device_id=device_id, model="perfume-kiosk", catalog=catalog, events=events
        ).encode("ascii", "replace"),
    }
