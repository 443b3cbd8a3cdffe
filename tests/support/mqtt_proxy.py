"""A hostile network link for MQTT: a TCP proxy that parses MQTT packets and, at random but
reproducibly (seeded), drops PUBACKs, duplicates and reorders PUBLISHes, and can cut the link.

It sits between one client and the real broker. Both directions are parsed with MQTT's fixed
header (packet type in the high nibble of byte 1, then the variable-length remaining length).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass, field

PUBLISH, PUBACK = 3, 4


def split_packets(buffer: bytearray) -> list[bytes]:
    """Remove and return every complete MQTT packet at the start of ``buffer``."""
    packets = []
    while len(buffer) >= 2:
        length, multiplier, pos = 0, 1, 1
        while True:
            if pos >= len(buffer):
                return packets
            byte = buffer[pos]
            length += (byte & 0x7F) * multiplier
            multiplier *= 128
            pos += 1
            if not byte & 0x80:
                break
        if len(buffer) < pos + length:
            return packets
        packets.append(bytes(buffer[: pos + length]))
        del buffer[: pos + length]
    return packets


@dataclass
class LinkFaults:
    drop_puback: float = 0.0  # broker -> client PUBACKs lost
    dup_publish: float = 0.0  # client -> broker PUBLISH sent twice
    reorder_publish: float = 0.0  # client -> broker PUBLISH held back behind the next one
    dup_inbound: float = 0.0  # broker -> client PUBLISH (acks, gap requests) sent twice
    counts: dict[str, int] = field(default_factory=dict)

    def hit(self, rng: random.Random, name: str, p: float) -> bool:
        if p and rng.random() < p:
            self.counts[name] = self.counts.get(name, 0) + 1
            return True
        return False


class MqttLinkProxy:
    def __init__(self, broker_port: int, faults: LinkFaults, *, seed: int = 1) -> None:
        self.broker_port = broker_port
        self.faults = faults
        self.rng = random.Random(seed)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._on_client, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _on_client(
        self, creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter
    ) -> None:
        try:
            breader, bwriter = await asyncio.open_connection("127.0.0.1", self.broker_port)
        except OSError:
            cwriter.close()
            return
        self._writers |= {cwriter, bwriter}
        up = asyncio.ensure_future(self._pump(creader, bwriter, upstream=True))
        down = asyncio.ensure_future(self._pump(breader, cwriter, upstream=False))
        self._tasks |= {up, down}
        await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
        for task in (up, down):
            task.cancel()
        for writer in (cwriter, bwriter):
            writer.close()
            self._writers.discard(writer)
        self._tasks -= {up, down}

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, upstream: bool
    ) -> None:
        buffer = bytearray()
        held: bytes | None = None
        f = self.faults
        while True:
            data = await reader.read(65536)
            if not data:
                return
            buffer += data
            out = []
            for packet in split_packets(buffer):
                kind = packet[0] >> 4
                if upstream and kind == PUBLISH:
                    if held is None and f.hit(self.rng, "reorder_publish", f.reorder_publish):
                        held = packet
                        continue
                    out.append(packet)
                    if f.hit(self.rng, "dup_publish", f.dup_publish):
                        out.append(bytes([packet[0] | 0x08]) + packet[1:])
                    if held is not None:
                        out.append(held)
                        held = None
                elif not upstream and kind == PUBACK:
                    if not f.hit(self.rng, "drop_puback", f.drop_puback):
                        out.append(packet)
                elif not upstream and kind == PUBLISH:
                    out.append(packet)
                    if f.hit(self.rng, "dup_inbound", f.dup_inbound):
                        out.append(packet)
                else:
                    out.append(packet)
            if held is not None and not buffer:
                # nothing followed it in this read: release it so the link never stalls
                out.append(held)
                held = None
            writer.write(b"".join(out))
            await writer.drain()

    def cut(self) -> None:
        """Drop every open connection (the link goes down; new ones are accepted)."""
        for writer in list(self._writers):
            writer.close()

    async def close(self) -> None:
        self.cut()
        for task in list(self._tasks):
            task.cancel()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
