"""Driver for the tokenizing payment terminal (a ``CardReader`` in GATEWAY mode).

The terminal reads the card itself and hands the kiosk only a payment token, the card brand
and the last 4 digits; the middleware authorizes the token with the payment gateway. Open one
with :func:`hardware.terminal.device.open_terminal`. Protocol bytes: docs/hardware/terminal.md.
"""
