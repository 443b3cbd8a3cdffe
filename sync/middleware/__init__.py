"""The reference POS middleware: receives every kiosk's ledger events over MQTT, stores each
exactly once, keeps a contiguous high-water mark and an on-hand projection per stream, acks
after commit, asks for missing ranges, and checks device snapshots against its projection.

Modules: ``schema`` (tables), ``db`` (engines, migrations, retried transactions),
``messages`` (classifying what arrived, pure), ``ingest`` (the pure-DB ingest logic, with
``records``, ``snapshots``, ``devices`` and ``sales``: the canonical transaction records fed
by the devices' journals), ``canonical`` (the record's states and shared writes, with
``payments``), ``report`` (the status view), ``service`` (the asyncio MQTT service) and ``cli``
(the ``perfume-kiosk middleware`` subcommand).
"""
