"""The device ledger's tables (as Alembic created them) and the raw SQL of its hot path.

The commit path (event + on-hand + outbox row, and the journal) runs as fixed SQL on the
DBAPI connection inside the SQLAlchemy transaction: SQLAlchemy Core cost ~40 % of a durable
commit here (bench/ledger_commit.py). Everything else uses Core.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Integer, MetaData, String, Table, Text

_md = MetaData()
meta_t = Table(
    "ledger_meta",
    _md,
    Column("id", Integer, primary_key=True),
    Column("device_id", String(64)),
    Column("epoch", BigInteger),
    Column("acked_seq", BigInteger),
    Column("created_at", String(32)),
)
events_t = Table(
    "events",
    _md,
    Column("seq", BigInteger, primary_key=True),
    Column("type", String(16)),
    Column("ts", String(32)),
    Column("sku", String(64)),
    Column("qty", BigInteger),
    Column("unit", String(8)),
    Column("amount_minor", BigInteger),
    Column("currency", String(3)),
    Column("txn_id", String(64)),
    Column("hash", String(64)),
    Column("wire", Text),
)
on_hand_t = Table(
    "on_hand",
    _md,
    Column("sku", String(64), primary_key=True),
    Column("qty", BigInteger),
    Column("unit", String(8)),
    Column("last_seq", BigInteger),
)
outbox_t = Table(
    "outbox",
    _md,
    Column("seq", BigInteger, primary_key=True),
    Column("bytes", Integer),
    Column("enqueued_at", Float),
)

journal_t = Table(
    "txn_journal",
    _md,
    Column("txn_id", String(64), primary_key=True),
    Column("step", String(32)),
    Column("open", Boolean),
    Column("first_seq", BigInteger),
    Column("last_seq", BigInteger),
    Column("updated_ts", String(32)),
)


INSERT_EVENT = (
    "INSERT INTO events (seq, type, ts, sku, qty, unit, amount_minor, currency, txn_id, hash,"
    " wire) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_OUTBOX = "INSERT INTO outbox (seq, bytes, enqueued_at) VALUES (?, ?, ?)"
MOVE_STOCK = "UPDATE on_hand SET qty = qty + ?, last_seq = ? WHERE sku = ? AND qty + ? >= 0"
ON_HAND_OF = "SELECT qty FROM on_hand WHERE sku = ?"
ADD_STOCK = "INSERT INTO on_hand (sku, qty, unit, last_seq) VALUES (?, ?, ?, ?)"
UPSERT_JOURNAL = (
    "INSERT INTO txn_journal (txn_id, step, open, first_seq, last_seq, updated_ts)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (txn_id) DO UPDATE SET step = excluded.step,"
    " open = excluded.open, last_seq = excluded.last_seq, updated_ts = excluded.updated_ts"
)
