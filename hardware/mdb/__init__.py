"""MDB/ICP cashless card-reader driver (the kiosk is the VMC, bus master).

Offers :class:`hardware.mdb.device.MdbCardReader` (a ``hardware.cardreader.CardReader`` with
``AuthorizationMode.READER``), the factories :func:`hardware.mdb.device.open_card_reader` and
:func:`hardware.mdb.device.open_card_readers` (several cashless addresses on one bus), and the
simulator factory :func:`hardware.mdb.simulator.create_simulator`. See docs/hardware/mdb.md.
"""
