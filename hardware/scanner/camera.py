"""Loyalty scans from camera frames, decoded with zbar (pyzbar) off the event loop.

No Qt here: the UI layer turns each Qt camera frame into a :class:`Frame` (8-bit grayscale
bytes) and calls :meth:`CameraLoyaltyScanner.submit_frame`, a plain non-blocking method.

Flow control: at most one decode runs at a time (in the executor, through
:func:`hardware.common.transport.run_blocking`); while it runs, the newest submitted frame waits
in a single slot and replaces any older waiting frame (counted as dropped), so a slow decode
never builds a queue and the decoder always works on the freshest picture. The shared
:class:`~hardware.scanner.dispatch.ScanDispatcher` then debounces (a code held in view is
reported once) and drops card numbers.

Live preview: :meth:`CameraLoyaltyScanner.add_frame_listener` hands every frame the decoder is
offered to a listener as well (the touchscreen shows it), synchronously and before decoding.
Listeners only display frames; none may keep or send them anywhere.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from pyzbar import pyzbar

from hardware.common.state import DeviceState, DeviceStateHolder
from hardware.common.transport import run_blocking
from hardware.scanner.device import LoyaltyScanner
from hardware.scanner.dispatch import DEFAULT_DEBOUNCE, DEFAULT_MAX_DATA, Clock, ScanDispatcher
from hardware.scanner.errors import InvalidFrameError
from hardware.scanner.events import ScannerStateDidChange, ScanSource
from hardware.scanner.messages import ScannerIdentity
from hardware.scanner.symbology import Symbology, from_zbar

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frame:
    """One 8-bit grayscale picture, row-major, ``width * height`` bytes."""

    width: int
    height: int
    gray: bytes

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0 or len(self.gray) != self.width * self.height:
            raise InvalidFrameError(
                f"frame {self.width}x{self.height} needs {self.width * self.height} bytes, "
                f"got {len(self.gray)}"
            )

    @classmethod
    def from_image(cls, image: Image.Image) -> Frame:
        """Convert a PIL image (any mode) to a grayscale frame."""
        gray = image.convert("L")
        return cls(gray.width, gray.height, gray.tobytes())


@dataclass(frozen=True)
class DecodedSymbol:
    symbology: Symbology
    data: bytes


# Loyalty codes are QR; printed loyalty cards carry Code 128 or EAN-13. zbar's other linear
# decoders (Interleaved 2 of 5 above all) find phantom codes in the modules of a dense QR.
DEFAULT_SYMBOLOGIES = frozenset({Symbology.QR_CODE, Symbology.CODE_128, Symbology.EAN_13})
_ZBAR_SYMBOLS = {
    Symbology.QR_CODE: pyzbar.ZBarSymbol.QRCODE,
    Symbology.PDF417: pyzbar.ZBarSymbol.PDF417,
    Symbology.CODE_128: pyzbar.ZBarSymbol.CODE128,
    Symbology.CODE_39: pyzbar.ZBarSymbol.CODE39,
    Symbology.EAN_13: pyzbar.ZBarSymbol.EAN13,
    Symbology.EAN_8: pyzbar.ZBarSymbol.EAN8,
    Symbology.UPC_A: pyzbar.ZBarSymbol.UPCA,
}


def decode_frame(
    frame: Frame, symbologies: Collection[Symbology] = DEFAULT_SYMBOLOGIES
) -> list[DecodedSymbol]:
    """Decode every code of ``symbologies`` zbar finds in ``frame`` (symbologies zbar cannot
    read, such as Data Matrix, are ignored). Blocking: run it off the event loop."""
    symbols = [_ZBAR_SYMBOLS[s] for s in symbologies if s in _ZBAR_SYMBOLS]
    if not symbols:
        return []
    results = pyzbar.decode((frame.gray, frame.width, frame.height), symbols=symbols)
    return [DecodedSymbol(from_zbar(str(r.type)), bytes(r.data)) for r in results]


Decoder = Callable[[Frame], Sequence[DecodedSymbol]]
FrameListener = Callable[[Frame], None]


@dataclass(frozen=True)
class CameraStats:
    submitted: int  # frames handed to submit_frame while enabled
    decoded: int  # frames the decoder ran on
    dropped: int  # frames replaced by a newer one before the decoder got to them
    failed: int  # decoder calls that raised


class CameraLoyaltyScanner(LoyaltyScanner):
    """Camera frames in, debounced scan events out."""

    def __init__(
        self,
        *,
        symbologies: Collection[Symbology] = DEFAULT_SYMBOLOGIES,
        decoder: Decoder | None = None,
        debounce: float = DEFAULT_DEBOUNCE,
        max_data: int = DEFAULT_MAX_DATA,
        clock: Clock = time.monotonic,
    ) -> None:
        super().__init__(
            ScanDispatcher(ScanSource.CAMERA, debounce=debounce, max_data=max_data, clock=clock)
        )
        # ``decoder`` replaces zbar (e.g. a wrapper adding latency in tests); default: zbar.
        self._decoder = decoder or partial(decode_frame, symbologies=frozenset(symbologies))
        self._holder = DeviceStateHolder("camera scanner", log)
        self._holder.add_listener(
            lambda old, new: self._dispatch.emit(ScannerStateDidChange(old, new))
        )
        self._enabled = True
        self._waiting: Frame | None = None
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._frame_listeners: list[FrameListener] = []
        self._submitted = self._decoded = self._dropped = self._failed = 0

    @property
    def state(self) -> DeviceState:
        return self._holder.state

    @property
    def identity(self) -> ScannerIdentity | None:
        return ScannerIdentity(model="camera", serial="", firmware="zbar")

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def stats(self) -> CameraStats:
        return CameraStats(self._submitted, self._decoded, self._dropped, self._failed)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._decode_loop())
            self._holder.set(DeviceState.READY)

    def report_source(self, state: DeviceState, reason: str = "") -> None:
        """What the frames' source (the UI's camera capture) says of the camera: UNAVAILABLE
        (none found) or FAULT (it failed), READY once it delivers again. The scanner's state,
        which diagnostics show, then says so too. Ignored unless started and not closed."""
        if state not in (DeviceState.READY, DeviceState.UNAVAILABLE, DeviceState.FAULT):
            raise ValueError(f"a camera source is READY, UNAVAILABLE or FAULT, not {state}")
        if self._task is not None:
            self._holder.set(state, reason)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self._waiting = None
        self._idle.set()
        self._holder.set(DeviceState.CLOSED)
        self._dispatch.close()

    async def enable(self) -> None:
        self._enabled = True

    async def disable(self) -> None:
        """Ignore frames from now on (a waiting frame is discarded)."""
        self._enabled = False
        self._waiting = None

    def add_frame_listener(self, listener: FrameListener) -> None:
        """Call ``listener`` with every frame :meth:`submit_frame` accepts (a live preview).

        Called synchronously on the submitting thread, before decoding: keep it cheap (store
        the frame, draw it later). A listener that raises is logged and the frame still goes
        to the decoder."""
        self._frame_listeners.append(listener)

    def remove_frame_listener(self, listener: FrameListener) -> None:
        """Stop calling ``listener`` (no error if it was not registered)."""
        if listener in self._frame_listeners:
            self._frame_listeners.remove(listener)

    def submit_frame(self, frame: Frame) -> None:
        """Offer the newest camera frame; never blocks. Ignored while disabled or closed."""
        if not self._enabled or self._task is None:
            return
        for listener in list(self._frame_listeners):
            try:
                listener(frame)
            except Exception:
                # A preview's bug must not stop scanning.
                log.exception("camera frame listener %r failed", listener)
        self._submitted += 1
        if self._waiting is not None:
            self._dropped += 1
        self._waiting = frame
        self._idle.clear()
        self._wake.set()

    async def wait_idle(self) -> None:
        """Wait until every submitted frame is decoded or dropped (for tests and shutdown)."""
        await self._idle.wait()

    async def _decode_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            frame, self._waiting = self._waiting, None
            if frame is not None:
                await self._decode(frame)
            if self._waiting is None:
                self._idle.set()

    async def _decode(self, frame: Frame) -> None:
        try:
            symbols = await run_blocking(self._decoder, frame)
        except Exception:
            # Task root: one bad frame (or a decoder bug) must not stop the camera scanner.
            self._failed += 1
            log.exception("camera frame decode failed")
            return
        finally:
            self._decoded += 1
        for symbol in symbols:
            self._dispatch.offer(symbol.symbology, symbol.data)
