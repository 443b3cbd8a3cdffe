"""Loyalty accounts at the middleware, on SQLite and PostgreSQL: accruals projected from the
ingested LOYALTY events exactly once (duplicates, reordering), redemption holds (insufficient
points, stored answers, conflicts, tombstones), a SALE that spends points making its hold final
exactly once, releases, offline redemptions, a refund's reversal and restore (once, below zero
with a warning, malformed ones ignored), and a randomized interleaving of all of it."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from sync.middleware import schema as t
from sync.middleware.ingest import Ingestor
from sync.middleware.loyalty_rpc import LoyaltyBook, LoyaltyRpc
from sync.middleware.payments.requests import BadRequest, RpcCall
from sync.protocol import EventType
from tests.sync.middleware.support import inbound, make_event

DEV = "pk-0001"


def accrual(seq: int, member: str, points: int, *, txn: str | None = None) -> Any:
    ev = make_event(
        seq,
        kind=EventType.LOYALTY,
        sku=None,
        qty=0,
        amount=0,
        data={"member_id": member, "points": points, "kind": "accrual"},
    )
    return ev if txn is None else _with_txn(ev, txn)


def sale(seq: int, txn: str, member: str, points: int, *, offline: bool = False) -> Any:
    data: dict[str, Any] = {"kind": "spray", "doses": 3, "member_id": member}
    data.update(points_redeemed=points, redemption="offline" if offline else "online")
    return _with_txn(make_event(seq, kind=EventType.SALE, qty=0, data=data), txn)


def refund_move(seq: int, kind: Any, member: Any, points: Any, *, original: str = "t-s") -> Any:
    """A refund's LOYALTY event (kind "reversal" or "restore") of transaction ``{original}.r1``."""
    ev = make_event(
        seq,
        kind=EventType.LOYALTY,
        sku=None,
        qty=0,
        amount=0,
        data={"kind": kind, "member_id": member, "points": points, "original_txn": original},
    )
    return _with_txn(ev, f"{original}.r1")


def restock(seq: int) -> Any:
    return make_event(seq, kind=EventType.RESTOCK, qty=1_000_000)


def _with_txn(ev: Any, txn: str) -> Any:
    from dataclasses import replace

    return replace(ev, txn_id=txn)


def balance(book: LoyaltyBook, member: str) -> tuple[int, int, int]:
    b = book.balance(member)
    return b.balance, b.held, b.available


def entries_sum(engine: Engine, member: str) -> int:
    c = t.loyalty_entries.c
    with engine.connect() as conn:
        total = conn.execute(
            select(func.coalesce(func.sum(c.points), 0)).where(c.member_id == member)
        ).scalar_one()
    return int(total)


def error(reply: Any) -> str | None:
    return None if reply.error is None else str(reply.error[0])


def test_accruals_are_projected_once_whatever_the_delivery(engine: Engine) -> None:
    ing, book = Ingestor(engine), LoyaltyBook(engine)
    evs = [restock(1), accrual(2, "m-1", 30), accrual(3, "m-2", 5), accrual(4, "m-1", 12)]
    ing.ingest([inbound(evs[3])])  # early: held beyond H, not counted yet
    assert balance(book, "m-1") == (0, 0, 0)
    for _ in range(3):  # the rest, three times over
        ing.ingest([inbound(*evs[:3])])
    ing.ingest([inbound(*evs)])
    assert balance(book, "m-1") == (42, 0, 42)
    assert balance(book, "m-2") == (5, 0, 5)
    assert entries_sum(engine, "m-1") == 42


def test_redeem_holds_and_refuses_beyond_what_is_available(engine: Engine) -> None:
    ing, book = Ingestor(engine), LoyaltyBook(engine)
    ing.ingest([inbound(restock(1), accrual(2, "m-1", 100))])
    first = book.redeem(DEV, "t-a", "m-1", 60)
    assert first.result == {"status": "HELD", "memberId": "m-1", "points": 60, "available": 40}
    assert balance(book, "m-1") == (100, 60, 40)
    refused = book.redeem(DEV, "t-b", "m-1", 41)  # balance − holds = 40 < 41
    assert error(refused) == "insufficient_points"
    assert balance(book, "m-1") == (100, 60, 40)
    # the same request again (a duplicate delivery) gets the stored answers, nothing more held
    assert book.redeem(DEV, "t-a", "m-1", 60) == first
    assert error(book.redeem(DEV, "t-b", "m-1", 41)) == "insufficient_points"
    assert balance(book, "m-1") == (100, 60, 40)
    # the same key with other parameters is a conflict, never a second hold
    assert error(book.redeem(DEV, "t-a", "m-1", 10)) == "idempotency_conflict"
    assert error(book.redeem("pk-other", "t-b", "m-1", 40)) is None  # another device's key
    assert balance(book, "m-1") == (100, 100, 0)


def test_a_sale_makes_its_hold_final_exactly_once(engine: Engine) -> None:
    ing, book = Ingestor(engine), LoyaltyBook(engine)
    ing.ingest([inbound(restock(1), accrual(2, "m-1", 100))])
    assert error(book.redeem(DEV, "t-s", "m-1", 70)) is None
    msg = inbound(sale(3, "t-s", "m-1", 70), accrual(4, "m-1", 3, txn="t-s"))
    for _ in range(3):  # duplicate deliveries of the SALE
        ing.ingest([msg])
    assert balance(book, "m-1") == (33, 0, 33)
    assert [h["state"] for h in book.holds("m-1")] == ["final"]
    assert error(book.release(DEV, "t-s", "m-1")) == "invalid_state"
    assert balance(book, "m-1") == (33, 0, 33)
    assert entries_sum(engine, "m-1") == 33


def test_release_drops_the_hold_and_a_late_redeem_is_refused(engine: Engine) -> None:
    ing, book = Ingestor(engine), LoyaltyBook(engine)
    ing.ingest([inbound(restock(1), accrual(2, "m-1", 50))])
    assert error(book.redeem(DEV, "t-r", "m-1", 50)) is None
    released = book.release(DEV, "t-r", "m-1")
    assert released.result == {
        "status": "RELEASED",
        "memberId": "m-1",
        "points": 50,
        "available": 50,
    }
    again = book.release(DEV, "t-r", "m-1")  # idempotent
    assert again.result is not None and again.result["points"] == 0
    assert balance(book, "m-1") == (50, 0, 50)
    # released before the redeem arrived (a delayed request): a tombstone refuses it
    assert book.release(DEV, "t-late", "m-1").result is not None
    assert error(book.redeem(DEV, "t-late", "m-1", 10)) == "invalid_state"
    assert balance(book, "m-1") == (50, 0, 50)
    assert error(book.release(DEV, "t-r", "m-9")) == "bad_request"


def test_holds_left_too_long_are_released_and_a_late_sale_still_debits(engine: Engine) -> None:
    """A kiosk that never comes back must not keep a member's points out of reach: the
    middleware's sweeper releases holds older than its threshold. Young holds, final holds
    and released ones are left alone; a SALE arriving after the expiry still spends."""
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    clock = [now]
    ing, book = Ingestor(engine), LoyaltyBook(engine, clock=lambda: clock[0])
    ing.ingest([inbound(restock(1), accrual(2, "m-1", 100), accrual(3, "m-2", 40))])
    assert error(book.redeem(DEV, "t-old", "m-1", 30)) is None
    assert error(book.redeem(DEV, "t-gone", "m-2", 40)) is None
    clock[0] = now + timedelta(hours=10)
    assert error(book.redeem(DEV, "t-young", "m-1", 20)) is None
    assert balance(book, "m-1") == (100, 50, 50)

    cutoff = now + timedelta(hours=1)  # older than this: expired
    assert book.expire_holds(cutoff) == [f"{DEV}:t-gone:redeem", f"{DEV}:t-old:redeem"]
    assert balance(book, "m-1") == (100, 20, 80) and balance(book, "m-2") == (40, 0, 40)
    assert book.expire_holds(cutoff) == []  # nothing left to release: idempotent
    states = {h["txn_id"]: h["state"] for h in book.holds()}
    assert states == {"t-old": "released", "t-gone": "released", "t-young": "held"}
    assert error(book.redeem(DEV, "t-old", "m-1", 30)) == "invalid_state"  # a late retry

    ing.ingest([inbound(sale(4, "t-old", "m-1", 30))])  # the kiosk did sell, long after
    assert balance(book, "m-1") == (70, 20, 50)
    assert entries_sum(engine, "m-1") == 70


def test_an_offline_redemption_is_debited_without_a_hold(engine: Engine) -> None:
    ing, book = Ingestor(engine), LoyaltyBook(engine)
    ing.ingest([inbound(restock(1), accrual(2, "m-1", 10))])
    ing.ingest([inbound(sale(3, "t-off", "m-1", 25, offline=True))])
    ing.ingest([inbound(sale(3, "t-off", "m-1", 25, offline=True))])
    assert balance(book, "m-1") == (-15, 0, -15)  # the kiosk's offline cap bounds this
    assert error(book.redeem(DEV, "t-next", "m-1", 1)) == "insufficient_points"
    assert error(book.release(DEV, "t-off", "m-1")) == "invalid_state"


def test_malformed_loyalty_data_is_ignored_not_fatal(engine: Engine) -> None:
    ing, book = Ingestor(engine), LoyaltyBook(engine)
    bad = [
        make_event(2, kind=EventType.LOYALTY, sku=None, qty=0, amount=0, data=d)
        for d in ({"member_id": "x y", "points": 5, "kind": "accrual"},)
    ]
    bad.append(
        make_event(3, kind=EventType.LOYALTY, sku=None, qty=0, amount=0,
                   data={"member_id": "m-1", "points": -5, "kind": "accrual"})
    )  # fmt: skip
    bad.append(sale(4, "t-x", "m-1", True))  # points True: a bool is no number of points
    out = ing.ingest([inbound(restock(1), *bad, accrual(5, "m-1", 7))])
    assert out.streams[0].high_water == 5
    assert balance(book, "m-1") == (7, 0, 7)


def refund_entries(engine: Engine, txn: str) -> list[tuple[str, int, str]]:
    c = t.loyalty_entries.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(c.kind, c.points, c.details).where(c.txn_id == txn).order_by(c.seq)
        ).all()
    return [(str(k), int(p), str(d)) for k, p, d in rows]


def test_a_refund_takes_earned_points_back_and_gives_spent_ones_back_once(
    engine: Engine,
) -> None:
    ing, book = Ingestor(engine), LoyaltyBook(engine)
    ing.ingest([inbound(restock(1), accrual(2, "m-1", 100))])
    assert error(book.redeem(DEV, "t-s", "m-1", 40)) is None
    ing.ingest([inbound(sale(3, "t-s", "m-1", 40), accrual(4, "m-1", 12, txn="t-s"))])
    assert balance(book, "m-1") == (72, 0, 72)
    moves = [refund_move(5, "reversal", "m-1", 12), refund_move(6, "restore", "m-1", 40)]
    ing.ingest([inbound(moves[1])])  # early: held beyond H, not counted yet
    assert balance(book, "m-1") == (72, 0, 72)
    for _ in range(3):  # the same events delivered again and again
        ing.ingest([inbound(*moves)])
    assert balance(book, "m-1") == (100, 0, 100)
    assert entries_sum(engine, "m-1") == 100
    original = '{"original_txn":"t-s"}'
    assert refund_entries(engine, "t-s.r1") == [
        ("reversal", -12, original),
        ("restore", 40, original),
    ]


def test_a_reversal_may_take_the_balance_below_zero_with_a_warning(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """The member spent the earned points before the refund: they owe them (like an offline
    redemption beyond the balance), and the log says so."""
    ing, book = Ingestor(engine), LoyaltyBook(engine)
    ing.ingest([inbound(restock(1), accrual(2, "m-1", 30, txn="t-s"))])
    ing.ingest([inbound(sale(3, "t-o", "m-1", 25, offline=True))])
    with caplog.at_level(logging.WARNING, logger="sync.middleware.loyalty"):
        ing.ingest([inbound(refund_move(4, "reversal", "m-1", 30))])
    assert balance(book, "m-1") == (-25, 0, -25)
    assert [r.getMessage() for r in caplog.records] == [
        "m-1: a refund took back 30 points, the balance is now -25"
    ]


def test_malformed_refund_moves_are_ignored_with_one_warning_each(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    ing, book = Ingestor(engine), LoyaltyBook(engine)
    bad = [
        refund_move(2, "reversal", "x y", 5),
        refund_move(3, "reversal", "m-1", 0),
        refund_move(4, "reversal", "m-1", True),
        refund_move(5, "restore", "m-1", "7"),
        refund_move(6, "restore", None, 7),
        refund_move(7, ["reversal"], "m-1", 5),  # not a kind at all: not a points move
    ]
    with caplog.at_level(logging.WARNING, logger="sync.middleware.loyalty"):
        out = ing.ingest([inbound(restock(1), *bad, accrual(8, "m-1", 9))])
    assert out.streams[0].high_water == 8
    assert balance(book, "m-1") == (9, 0, 9)
    assert [r.getMessage() for r in caplog.records] == [
        f"loyalty {kind} {DEV}:1:{seq} ignored: bad member or points"
        for kind, seq in (("reversal", 2), ("reversal", 3), ("reversal", 4), ("restore", 5),
                          ("restore", 6))
    ]  # fmt: skip


def test_adjustments_are_journalled(engine: Engine) -> None:
    book = LoyaltyBook(engine)
    assert book.adjust("m-7", 250, reason="goodwill", operator_id="op-1").balance == 250
    assert book.adjust("m-7", -50, reason="correction", operator_id="op-1").balance == 200
    assert entries_sum(engine, "m-7") == 200
    with pytest.raises(ValueError):
        book.adjust("m-7", 0, reason="x", operator_id="op-1")


def test_rpc_handler_checks_its_parameters(engine: Engine) -> None:
    rpc = LoyaltyRpc(engine)
    assert rpc.handle(DEV, RpcCall("c1", "loyalty.balance", {"memberId": "m-1"})).result == {
        "memberId": "m-1",
        "balance": 0,
        "held": 0,
        "available": 0,
    }
    for method, params in (
        ("loyalty.balance", {"memberId": "no spaces"}),
        ("loyalty.redeem", {"memberId": "m-1", "txnId": "t-1", "points": 0}),
        ("loyalty.redeem", {"memberId": "m-1", "txnId": "t-1", "points": True}),
        ("loyalty.redeem", {"memberId": "m-1", "txnId": "bad id", "points": 3}),
        ("loyalty.release", {"memberId": "m-1"}),
    ):
        with pytest.raises(BadRequest) as bad:
            rpc.handle(DEV, RpcCall("c2", method, params))
        assert bad.value.corr == "c2" and bad.value.code == "bad_request"


def test_random_interleavings_keep_the_books(engine: Engine) -> None:
    """Accruals, redeems, releases and sales in a random order, each delivered 1-3 times, some
    events early: balance = accrued − spent, held = the open holds, entries sum to balance."""
    rng = random.Random(7)
    ing, book = Ingestor(engine), LoyaltyBook(engine)
    members = ["m-a", "m-b"]
    seq, pending = 1, [restock(1)]
    accrued, spent = dict.fromkeys(members, 0), dict.fromkeys(members, 0)
    open_holds: dict[str, tuple[str, int]] = {}
    for i in range(60):
        member = rng.choice(members)
        roll = rng.random()
        if roll < 0.4:
            seq += 1
            points = rng.randint(1, 40)
            pending.append(accrual(seq, member, points))
            accrued[member] += points
        elif roll < 0.7:
            txn, want = f"t-{i}", rng.randint(1, 30)
            reply = book.redeem(DEV, txn, member, want)
            for _ in range(rng.randint(0, 2)):
                assert book.redeem(DEV, txn, member, want) == reply
            if reply.result is not None:
                open_holds[txn] = (member, int(reply.result["points"]))
        elif open_holds:
            txn = rng.choice(sorted(open_holds))
            holder, points = open_holds.pop(txn)
            if rng.random() < 0.5:
                book.release(DEV, txn, holder)
            else:
                seq += 1
                pending.append(sale(seq, txn, holder, points))
                spent[holder] += points
        if pending and rng.random() < 0.5:  # deliver what is pending, shuffled and duplicated
            batch = pending + rng.sample(pending, k=min(len(pending), rng.randint(0, 3)))
            rng.shuffle(batch)
            for ev in batch:
                ing.ingest([inbound(ev)])
            pending = []
    for ev in pending:
        ing.ingest([inbound(ev)])
    for member in members:
        held = sum(p for m, p in open_holds.values() if m == member)
        assert balance(book, member) == (
            accrued[member] - spent[member],
            held,
            accrued[member] - spent[member] - held,
        )
        assert entries_sum(engine, member) == accrued[member] - spent[member]
