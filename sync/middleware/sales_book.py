"""The book of one journal advance: the canonical records and contexts it touches, the rule
for each journal step, and the batched write (``sync.middleware.sales`` runs it at ingest).

:meth:`Book.load` reads the records and contexts (``ledger_txns``: a reader or offline sale's
facts from its ``payment_started``, a sale paid entirely with loyalty points from its first
step, ``redeeming`` or ``redeemed_offline``, a refund's original sale) in batches, row-locked;
:meth:`Book.apply` changes them in memory, one :class:`Fact` at a time; :meth:`Book.flush`
writes them: new records in one insert with a block of POS numbers per store.
The dispense is confirmed by the ``dispense_succeeded`` step, which the kiosk commits in one
ledger transaction with its SALE, so plain SALEs (simulators, demos) cost nothing here.

Who owns what (the step-by-step table is in docs/payments.md, "The ledger path"): the ledger
owns the settlement of reader sales (the MDB reader approves and settles) and of offline sales
until their authorization (``offline_pending``); the RPC path owns gateway payments, to which
the ledger only adds the dispense facts and history notes. A sale paid entirely with points
moves no money: its dispense makes the record, ``captured`` with payment mode ``points`` (the
SALE makes the member's points final); a points refund's ``refunded`` makes it
``partially_refunded``, or ``refunded`` when no point is left to give back (``points_left``).
A step applies only from the states named: the ledger never moves a record backwards nor over
what the RPC path applied. Each change appends one ``transaction_history`` row
(``ledger:<TYPE>:<step>``, ``ledger:REFUND``). Values a device sends are checked; what cannot
be read is skipped and logged, never a reason to hold back ingest.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from sync.middleware import schema as t
from sync.middleware.canonical import (
    AUTHORIZED,
    CAPTURED,
    FAILED,
    GATEWAY,
    MANUAL_REVIEW,
    OFFLINE_PENDING,
    PARTIALLY_REFUNDED,
    POINTS,
    READER,
    REFUNDED,
    VOIDED,
    amount_or_none,
    currency_or_none,
    device_time,
    history_row,
    identifier_or_none,
    pos_numbers,
    reference_or_none,
)
from sync.middleware.messages import StreamKey
from sync.middleware.payments.requests import sale_fields
from sync.middleware.snapshots import InsertFactory
from sync.payments import TXN_ID_RE
from sync.protocol import EventType, canonical_json

log = logging.getLogger(__name__)

OFFLINE, REFUND = "offline", "refund"  # ledger_txns.mode, besides "reader" and "points"
# A purchase paid (partly) with points journals one of these first, not payment_started; with
# mode "points" (nothing left to pay by card) it is the only step with the sale's facts.
_REDEMPTION_STARTS = ("redeeming", "redeemed_offline")
_CHUNK = 500  # ids per IN (...) query
_NOTE_KEYS = ("reason", "by", "outcome", "doses_done", "points")  # points: a points refund
_OPEN = (AUTHORIZED, MANUAL_REVIEW)  # not settled: the reader's outcome may still move it
_COLUMNS = tuple(t.transactions.c.keys())


@dataclass(frozen=True)
class Fact:
    """One journal event, as the ledger path reads it."""

    seq: int
    kind: str
    step: str | None
    txn_id: str
    ts: str
    amount_minor: int
    data: dict[str, Any]

    @property
    def source(self) -> str:
        return (f"ledger:{self.kind}" + (f":{self.step}" if self.step else ""))[:64]


@dataclass
class _Ctx:
    mode: str
    record: str  # the global id of the record it feeds
    facts: dict[str, Any]
    new: bool = False


def _chunks(ids: set[str]) -> list[list[str]]:
    ordered = sorted(ids)  # lock order: sorted ids, as every writer of these rows
    return [ordered[i : i + _CHUNK] for i in range(0, len(ordered), _CHUNK)]


@dataclass
class Book:
    """The records and contexts one advance touches, changed in memory, then written."""

    conn: Connection
    insert: InsertFactory
    key: StreamKey
    now: datetime
    ctxs: dict[str, _Ctx] = field(default_factory=dict)
    recs: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    created: dict[str, dict[str, Any]] = field(default_factory=dict)  # inserted at flush
    dirty: dict[str, dict[str, Any]] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)

    def gid(self, txn_id: str) -> str:
        return f"{self.key.device_id}:{txn_id}"

    # -- reading ---------------------------------------------------------------------------
    def load(self, facts: list[Fact]) -> None:
        gids = {self.gid(f.txn_id) for f in facts}
        gids |= {self.gid(o) for o in map(_original, facts) if o is not None}
        x = t.ledger_txns.c
        for chunk in _chunks(gids):
            for row in self.conn.execute(select(t.ledger_txns).where(x.global_txn_id.in_(chunk))):
                self.ctxs[row.global_txn_id] = _Ctx(row.mode, row.record_txn_id, _json(row.facts))
        wanted = gids | {c.record for c in self.ctxs.values()}
        self.recs = {gid: None for gid in wanted}
        r = t.transactions.c
        for chunk in _chunks(wanted):
            query = select(t.transactions).where(r.global_txn_id.in_(chunk))
            for row in self.conn.execute(query.order_by(r.global_txn_id).with_for_update()):
                self.recs[row.global_txn_id] = dict(row._mapping)

    # -- applying --------------------------------------------------------------------------
    def apply(self, f: Fact) -> None:
        gid = self.gid(f.txn_id)
        ctx = self.ctxs.get(gid)
        if f.step == "dispense_succeeded":
            self._dispensed(gid, ctx, f)
        elif f.kind == EventType.REFUND.value:
            self._refund(f)
        elif f.step == "payment_started":
            self._started(gid, f)
        elif f.step in _REDEMPTION_STARTS:
            self._redemption_started(gid, f)
        elif f.step == "refund_requested":
            self._refund_requested(gid, f)
        elif ctx is not None and ctx.mode == REFUND:
            self._refund_step(ctx, f)
        elif _mode(ctx, self.recs.get(gid)) == READER:
            self._reader_step(gid, ctx, f)
        else:
            self._other_step(gid, ctx, f)

    def _started(self, gid: str, f: Fact) -> None:
        mode = f.data.get("mode")
        if mode not in (READER, OFFLINE) or gid in self.ctxs:
            return  # gateway payments: the RPC path makes their record
        self.ctxs[gid] = _Ctx(str(mode), gid, self._sale_facts(f), new=True)

    def _redemption_started(self, gid: str, f: Fact) -> None:
        """Points pay it all (mode ``points``): remember the sale as ``payment_started`` would.
        Points and a card: the card's ``payment_started`` follows and is remembered then."""
        if f.data.get("mode") != POINTS or gid in self.ctxs:
            return
        facts = self._sale_facts(f)
        points = f.data.get("redeem_points")
        if isinstance(points, int) and not isinstance(points, bool) and points > 0:
            facts["points"] = points  # kept for the history row, not a record column
        self.ctxs[gid] = _Ctx(POINTS, gid, facts, new=True)

    def _sale_facts(self, f: Fact) -> dict[str, Any]:
        subset = {"sku": f.data.get("sku"), "quote": f.data.get("quote")}
        facts = sale_fields(subset, self.key.device_id)
        facts.update(amount_minor=amount_or_none(f.data.get("amount_minor")))
        facts.update(currency=currency_or_none(f.data.get("currency")))
        return facts

    def _reader_step(self, gid: str, ctx: _Ctx | None, f: Fact) -> None:
        rec = self.recs.get(gid)
        status = None if rec is None else rec["settlement_status"]
        facts = {} if ctx is None else ctx.facts
        if f.step == "authorized":
            ref = reference_or_none(f.data.get("reader_reference"))
            amount = amount_or_none(f.data.get("approved_minor")) or facts.get("amount_minor")
            fields = {"payment_auth_id": ref, "reader_reference": ref, "amount_minor": amount}
            fields["authorized_at"] = device_time(f.ts, self.now)
            if rec is None:
                self._create(gid, ctx, f, AUTHORIZED, fields)
            else:
                self._change(gid, f, _missing(rec, {**facts, **fields}))
        elif f.step == "declined" and rec is None:
            self._create(gid, ctx, f, FAILED, {})
        elif f.step == "manual_review":
            if rec is None:
                self._create(gid, ctx, f, MANUAL_REVIEW, {})
            elif status == AUTHORIZED:
                self._change(gid, f, status=MANUAL_REVIEW)
        elif f.step == "voided" and status in _OPEN and rec and not rec["captured_minor"]:
            self._change(gid, f, status=VOIDED)
        elif f.step == "captured" and status in _OPEN and rec:
            self._change(gid, f, {"captured_minor": rec["amount_minor"]}, status=CAPTURED)
        elif f.step == "dispense_failed" and rec is not None:
            self._change(gid, f, {"dispense_status": "failed"})

    def _other_step(self, gid: str, ctx: _Ctx | None, f: Fact) -> None:
        """Gateway and offline sales: dispense facts and notes; settlement is the RPC's."""
        rec = self.recs.get(gid)
        if rec is None:
            return
        if f.step == "dispense_failed":
            self._change(gid, f, {"dispense_status": "failed"})
        elif f.step == "manual_review":
            ledger_owned = rec["settlement_status"] == OFFLINE_PENDING  # until authorized
            self._change(gid, f, status=MANUAL_REVIEW if ledger_owned else None, note=True)

    def _dispensed(self, gid: str, ctx: _Ctx | None, f: Fact) -> None:
        """The dispense succeeded (and the SALE moved the stock, in the same commit)."""
        rec = self.recs.get(gid)
        if rec is None and (ctx is None or ctx.mode not in (OFFLINE, POINTS)):
            return  # no payment this middleware knows of
        dispensed = {"dispense_status": "succeeded", "dispensed_at": device_time(f.ts, self.now)}
        if rec is None:
            assert ctx is not None
            if ctx.mode == POINTS:  # no money moved: sold, and settled, by the dispense
                self._create(gid, ctx, f, CAPTURED, {**dispensed, "payment_mode": POINTS})
                return
            fields = {**dispensed, "payment_mode": GATEWAY}
            self._create(gid, ctx, f, OFFLINE_PENDING, fields)
            return
        extra = _missing(rec, ctx.facts if ctx is not None else {})
        if rec["payment_mode"] == READER and rec["settlement_status"] in _OPEN:
            extra["captured_minor"] = rec["amount_minor"]
            self._change(gid, f, {**dispensed, **extra}, status=CAPTURED)
        else:
            self._change(gid, f, {**dispensed, **extra})

    def _refund_requested(self, gid: str, f: Fact) -> None:
        original = _original(f)
        if original is None or gid in self.ctxs:
            return
        facts = {"refund_minor": amount_or_none(f.data.get("refund_minor"))}
        if (left := amount_or_none(f.data.get("points_left"))) is not None:
            facts["points_left"] = left  # a points refund: what the sale still has to give back
        self.ctxs[gid] = _Ctx(REFUND, self.gid(original), facts, new=True)

    def _refund(self, f: Fact) -> None:
        original = _original(f)
        rec = None if original is None else self.recs.get(self.gid(original))
        if original is None or rec is None:
            return
        operator = identifier_or_none(f.data.get("operator_id"))
        detail = {"refundTxnId": f.txn_id, "amountMinor": f.amount_minor, "operator": operator}
        filled = _missing(rec, {"operator_id": operator})
        self._change(self.gid(original), f, filled, note=True, detail=detail)

    def _refund_step(self, ctx: _Ctx, f: Fact) -> None:
        rec = self.recs.get(ctx.record)
        if rec is None:
            return
        if f.step == "manual_review":
            self._change(ctx.record, f, note=True, detail={"refundTxnId": f.txn_id})
            return
        mode = rec["payment_mode"]
        if f.step != "refunded" or mode not in (READER, POINTS):
            return  # a gateway refund: the RPC path applied it
        if rec["settlement_status"] not in (CAPTURED, PARTIALLY_REFUNDED):
            return
        refunded = int(rec["refunded_minor"]) + int(ctx.facts.get("refund_minor") or 0)
        if mode == POINTS:  # no money moved: whole once none of its points is left to give back
            whole = ctx.facts.get("points_left") == 0
        else:
            whole = refunded >= int(rec["captured_minor"])
        after = REFUNDED if whole else PARTIALLY_REFUNDED
        detail = {"refundTxnId": f.txn_id}
        self._change(ctx.record, f, {"refunded_minor": refunded}, status=after, detail=detail)

    # -- writing ---------------------------------------------------------------------------
    def _create(
        self, gid: str, ctx: _Ctx | None, f: Fact, status: str, fields: dict[str, Any]
    ) -> None:
        if ctx is None:  # its payment_started came before this middleware kept contexts
            log.warning("%s: no payment_started known; no record made from %s", gid, f.source)
            return
        row = {
            "global_txn_id": gid,
            "device_id": self.key.device_id,
            "txn_id": f.txn_id,
            **ctx.facts,
            "payment_mode": READER if ctx.mode == READER else GATEWAY,
            **fields,
            "settlement_status": status,
            "created_at": device_time(f.ts, self.now),
            "updated_at": self.now,
        }
        row["amount_minor"] = row.get("amount_minor") or 0
        rec = {name: row.get(name) for name in _COLUMNS}
        captured = rec["amount_minor"] if status == CAPTURED else 0
        rec.update(captured_minor=captured, refunded_minor=0)
        self.recs[gid] = self.created[gid] = rec
        detail = {"points": ctx.facts["points"]} if "points" in ctx.facts else {}
        self.history.append(self._history(gid, f, None, status, detail))

    def _change(
        self,
        gid: str,
        f: Fact,
        values: dict[str, Any] | None = None,
        *,
        status: str | None = None,
        note: bool = False,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Apply ``values`` (and ``status``) to the record; one history row if anything changed
        (or always, for a ``note``)."""
        rec = self.recs[gid]
        assert rec is not None
        before = str(rec["settlement_status"])
        after = status or before
        changed = {k: v for k, v in (values or {}).items() if rec.get(k) != v}
        if after == before and not changed and not note:
            return
        changed["settlement_status"] = after
        rec.update(changed)
        if gid not in self.created:  # a new record is inserted as it ends up
            self.dirty.setdefault(gid, {}).update(changed, updated_at=self.now)
        self.history.append(self._history(gid, f, before, after, detail or {}))

    def _history(
        self, gid: str, f: Fact, before: str | None, after: str, detail: dict[str, Any]
    ) -> dict[str, Any]:
        details = {"epoch": self.key.epoch, "seq": f.seq, "ts": f.ts, **detail}
        for name in _NOTE_KEYS:
            value = f.data.get(name)
            if isinstance(value, str | int) and not isinstance(value, bool):
                details[name] = value if isinstance(value, int) else value[:100]
        return history_row(
            gid, at=self.now, before=before, after=after, source=f.source, details=details
        )

    def flush(self) -> None:
        new = [
            {
                "global_txn_id": gid,
                "mode": ctx.mode,
                "record_txn_id": ctx.record,
                "facts": canonical_json(ctx.facts),
                "created_at": self.now,
            }
            for gid, ctx in self.ctxs.items()
            if ctx.new and gid not in self.created  # a record made here holds its facts
        ]
        if new:
            self.conn.execute(self.insert(t.ledger_txns).on_conflict_do_nothing(), new)
        stores: dict[str, list[dict[str, Any]]] = {}
        for rec in self.created.values():  # POS numbers in journal order, one block per store
            stores.setdefault(str(rec["store_id"]), []).append(rec)
        for store, recs in sorted(stores.items()):
            numbers = pos_numbers(self.conn, self.insert, store, len(recs))
            for rec, number in zip(recs, numbers, strict=True):
                rec["pos_txn_id"] = number
        if self.created:  # a concurrent creation fails this (IntegrityError): applied again
            self.conn.execute(t.transactions.insert(), list(self.created.values()))
        r = t.transactions.c
        for gid in sorted(self.dirty):
            stmt = update(t.transactions).where(r.global_txn_id == gid)
            self.conn.execute(stmt.values(**self.dirty[gid]))
        if self.history:
            self.conn.execute(t.transaction_history.insert(), self.history)


# -- reading device values (never trusted: wrong shapes become None) ----------------------------
def _original(f: Fact) -> str | None:
    """The sale a refund event or a refund transaction's request refers to."""
    if f.kind != EventType.REFUND.value and f.step != "refund_requested":
        return None
    value = f.data.get("original_txn")
    return value if isinstance(value, str) and TXN_ID_RE.fullmatch(value) else None


def _mode(ctx: _Ctx | None, rec: dict[str, Any] | None) -> str | None:
    """Whose journal this is: the context's mode, else the record's payment mode."""
    if ctx is not None:
        return ctx.mode
    return None if rec is None else str(rec["payment_mode"])


def _json(text: str) -> dict[str, Any]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def _missing(rec: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The ``values`` the record does not have yet (the ledger fills gaps, never overwrites)."""
    return {k: v for k, v in values.items() if v is not None and rec.get(k) is None}
