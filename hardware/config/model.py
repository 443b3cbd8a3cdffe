"""The hardware configuration's values: which devices the kiosk has, where, with what options.

:class:`HardwareConfig` (frozen) lists the card readers (:class:`CardReaderConfig`: MDB cashless
on a bus at addresses 10H and/or 60H, or a tokenizing terminal), the dispenser board and the
scanners, each by URL (a device path, ``socket://host:port`` or ``sim://?option=...``; the
camera ``camera://?debounce=S``) with per-device driver options. :meth:`HardwareConfig.demo`
puts every device on ``sim://``.

Values only: the drivers' option types come from their driver-free modules
(:mod:`hardware.dispenser.options`, :mod:`hardware.terminal.timings`), so the kiosk checks its
configuration file before its first frame without loading a driver, asyncio or pyserial.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from hardware.common.errors import DeviceInitError
from hardware.dispenser.options import DispenserOptions
from hardware.terminal.timings import TerminalTimings

SIMULATED_DEVICES = ("mdb", "terminal", "dispenser", "scanner")  # what create_simulator_for builds
MDB_ADDRESSES = (0x10, 0x60)
# The demo machine's board: 16 spray channels and 30 bottle slots, the largest mix whose STATUS
# reply fits one frame (5 + 8 per channel + 4 per slot <= 255 bytes); the demo catalog uses them.
DEMO_DISPENSER_URL = "sim://?channels=16&slots=30"


class HardwareConfigError(DeviceInitError):
    """The hardware configuration is missing, unreadable or wrong (the message names the key)."""


class ReaderKind(enum.Enum):
    MDB = "mdb"  # MDB/ICP cashless reader(s) behind an MDB-to-serial bridge
    TERMINAL = "terminal"  # tokenizing payment terminal


@dataclass(frozen=True, kw_only=True)
class MdbOptions:
    """Driver timings for an MDB bus (see hardware.mdb.device.open_card_readers)."""

    reply_timeout: float = 0.2
    non_response_time: float = 5.0
    poll_interval: float = 0.05
    end_session_timeout: float | None = None


@dataclass(frozen=True, kw_only=True)
class ScannerOptions:
    """Serial loyalty-scanner options (see hardware.scanner.device.open_scanner)."""

    debounce: float = 1.5
    max_data: int = 256
    command_timeout: float = 0.5
    heartbeat_interval: float = 2.0


@dataclass(frozen=True, kw_only=True)
class CardReaderConfig:
    kind: ReaderKind
    url: str
    addresses: tuple[int, ...] = (0x10,)  # MDB only: one reader per address on the bus
    mdb: MdbOptions = field(default_factory=MdbOptions)  # used when kind is MDB
    terminal: TerminalTimings = field(default_factory=TerminalTimings)  # when TERMINAL


@dataclass(frozen=True, kw_only=True)
class DispenserConfig:
    url: str
    options: DispenserOptions = field(default_factory=DispenserOptions)


@dataclass(frozen=True, kw_only=True)
class ScannerConfig:
    url: str | None = None  # the serial scan engine; None: not fitted
    camera: str | None = None  # camera://?debounce=S; None: no camera scanning
    options: ScannerOptions = field(default_factory=ScannerOptions)


@dataclass(frozen=True, kw_only=True)
class HardwareConfig:
    card_readers: tuple[CardReaderConfig, ...] = ()
    dispenser: DispenserConfig | None = None
    scanner: ScannerConfig = field(default_factory=ScannerConfig)

    @classmethod
    def demo(cls) -> HardwareConfig:
        """Every device simulated in-process (``sim://``): an MDB reader at 10H, a payment
        terminal, the dispenser board (16 channels, 30 slots) and the serial scanner; no camera."""
        return cls(
            card_readers=(
                CardReaderConfig(kind=ReaderKind.MDB, url="sim://"),
                CardReaderConfig(kind=ReaderKind.TERMINAL, url="sim://"),
            ),
            dispenser=DispenserConfig(url=DEMO_DISPENSER_URL),
            scanner=ScannerConfig(url="sim://"),
        )
