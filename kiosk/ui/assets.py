"""Where the application's assets are: ``$PK_ASSETS`` if set (the OS image), else the source
tree's root (a checkout or an editable install)."""

from __future__ import annotations

import os
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]


def asset_root() -> Path:
    env = os.environ.get("PK_ASSETS")
    return Path(env) if env else _ROOT


def asset_path(relative: str) -> Path:
    """The file for a catalog or UI asset path such as ``assets/catalog/images/x.svg``."""
    return asset_root() / relative
