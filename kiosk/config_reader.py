"""Typed, checked reads from one table of the kiosk's TOML configuration
(:mod:`kiosk.config`): every failure is one :class:`KioskConfigError` naming
``<file>: <table>.<key>``."""

from __future__ import annotations

import enum
import os
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from sync.errors import ConfigError

EnumT = TypeVar("EnumT", bound=enum.Enum)
REQUIRED: Any = object()


class KioskConfigError(ConfigError):
    """The kiosk configuration is missing, unreadable or wrong; the message names the field."""


class TableReader:
    """Typed reads from one TOML table; every failure names ``<where>.<key>``."""

    def __init__(self, table: object, where: str, base: Path, *, known: frozenset[str]) -> None:
        if not isinstance(table, dict):
            raise KioskConfigError(f"{where} must be a table")
        self.table: dict[str, Any] = table
        self.where = where
        self.base = base
        unknown = sorted(set(table) - known)
        if unknown:
            self.fail(unknown[0], f"is not a known key (known: {', '.join(sorted(known))})")

    def fail(self, key: str, message: str) -> Any:
        raise KioskConfigError(f"{self.where}.{key} {message}")

    def _get(self, key: str, kind: Any, what: str, default: object) -> Any:
        if key not in self.table:
            if default is REQUIRED:
                self.fail(key, "is missing")
            return default
        value = self.table[key]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            self.fail(key, f"must be {what}, not {value!r}")
        return value

    def text(self, key: str, default: str = REQUIRED) -> str:
        value: str = self._get(key, str, "a string", default)
        if not value.strip():
            self.fail(key, "must not be empty")
        return value

    def path(self, key: str) -> Path:
        return self.base / Path(self.text(key)).expanduser()

    def existing_file(self, key: str) -> Path:
        path = self.path(key)
        if not path.is_file():
            self.fail(key, f"{path} is not a file")
        if not os.access(path, os.R_OK):
            self.fail(key, f"{path} is not readable")
        return path

    def file(self, key: str) -> Path | None:
        return self.existing_file(key) if key in self.table else None

    def number(self, key: str, default: float, *, lo: float, hi: float = float("inf")) -> float:
        value = self._get(key, int | float, "a number", default)
        if not lo <= value <= hi:
            bounds = f"between {lo:g} and {hi:g}" if hi != float("inf") else f">= {lo:g}"
            self.fail(key, f"must be {bounds}, not {value!r}")
        return float(value)

    def integer(self, key: str, default: int, *, lo: int, hi: int = 2**53) -> int:
        value: int = self._get(key, int, "a whole number", default)
        if not lo <= value <= hi:
            bounds = f"between {lo} and {hi}" if hi != 2**53 else f">= {lo}"
            self.fail(key, f"must be {bounds}, not {value!r}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value: bool = self._get(key, bool, "true or false", default)
        return value

    def one_of(self, key: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.text(key, default)
        if value not in allowed:
            self.fail(key, f"must be one of {', '.join(map(repr, allowed))}, not {value!r}")
        return value

    def choice(self, key: str, kind: type[EnumT], default: EnumT) -> EnumT:
        allowed = tuple(str(m.value) for m in kind)
        return kind(self.one_of(key, allowed, str(default.value)))

    def url(self, key: str, default: str) -> str:
        value = self.text(key, default)
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            self.fail(key, f"must be an http:// or https:// URL, not {value!r}")
        return value
