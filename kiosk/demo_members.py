"""The demo's loyalty members: a signing key of the demo's own and member codes a person can scan.

The demo catalog (``assets/catalog/demo.json``) lists the public half of ``demo-2025`` only;
no private half was ever kept, so nobody can sign a code it accepts. A retailer's key must never
sit in the repository or the image either. So the demo makes its own key at its first start,
in its data dir (``loyalty-demo-key.pem``, mode 0600), adds the public half to the catalog the
machine runs with (not to the file) and issues a code for each of :data:`DEMO_MEMBERS`:

* as QR pictures in ``<data dir>/member-codes/`` (a phone showing one to a camera scanner);
* through :class:`DemoScanner`, the demo's loyalty scanner simulator, which the demo owns (a
  ``sim://`` URL would hide it inside the driver): :meth:`DemoScanner.present_next` has it scan
  the next member's code, over the pty, to the real serial driver. The windowed demo's F2 key
  calls it (``kiosk/app.py``).

Members start with no points; they earn on their first purchase (the demo's middleware keeps
the balances).
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from hardware.config import HardwareConfig, ScannerConfig
from hardware.scanner.simulator import ScannerSimulator, create_simulator
from kiosk.catalog import Catalog
from kiosk.loyalty import LoyaltyKey, issue_member_qr
from sync.errors import ConfigError

log = logging.getLogger(__name__)

DEMO_KEY_ID = "demo-local"
KEY_FILE = "loyalty-demo-key.pem"
CODES_DIR = "member-codes"


@dataclass(frozen=True)
class DemoMember:
    member_id: str
    display_name: str
    tier: str


DEMO_MEMBERS = (DemoMember("demo-ada", "Ada", "gold"), DemoMember("demo-noor", "Noor", "silver"))


def demo_key(data_dir: Path) -> Ed25519PrivateKey:
    """The demo's signing key: read from the data dir, or made there (0600) the first time.
    A file that is not such a key is a :class:`ConfigError` saying how to start afresh."""
    path = data_dir / KEY_FILE
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        return _new_key(path)
    try:
        key = load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        problem = f"{path}: not a demo loyalty key ({exc}); delete it for a new one"
        raise ConfigError(problem) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path}: not an Ed25519 key; delete it for a new one")
    return key


def _new_key(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    log.info("demo loyalty: made a signing key of its own (%s)", path)
    return key


def with_demo_key(catalog: Catalog, key: Ed25519PrivateKey) -> Catalog:
    """``catalog`` also accepting codes signed with ``key`` (as :data:`DEMO_KEY_ID`)."""
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    keys = tuple(k for k in catalog.loyalty.keys if k.key_id != DEMO_KEY_ID)
    loyalty = replace(catalog.loyalty, keys=(*keys, LoyaltyKey(DEMO_KEY_ID, raw)))
    return replace(catalog, loyalty=loyalty)


def member_codes(key: Ed25519PrivateKey, now: datetime | None = None) -> tuple[str, ...]:
    """A signed code for each of :data:`DEMO_MEMBERS`, issued ``now``."""
    issued = now or datetime.now(UTC)
    return tuple(
        issue_member_qr(
            key,
            DEMO_KEY_ID,
            member_id=m.member_id,
            display_name=m.display_name,
            tier=m.tier,
            issued_at=issued,
        )
        for m in DEMO_MEMBERS
    )


def write_code_pictures(folder: Path, codes: tuple[str, ...]) -> list[Path]:
    """Each code as a QR picture, ``<member id>.png``, for a phone held to a camera."""
    import qrcode  # type: ignore[import-untyped]  # only the demo draws codes

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for member, code in zip(DEMO_MEMBERS, codes, strict=True):
        path = folder / f"{member.member_id}.png"
        tmp = path.with_name(f".{path.name}.tmp")
        qr = qrcode.QRCode(border=4, mask_pattern=0)  # any mask decodes: 8 times less work
        qr.add_data(code)
        qr.make(fit=True)
        qr.make_image().save(tmp)
        os.replace(tmp, path)
        written.append(path)
    return written


async def start_demo_loyalty(
    data_dir: Path, catalog: Catalog, hardware: HardwareConfig
) -> tuple[DemoScanner, Catalog, HardwareConfig]:
    """The demo's key, its members' code pictures and its scanner simulator, started: the
    catalog accepting the key and the hardware scanning through that simulator."""
    key = demo_key(data_dir)
    codes = member_codes(key)
    pictures = write_code_pictures(data_dir / CODES_DIR, codes)
    scanner = DemoScanner(codes)
    path = await scanner.start()
    scanning = replace(hardware.scanner or ScannerConfig(url=path), url=path)
    log.info(
        "demo loyalty: F2 presents a member code to the scanner (%s); QR pictures in %s",
        ", ".join(m.display_name for m in DEMO_MEMBERS),
        pictures[0].parent,
    )
    return scanner, with_demo_key(catalog, key), replace(hardware, scanner=scanning)


class DemoScanner:
    """The demo's loyalty scanner simulator on a pty, with the demo members' codes to present."""

    def __init__(self, codes: tuple[str, ...]) -> None:
        self.codes = codes
        self.simulator: ScannerSimulator = create_simulator()
        self._next = 0

    async def start(self) -> str:
        """Start the simulator; the pty path for the scanner's configuration."""
        return await self.simulator.start_pty()

    def present_next(self) -> DemoMember | None:
        """Scan the next demo member's code (one after the other); who it was, or None when
        the scanner module is disabled (the driver has not enabled it)."""
        index = self._next % len(self.codes)
        member = DEMO_MEMBERS[index]
        if not self.simulator.scan(self.codes[index]):
            log.warning("demo loyalty: the scanner is disabled; %s's code was not read", member)
            return None
        self._next += 1
        log.info("demo loyalty: %s's member code presented to the scanner", member.display_name)
        return member

    async def close(self) -> None:
        await self.simulator.close()
