"""Draw the sample catalog's artwork: one bottle per product, one icon per scent family and the
kiosk logo, as standalone SVG files (deterministic: the same inputs give the same bytes).

    python assets/tools/make_artwork.py           # (re)write the files under assets/
    python assets/tools/make_artwork.py --check   # exit 1 if a committed file is out of date

Products and families are read from ``assets/catalog/demo.json``; each product needs a
:class:`Bottle` design in ``DESIGNS`` and each family a glow colour (its ``colour``) and an icon
in ``marks.FAMILY_ICONS``. A product without a design is an error, not a silent default.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bottles import Bottle, draw_bottle
from marks import FAMILY_ICONS, logo

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "assets" / "catalog" / "demo.json"

B = Bottle
DESIGNS: dict[str, Bottle] = {
    # floral
    "aurora-veil": B("column", 60, 190, 12, ("#fde3ea", "#e58aa6"), cap="block", cap_width=25,
                     cap_height=44, cap_material="ceramic", label="plate"),
    "orchard-bloom": B("waist", 64, 200, 12, ("#fbeaf3", "#cf86b4"), k=0.12, cap="dome",
                       cap_width=22, cap_height=40, cap_material="rosegold", collar="rosegold"),
    "paper-camellia": B("drop", 70, 210, 11, ("#fff0ee", "#ef9c98"), k=0.74, cap="spire",
                        cap_width=17, cap_height=58, cap_material="gold"),
    "gilded-orris": B("sphere", 76, 0, 13, ("#f3ebf8", "#a88cc9"), k=0.55, cap="gem",
                      cap_width=24, cap_height=36, cap_material="gold"),
    # woody
    "cedar-lantern": B("shield", 70, 190, 14, ("#f0cf98", "#9a5b26"), k=0.28, round_top=22,
                       cap="tiers", cap_width=26, cap_height=46, cap_material="wood"),
    "smoked-vetiver": B("facet", 64, 200, 13, ("#a38f72", "#3a2a1e"), k=16, cap="gem",
                        cap_width=26, cap_height=38, cap_material="black", label="emblem"),
    "quiet-timber": B("column", 48, 225, 11, ("#f3e6cc", "#b8915f"), round_bottom=5,
                      round_top=6, cap="cylinder", cap_width=15, cap_height=58,
                      cap_material="wood", label="plate"),
    "oud-meridian": B("column", 66, 200, 14, ("#8a5a34", "#2a140b"), round_bottom=3,
                      round_top=4, cap="tiers", cap_width=28, cap_height=50,
                      cap_material="gold", label="band"),
    # fresh
    "tidal-linen": B("column", 46, 230, 10, ("#e6f7f8", "#76c3cb"), round_bottom=6,
                     round_top=30, cap="disk", cap_width=30, cap_height=16, cap_material="frost",
                     collar="silver"),
    "glacier-fern": B("taper", 62, 200, 14, ("#e8f6ea", "#62ab80"), k=-0.18, cap="block",
                      cap_width=22, cap_height=40, cap_material="silver", collar="silver"),
    "rain-on-slate": B("facet", 58, 205, 12, ("#eef2f7", "#8ea3bd"), k=10, cap="block",
                       cap_width=27, cap_height=34, cap_material="frost", collar="silver",
                       label="emblem"),
    "morning-fig-leaf": B("barrel", 64, 180, 14, ("#eff6de", "#93b862"), k=0.1, cap="pebble",
                          cap_width=30, cap_height=24, cap_material="ceramic"),
    # amber
    "ember-silk": B("sphere", 78, 0, 13, ("#f9b56d", "#a3310f"), k=0.6, cap="ball",
                    cap_width=20, cap_material="glass"),
    "saffron-caravan": B("drop", 74, 200, 12, ("#ffd38c", "#c4621a"), k=0.8, cap="dome",
                         cap_width=20, cap_height=38, cap_material="gold", label="emblem"),
    "velvet-myrrh": B("waist", 60, 205, 12, ("#eca07c", "#7a1f1a"), k=0.09, cap="ball",
                      cap_width=19, cap_material="gold", label="plate"),
    "amber-almanac": B("facet", 72, 170, 15, ("#ffd79c", "#b86b14"), k=22, cap="disk",
                       cap_width=30, cap_height=18, cap_material="gold"),
    # citrus
    "citron-spark": B("taper", 68, 200, 14, ("#fff7b8", "#eec12c"), k=0.22, cap="cylinder",
                      cap_width=17, cap_height=52, cap_material="ceramic"),
    "sanguine-veranda": B("column", 58, 195, 13, ("#ffc7a6", "#d6452b"), round_bottom=26,
                          round_top=26, cap="ball", cap_width=18, cap_material="rosegold",
                          collar="rosegold"),
    "kumquat-kite": B("shield", 66, 195, 13, ("#ffe3a3", "#f29a1d"), k=0.34, round_top=30,
                      cap="gem", cap_width=22, cap_height=34, cap_material="glass"),
    "terrace-bergamot": B("drop", 66, 215, 10, ("#f9fbd4", "#c4d257"), k=0.7, cap="cylinder",
                          cap_width=13, cap_height=48, cap_material="silver", collar="silver"),
    # gourmand
    "praline-dusk": B("barrel", 66, 180, 14, ("#efc79c", "#8a4a22"), k=0.12, cap="pebble",
                      cap_width=30, cap_height=26, cap_material="wood", label="band"),
    "cocoa-velour": B("column", 76, 165, 15, ("#b88363", "#4a2417"), round_bottom=14,
                      round_top=16, cap="block", cap_width=30, cap_height=36,
                      cap_material="black", label="emblem"),
    "pistachio-morning": B("sphere", 72, 0, 12, ("#f1f5dc", "#a6b870"), k=0.5, cap="dome",
                           cap_width=20, cap_height=34, cap_material="ceramic"),
    "honey-brioche": B("taper", 66, 195, 14, ("#ffe6ac", "#cf8a2d"), k=0.14, cap="spire",
                       cap_width=24, cap_height=50, cap_material="rosegold", collar="rosegold",
                       label="plate"),
}  # fmt: skip


def artwork(catalog: dict[str, object]) -> dict[Path, str]:
    """Every file to write, relative to the repository root, with its SVG text."""
    families = {f["id"]: f for f in catalog["families"]}  # type: ignore[attr-defined]
    files: dict[Path, str] = {}
    for product in catalog["products"]:  # type: ignore[attr-defined]
        design = DESIGNS.get(product["id"])
        if design is None:
            raise SystemExit(f"make_artwork: no bottle design for product {product['id']!r}")
        glow = families[product["family"]].get("colour", "#b08d57")
        files[Path(product["image"])] = draw_bottle(design, glow)
    for family_id, family in families.items():
        if family_id not in FAMILY_ICONS:
            raise SystemExit(f"make_artwork: no icon for scent family {family_id!r}")
        icon = family.get("icon", f"assets/catalog/families/{family_id}.svg")
        files[Path(icon)] = FAMILY_ICONS[family_id]()
    files[Path("assets/brand/logo.svg")] = logo()
    files[Path("assets/brand/logo-light.svg")] = logo(light=True)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--root", type=Path, default=ROOT, help="where to write (default: repo)")
    args = parser.parse_args(argv)
    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))
    stale = []
    for rel, text in sorted(artwork(catalog).items()):
        target = args.root / rel
        if args.check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                stale.append(str(rel))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    if stale:
        print("out of date (run assets/tools/make_artwork.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
