"""Is the kiosk's attract screen on a QEMU screendump? Compare it with the app's own render.

The reference is the attract screen rendered offscreen by the same app version
(``perfume-kiosk screenshots --only attract``, portrait, the image's resolution). The attract
loop animates (slides cross-fade every 5 s, so the centre shows another scent, a promotion, or
half of each), and the guest draws through cage's pixman renderer instead of Qt's offscreen
raster, so a pixel comparison would fail for the wrong reasons. What is stable, and compared:

* **header band** (top 160 px: the brand logo and the A+, accessibility and language buttons,
  shared by every shopper screen) and **touch band** (1764-1844 px: "Touch to discover your
  scent", only on the attract screen; the stage above it fades, this label does not). Both
  images are averaged over 40x40 px blocks; the mean absolute difference per block and channel
  (0-255) must stay within :data:`BAND_TOLERANCE`. A glyph rendered one pixel off or with
  other anti-aliasing moves a block's mean by a few units; a missing button, another label or
  another screen moves it by tens.
* **colour histogram** of the whole screen (8 levels per channel, 512 bins, after a 4x
  downscale): the histogram intersection must reach :data:`HISTOGRAM_MIN`. A cross-fade or
  another scent changes the centre's colours (the theme background is ~62 % of the
  reference), the console, a flat screen or a crash dialog changes the whole distribution.
* **dominant colour**: the most frequent colour must be the reference's (the theme background
  ``#15110e``) within :data:`DOMINANT_TOLERANCE` per channel, covering at least
  :data:`DOMINANT_MIN_SHARE` of the screen; and the screen is not blank (more than
  :data:`MIN_COLOURS` distinct colours).

The reference comes from :func:`render_reference` (``python -m kiosk.cli screenshots`` of the
given venv, ``QT_QPA_PLATFORM=offscreen``, English, the demo catalog: what the image runs).
The thresholds were set against the renders of all 26 attract slides (every one passes, the
histogram intersection is 0.68-1.0) and the 35 other shopper screens (every one fails the
touch band, with 20-91 % of its blocks off), then checked on QEMU screendumps
(docs/packaging.md).

    python packaging/scripts/screen_check.py SCREEN.png REFERENCE.png   # prints the verdict
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image, ImageChops

BLOCK = 20  # px: about a glyph, so anti-aliasing differences average out within a block
HEADER_BAND = (0, 160)  # px from the top of a 1920-px-high portrait screen
TOUCH_BAND = (1764, 1844)
BLOCK_TOLERANCE = 16.0  # a block differs when its mean |difference| per channel exceeds this
BAND_TOLERANCE = 0.05  # share of differing blocks allowed in a band
MAX_SHIFT, SHIFT_STEP = 8, 2  # px: offsets of the screen tried against the reference
HISTOGRAM_MIN = 0.60  # intersection of the normalised 512-bin colour histograms, 0-1
DOMINANT_TOLERANCE = 8  # per channel, 0-255
DOMINANT_MIN_SHARE = 0.30
MIN_COLOURS = 64
REFERENCE_HEIGHT = 1920  # the bands are given for this height and scaled to the image's


@dataclass(frozen=True)
class Comparison:
    size: tuple[int, int]
    header_difference: float
    touch_difference: float
    histogram_intersection: float
    dominant: str
    dominant_share: float
    reference_dominant: str
    distinct_colours: int
    checks: dict[str, bool]

    @property
    def passed(self) -> bool:
        return all(self.checks.values())

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "passed": self.passed}


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _dominant(image: Image.Image) -> tuple[tuple[int, int, int], float, int]:
    colours = image.getcolors(maxcolors=image.width * image.height) or []
    count, rgb = max(colours)
    return rgb, count / (image.width * image.height), len(colours)


def _block_means(image: Image.Image, box: tuple[int, int, int, int]) -> Image.Image:
    width, height = box[2] - box[0], box[3] - box[1]
    grid = (max(1, width // BLOCK), max(1, height // BLOCK))
    return image.crop(box).resize(grid, Image.Resampling.BOX)


def band_difference(screen: Image.Image, reference: Image.Image, band: tuple[int, int]) -> float:
    """Share (0-1) of the BLOCK-px blocks inside a horizontal band whose mean colour differs
    from the reference's by more than BLOCK_TOLERANCE, at the best offset of the screen within
    +-MAX_SHIFT px (a layout a few pixels off is still the same screen)."""
    scale = reference.height / REFERENCE_HEIGHT
    top, bottom = round(band[0] * scale), round(band[1] * scale)
    margin = MAX_SHIFT
    box = (margin, top + margin, reference.width - margin, bottom - margin)
    theirs = _block_means(reference, box)
    best = 1.0
    for dy in range(-MAX_SHIFT, MAX_SHIFT + 1, SHIFT_STEP):
        for dx in range(-MAX_SHIFT, MAX_SHIFT + 1, SHIFT_STEP):
            moved = (box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy)
            difference = ImageChops.difference(_block_means(screen, moved), theirs)
            values = [sum(pixel) / 3 for pixel in difference.getdata()]
            best = min(best, sum(v > BLOCK_TOLERANCE for v in values) / len(values))
    return best


def _histogram(image: Image.Image) -> dict[tuple[int, int, int], float]:
    size = (max(1, image.width // 4), max(1, image.height // 4))
    small = image.resize(size, Image.Resampling.BOX)
    binned = small.point(lambda value: value >> 5)
    total = small.width * small.height
    return {rgb: n / total for n, rgb in binned.getcolors(maxcolors=512) or []}


def histogram_intersection(screen: Image.Image, reference: Image.Image) -> float:
    ours, theirs = _histogram(screen), _histogram(reference)
    return sum(min(share, theirs.get(rgb, 0.0)) for rgb, share in ours.items())


def compare(screen_path: Path, reference_path: Path) -> Comparison:
    """Compare a screendump with the reference render (resized to the reference's size)."""
    with Image.open(reference_path) as raw:
        reference = raw.convert("RGB")
    with Image.open(screen_path) as raw:
        screen = raw.convert("RGB")
    size = (screen.width, screen.height)
    if size != reference.size:
        screen = screen.resize(reference.size, Image.Resampling.BOX)
    dominant, share, distinct = _dominant(screen)
    reference_dominant, _, _ = _dominant(reference)
    header = band_difference(screen, reference, HEADER_BAND)
    touch = band_difference(screen, reference, TOUCH_BAND)
    histogram = histogram_intersection(screen, reference)
    off = max(abs(a - b) for a, b in zip(dominant, reference_dominant, strict=True))
    checks = {
        "not_blank": distinct > MIN_COLOURS,
        "dominant_colour": off <= DOMINANT_TOLERANCE and share >= DOMINANT_MIN_SHARE,
        "header_band": header <= BAND_TOLERANCE,
        "touch_band": touch <= BAND_TOLERANCE,
        "colour_histogram": histogram >= HISTOGRAM_MIN,
    }
    return Comparison(
        size=size,
        header_difference=round(header, 2),
        touch_difference=round(touch, 2),
        histogram_intersection=round(histogram, 3),
        dominant=_hex(dominant),
        dominant_share=round(share, 3),
        reference_dominant=_hex(reference_dominant),
        distinct_colours=distinct,
        checks=checks,
    )


def render_reference(python: Path, out: Path) -> Path:
    """The attract screen, portrait 1080x1920, rendered offscreen by ``python``'s app."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [str(python), "-m", "kiosk.cli", "screenshots", "--out", str(out)]
    command += ["--only", "attract", "--languages", "en", "--orientations", "portrait"]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)
    return out / "attract-default-portrait-en.png"


def side_by_side(screen_path: Path, reference_path: Path, out: Path) -> Path:
    """Screendump | reference at half size, the compared bands marked: for a failed check."""
    from PIL import ImageDraw

    with Image.open(reference_path) as raw:
        reference = raw.convert("RGB")
    with Image.open(screen_path) as raw:
        screen = raw.convert("RGB").resize(reference.size, Image.Resampling.BOX)
    width, height = reference.width // 2, reference.height // 2
    canvas = Image.new("RGB", (width * 2 + 8, height), "#ff00ff")
    canvas.paste(screen.resize((width, height)), (0, 0))
    canvas.paste(reference.resize((width, height)), (width + 8, 0))
    draw = ImageDraw.Draw(canvas)
    scale = height / REFERENCE_HEIGHT
    for top, bottom in (HEADER_BAND, TOUCH_BAND):
        draw.rectangle((0, top * scale, canvas.width - 1, bottom * scale), outline="#00ff00")
    canvas.save(out)
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: screen_check.py SCREEN.png REFERENCE.png", file=sys.stderr)
        return 2
    result = compare(Path(argv[0]), Path(argv[1]))
    print(json.dumps(result.as_dict(), indent=2))
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
