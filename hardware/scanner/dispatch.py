"""What both scan sources do with a decoded code before anyone sees it, and how it is delivered.

:class:`ScanDispatcher` applies, in order: the debounce window (the same code seen again
within ``debounce`` seconds of its last sighting is suppressed, so a code held in front of the
camera is reported once, not 30 times a second), the card-number canary (a scan holding card
data is dropped and logged redacted) and the length limit. Surviving scans become
:class:`~hardware.scanner.events.ScanDidDecode` events delivered to listeners and to every open
:class:`ScanStream` (an async iterator).

Debounce keys are keyed BLAKE2 digests with a per-process random key, so no scanned content
(let alone a card number) is kept in memory for debouncing.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from collections.abc import Callable
from types import TracebackType

from hardware.common.pan import contains_card_data, redact
from hardware.scanner.events import (
    RejectReason,
    ScanDidDecode,
    ScanDidReject,
    ScanEvent,
    ScannerEvent,
    ScannerListener,
    ScanSource,
)
from hardware.scanner.symbology import Symbology

log = logging.getLogger(__name__)

Clock = Callable[[], float]
DEFAULT_DEBOUNCE = 1.5
DEFAULT_MAX_DATA = 256
STREAM_DEPTH = 32


def scan_text(data: bytes) -> str:
    """UTF-8 when valid, else ISO 8859-1 (lossless for any bytes)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


class ScanStream:
    """An async iterator of decoded scans; ends when the scanner closes or on :meth:`close`.

    Use ``async with scanner.scans() as stream: async for scan in stream: ...``. Holds at most
    :data:`STREAM_DEPTH` unread scans; beyond that the oldest is dropped.
    """

    def __init__(self, on_close: Callable[[ScanStream], None]) -> None:
        self._queue: asyncio.Queue[ScanEvent | None] = asyncio.Queue(STREAM_DEPTH)
        self._on_close = on_close
        self._closed = False

    def _put(self, item: ScanEvent | None) -> None:
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(item)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._on_close(self)
            self._put(None)

    def __aiter__(self) -> ScanStream:
        return self

    async def __anext__(self) -> ScanEvent:
        item = await self._queue.get()
        if item is None:
            self._closed = True
            raise StopAsyncIteration
        return item

    async def __aenter__(self) -> ScanStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class ScanDispatcher:
    """Debounce, canary and fan-out for one scanner."""

    def __init__(
        self,
        source: ScanSource,
        *,
        debounce: float = DEFAULT_DEBOUNCE,
        max_data: int = DEFAULT_MAX_DATA,
        clock: Clock = time.monotonic,
    ) -> None:
        self.source = source
        self._debounce = debounce
        self._max_data = max_data
        self._clock = clock
        self._key = os.urandom(16)
        self._last_seen: dict[bytes, float] = {}
        self._listeners: list[ScannerListener] = []
        self._streams: set[ScanStream] = set()
        self.suppressed = 0  # repeats swallowed by the debounce window
        self.rejected = 0

    def add_listener(self, listener: ScannerListener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: ScannerListener) -> None:
        self._listeners.remove(listener)

    def open_stream(self) -> ScanStream:
        stream = ScanStream(self._streams.discard)
        self._streams.add(stream)
        return stream

    def close(self) -> None:
        """End every open stream (listeners stay registered)."""
        for stream in list(self._streams):
            stream.close()

    def emit(self, event: ScannerEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                # A listener's bug must not stop the driver that is delivering the event.
                log.exception("scanner listener %r failed", listener)
        if isinstance(event, ScanDidDecode):
            for stream in list(self._streams):
                stream._put(event.scan)

    def offer(self, symbology: Symbology, data: bytes) -> ScannerEvent | None:
        """Run one decoded code through debounce, canary and limits; emit and return the
        resulting event, or None when the debounce window swallowed it."""
        now = self._clock()
        if self._seen_recently(symbology, data, now):
            self.suppressed += 1
            return None
        event: ScannerEvent
        text = scan_text(data)
        if contains_card_data(text) or contains_card_data(data):
            self.rejected += 1
            # Only the redacted form is ever logged; the text itself goes nowhere.
            log.warning(
                "%s scan dropped: card data (%d bytes, %s): %s",
                self.source.value,
                len(data),
                symbology.value,
                redact(text)[:80],
            )
            event = ScanDidReject(RejectReason.CARD_DATA, symbology, self.source, len(data))
        elif len(data) > self._max_data:
            self.rejected += 1
            log.info("%s scan dropped: %d bytes > %d", self.source.value, len(data), self._max_data)
            event = ScanDidReject(RejectReason.TOO_LONG, symbology, self.source, len(data))
        else:
            event = ScanDidDecode(ScanEvent(text, symbology, self.source, data, now))
        self.emit(event)
        return event

    def _seen_recently(self, symbology: Symbology, data: bytes, now: float) -> bool:
        digest = hashlib.blake2b(
            symbology.value.encode() + b"\0" + data, key=self._key, digest_size=16
        ).digest()
        last = self._last_seen.get(digest)
        self._last_seen[digest] = now
        if len(self._last_seen) > 256:
            horizon = now - self._debounce
            self._last_seen = {k: t for k, t in self._last_seen.items() if t >= horizon}
        return last is not None and now - last < self._debounce
