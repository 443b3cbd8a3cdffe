"""The reference POS middleware: receives every kiosk's ledger events over MQTT, stores each
exactly once, keeps a contiguous high-water mark and an on-hand projection per stream, acks
after commit, asks for missing ranges, and checks device snapshots against its projection.

Modules: ``schema`` (tables), ``db`` (engines, migrations, retried transactions),
``messages`` (classifying what arrived, pure), ``ingest`` (the pure-DB ingest logic, with
``records``, ``snapshots`` and ``devices``), ``report`` (the status view), ``service`` (the
asyncio MQTT service) and ``cli`` (the ``perfume-kiosk middleware`` subcommand).
"""
