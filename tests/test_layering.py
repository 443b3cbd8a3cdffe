"""The layering rules import-linter cannot express: only kiosk/ui and kiosk/app.py import Qt."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QT_MODULES = ("PySide6", "qasync", "shiboken6")


def _qt_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        found += [n for n in names if n.split(".")[0] in QT_MODULES]
    return found


def test_only_ui_and_app_import_qt() -> None:
    offenders = []
    for pkg in ("kiosk", "hardware", "sync"):
        for path in (ROOT / pkg).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith("kiosk/ui/") or rel == "kiosk/app.py":
                continue
            if _qt_imports(path):
                offenders.append(rel)
    assert offenders == []


def test_the_check_sees_qt_imports(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("from PySide6.QtCore import QObject\nimport qasync\n")
    assert _qt_imports(sample) == ["PySide6.QtCore", "qasync"]
