"""The payment terminal driver's timings (:class:`TerminalTimings`), in a module of their own.

They are the ``[hardware]`` configuration's terminal options, so the configuration check
(:mod:`hardware.config`) reads them from here without importing the driver (asyncio, the
transports). :mod:`hardware.terminal.session` and :mod:`hardware.terminal.device` re-export them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class TerminalTimings:
    """Protocol and supervision timings in seconds (tests shorten them)."""

    ack_timeout: float = 0.5  # wait for ACK/NAK before retransmitting
    reply_timeout: float = 2.0  # wait for the reply once a request was ACKed
    tries: int = 3  # transmissions of one frame in all
    poll_interval: float = 2.0  # status poll while connected (detects a dead terminal)
    payment_grace: float = 5.0  # wait beyond the shopper timeout for the terminal's verdict
    processing_timeout: float = 60.0  # wait after the card was presented
    reconnect_min: float = 0.2
    reconnect_max: float = 10.0
    open_timeout: float = 3.0
    start_wait: float = 10.0  # how long start() waits for the first connection attempt
