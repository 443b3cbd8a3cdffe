"""Everything that moves data between the machine and the POS: the device ledger and outbox,
the MQTT sync engine, the wire protocol both ends share, and ``sync.middleware``, the reference
POS middleware. This package never imports ``kiosk`` or ``hardware``."""
