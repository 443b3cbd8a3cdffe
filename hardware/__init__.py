"""Device drivers for the perfume kiosk: card readers, dispenser board and loyalty scanner.

Each device package (``mdb``, ``terminal``, ``dispenser``, ``scanner``) holds the same files:
transport, framing, messages, protocol, device, simulator and errors. ``hardware.common`` holds
what they share. This package never imports ``kiosk`` or ``sync``.
"""
