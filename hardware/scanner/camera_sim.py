"""A camera "simulator": frames rendered from images, so tests run the real zbar decode path.

:func:`render_qr` draws a QR code (with the ``qrcode`` package) onto a camera-sized grayscale
canvas, optionally rotated and with sensor-like noise (additive noise, then a slight blur, as a
lens and a denoiser leave it). :func:`blank_frame` is a frame with no code in view.
:class:`ImageFrameSource` plays frames into a
:class:`~hardware.scanner.camera.CameraLoyaltyScanner` at a given rate, as the Qt camera would.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator, Sequence

from PIL import Image, ImageChops, ImageFilter

from hardware.scanner.camera import CameraLoyaltyScanner, Frame


def render_qr(
    text: str | bytes,
    *,
    width: int = 320,
    height: int = 240,
    scale: float = 0.8,
    rotation: float = 0.0,
    noise: int = 0,
    seed: int = 0,
) -> Image.Image:
    """A ``width`` x ``height`` grayscale picture of a QR code holding ``text``.

    ``scale``: the code's side as a fraction of the shorter picture side; ``rotation`` in
    degrees; ``noise``: amplitude (0-255) of additive per-pixel noise, then a 1-pixel blur.
    """
    import qrcode  # type: ignore[import-untyped]  # test/simulator dependency only

    code = qrcode.QRCode(border=4, box_size=4)
    code.add_data(text)
    code.make(fit=True)
    symbol: Image.Image = code.make_image().get_image().convert("L")
    if rotation:
        symbol = symbol.rotate(
            rotation, expand=True, fillcolor=255, resample=Image.Resampling.BILINEAR
        )
    side = max(1, int(min(width, height) * scale))
    symbol = symbol.resize((side, side), Image.Resampling.BILINEAR)
    canvas = Image.new("L", (width, height), 255)
    canvas.paste(symbol, ((width - side) // 2, (height - side) // 2))
    if noise:
        rng = random.Random(seed)
        uniform = Image.frombytes("L", canvas.size, rng.randbytes(width * height))
        spread = uniform.point(lambda v: v * 2 * noise // 255)  # 0 .. 2*noise
        canvas = ImageChops.add(canvas, spread, 1.0, -noise)  # +-noise, clipped to 0..255
        canvas = canvas.filter(ImageFilter.GaussianBlur(1))
    return canvas


def blank_frame(width: int = 320, height: int = 240, level: int = 200) -> Frame:
    """A frame with nothing to decode (an empty scan window)."""
    return Frame(width, height, bytes([level]) * (width * height))


class ImageFrameSource:
    """Plays a sequence of images as camera frames, cycling through them."""

    def __init__(self, images: Sequence[Image.Image | Frame]) -> None:
        if not images:
            raise ValueError("an image frame source needs at least one image")
        self._frames = [f if isinstance(f, Frame) else Frame.from_image(f) for f in images]

    def frames(self) -> Iterator[Frame]:
        """The frames, cycling forever."""
        while True:
            yield from self._frames

    async def play(self, scanner: CameraLoyaltyScanner, *, count: int, fps: float = 30.0) -> None:
        """Submit ``count`` frames at ``fps`` (0: as fast as possible, yielding in between)."""
        period = 1.0 / fps if fps > 0 else 0.0
        for _, frame in zip(range(count), self.frames(), strict=False):
            scanner.submit_frame(frame)
            await asyncio.sleep(period)
