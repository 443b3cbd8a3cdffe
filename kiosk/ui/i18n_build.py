"""Build-time translation tools: the Qt Linguist pipeline of the shopper screens.

Sources are ``assets/i18n/kiosk_<lang>.ts`` (committed): French translates every text of
``kiosk/ui``, Arabic every text but the technicians' service menu (English and French only),
``kiosk_en.ts`` only gives the English plural forms of ``%n`` texts (lupdate ``-pluralonly``).
``.qm`` files are build products (git-ignored), compiled by ``scripts/bootstrap`` and the image
build. Offers
:func:`compile_translations` (``pyside6-lrelease``, only what is stale unless forced),
:func:`update_sources` (``pyside6-lupdate`` over every ``kiosk/ui`` module, keeping existing
translations), :func:`extract` (what lupdate finds in the current sources) and :func:`audit`
(untranslated, missing, placeholder and plural-form problems of one ``.ts``).

Command line: ``python -m kiosk.ui.i18n compile [--out DIR] [--force]``, ``... update``,
``... check`` (exit status 1 when a ``.ts`` needs work).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.ui.assets import asset_path

SOURCE_ROOT = Path(__file__).resolve().parent  # kiosk/ui: every module lupdate reads
TRANSLATED = ("fr", "ar")  # every text; English is the source language
LANGUAGES = ("en", *TRANSLATED)  # kiosk_en.ts holds only the plural forms of %n texts
PLURAL_FORMS = {"en": 2, "fr": 2, "ar": 6}  # Qt's numerus forms per language
_TARGET = {"en": "en_GB", "fr": "fr_FR", "ar": "ar_AE"}
# The technicians' service menu (kiosk/ui/service) speaks English and French only (issue 6):
# it switches an Arabic kiosk to English while it is open, so kiosk_ar.ts leaves it out.
_NOT_IN = {"ar": ("service",)}
# %1..%99, %L1, %n, %Ln (Qt) and {name} (str.format) must survive translation.
_PLACEHOLDER_RE = re.compile(r"%L?(?:\d{1,2}|n)|\{[A-Za-z_0-9]*\}")


def ts_dir() -> Path:
    return asset_path("assets/i18n")


def ts_path(code: str) -> Path:
    return ts_dir() / f"kiosk_{code}.ts"


def tool(name: str) -> str:
    """``pyside6-lrelease``/``pyside6-lupdate`` of this interpreter's environment (else PATH)."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found (is PySide6 installed? run scripts/bootstrap)")
    return found


def sources(code: str | None = None) -> list[str]:
    """The modules whose texts ``kiosk_<code>.ts`` translates (all of kiosk/ui by default)."""
    skip = [SOURCE_ROOT / d for d in _NOT_IN.get(code or "", ())]
    found = (p for p in SOURCE_ROOT.rglob("*.py") if not any(p.is_relative_to(d) for d in skip))
    return sorted(str(p) for p in found)


def compile_translations(out_dir: Path | None = None, *, force: bool = False) -> list[Path]:
    """Compile every ``kiosk_*.ts`` to ``.qm`` (next to it unless ``out_dir``); a ``.qm``
    newer than its ``.ts`` is kept unless ``force``. Returns every ``.qm`` path."""
    outputs = []
    for ts in sorted(ts_dir().glob("kiosk_*.ts")):
        qm = (out_dir or ts.parent) / ts.with_suffix(".qm").name
        if force or not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime:
            qm.parent.mkdir(parents=True, exist_ok=True)
            run = [tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)]
            subprocess.run(run, check=True)
        outputs.append(qm)
    return outputs


def _lupdate(ts: Path, code: str | None) -> None:
    args = [tool("pyside6-lupdate"), "-silent", "-locations", "none", "-no-obsolete"]
    if code is not None:
        args += ["-source-language", "en_GB", "-target-language", _TARGET[code]]
    if code == "en":
        args.append("-pluralonly")
    subprocess.run([*args, *sources(code), "-ts", str(ts)], check=True, capture_output=True)


def update_sources(codes: Sequence[str] = LANGUAGES) -> list[Path]:
    """Refresh each ``.ts`` from the current sources: new texts come in unfinished, texts no
    longer in the code go, existing translations stay."""
    ts_dir().mkdir(parents=True, exist_ok=True)
    for code in codes:
        _lupdate(ts_path(code), code)
    return [ts_path(code) for code in codes]


Key = tuple[str, str, str, bool]  # context, source, disambiguation comment, plural (%n)


@dataclass(frozen=True)
class Message:
    key: Key
    translations: tuple[str, ...]  # one text, or one per plural form
    unfinished: bool


def read_ts(path: Path) -> dict[Key, Message]:
    out: dict[Key, Message] = {}
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for msg in context.iter("message"):
            key = (name, msg.findtext("source") or "", msg.findtext("comment") or "",
                   msg.get("numerus") == "yes")  # fmt: skip
            node = msg.find("translation")
            forms: tuple[str, ...] = ()
            if node is not None:
                plural = [f.text or "" for f in node.iter("numerusform")]
                forms = tuple(plural) if key[3] else (node.text or "",)
            kind = None if node is None else node.get("type")
            out[key] = Message(key, forms, kind in ("unfinished", "vanished", "obsolete"))
    return out


def extract(code: str | None = None) -> set[Key]:
    """Every translatable text lupdate finds in the current sources of ``kiosk_<code>.ts``
    (all of ``kiosk/ui`` when ``code`` is None; plural texts only for ``"en"``)."""
    with tempfile.TemporaryDirectory() as tmp:
        ts = Path(tmp) / "extract.ts"
        _lupdate(ts, code)
        return set(read_ts(ts))


def placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER_RE.findall(text))


@dataclass
class Audit:
    """What one ``.ts`` lacks against the current sources; ``ok`` when it is ready to ship
    (``stale`` texts are harmless leftovers that the next update drops)."""

    code: str
    missing: list[Key] = field(default_factory=list)  # in the code, not in the .ts
    unfinished: list[Key] = field(default_factory=list)  # unfinished or empty
    stale: list[Key] = field(default_factory=list)  # in the .ts, no longer in the code
    placeholders: list[Key] = field(default_factory=list)  # %1 / %n / {x} not preserved
    plural_forms: list[Key] = field(default_factory=list)  # wrong number of plural forms
    no_context: list[Key] = field(default_factory=list)  # lupdate saw tr("a", "b") misused

    @property
    def ok(self) -> bool:
        return not any(
            (self.missing, self.unfinished, self.placeholders, self.plural_forms, self.no_context)
        )  # fmt: skip


def audit(code: str, current: set[Key] | None = None, ts: Path | None = None) -> Audit:
    found = extract(code) if current is None else current
    messages = read_ts(ts or ts_path(code))
    result = Audit(code)
    result.missing = sorted(found - messages.keys())
    result.stale = sorted(messages.keys() - found)
    result.no_context = sorted(k for k in found if not k[0])
    for key, msg in sorted(messages.items()):
        if key not in found:
            continue
        if msg.unfinished or not all(t.strip() for t in msg.translations):
            result.unfinished.append(key)
            continue
        if key[3] and len(msg.translations) != PLURAL_FORMS[code]:
            result.plural_forms.append(key)
        wanted = placeholders(key[1])
        # A plural form may leave out %n ("un flacon" for one) but invent nothing.
        for text in msg.translations:
            have = placeholders(text)
            if have != wanted and not (key[3] and have == [p for p in wanted if p != "%n"]):
                result.placeholders.append(key)
                break
    return result


def _report(result: Audit) -> str:
    lines = [f"{result.code}: " + ("complete" if result.ok else "needs work")]
    for name in ("missing", "unfinished", "stale", "placeholders", "plural_forms", "no_context"):
        for key in getattr(result, name):
            lines.append(f"  {name}: [{key[0]}] {key[1]!r}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    about = "Compile, refresh or check the translations (assets/i18n/kiosk_<lang>.ts)."
    parser = argparse.ArgumentParser(prog="python -m kiosk.ui.i18n", description=about)
    sub = parser.add_subparsers(dest="command", required=True)
    comp = sub.add_parser("compile", help="compile the .ts sources to .qm (stale ones only)")
    comp.add_argument("--out", type=Path, help="output directory (default: next to the .ts)")
    comp.add_argument("--force", action="store_true", help="compile even when up to date")
    sub.add_parser("update", help="refresh the .ts sources from kiosk/ui with pyside6-lupdate")
    sub.add_parser("check", help="list untranslated, missing or broken texts; 1 if any")
    args = parser.parse_args(argv)
    if args.command == "compile":
        compile_translations(args.out, force=args.force)
        return 0
    if args.command == "update":
        for ts in update_sources():
            print(f"updated {ts}")
    results = [audit(code) for code in LANGUAGES]
    print("\n".join(_report(r) for r in results))
    return 0 if args.command == "update" or all(r.ok for r in results) else 1
