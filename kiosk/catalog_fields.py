"""Strict reading of decoded JSON data: the catalog's, and the sections and files parsed the
same way (pricing, promotions, loyalty, translations, the scent finder's questions).

Offers :func:`decode_json` (``json.loads`` that refuses duplicate keys and NaN/Infinity) and
:class:`FieldReader`, typed access to one JSON value that knows its JSON path, so the first bad
field raises one :class:`CatalogError` naming it (``$.products[2].spray.doses``). Readers of
one document share the ids claimed so far, to refuse duplicates and dangling references.
``kiosk.catalog`` re-exports these names.
"""

from __future__ import annotations

import enum
import json
import re
from typing import NoReturn, TypeVar

ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")  # ids, SKUs and key ids
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_REQUIRED = object()
E = TypeVar("E", bound=enum.Enum)


class CatalogError(ValueError):
    """Invalid catalog data; ``path`` is the JSON path of the offending field."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path, self.message = path, message


def decode_json(text: str) -> object:
    """``json.loads`` that rejects duplicate object keys and NaN/Infinity."""

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        out = dict(items)
        if len(out) != len(items):
            dup = next(k for i, (k, _) in enumerate(items) if k in (x for x, _ in items[:i]))
            raise CatalogError("$", f"duplicate key {dup!r}")
        return out

    def constant(name: str) -> NoReturn:
        raise CatalogError("$", f"{name} is not allowed")

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise CatalogError("$", f"not JSON: {exc}") from None


class FieldReader:
    """Typed, path-aware access to one decoded JSON value; every failure is a
    :class:`CatalogError` at the path of the field that caused it."""

    def __init__(self, value: object, path: str, seen: dict[str, set[object]] | None = None):
        self.value = value
        self.path = path
        self._seen = {} if seen is None else seen  # shared by all readers of one document

    def _sub(self, value: object, path: str) -> FieldReader:
        return FieldReader(value, path, self._seen)

    def claim(self, key: str, kind: str, value: object) -> None:
        """Fail if ``value`` was claimed before as a ``kind`` (duplicate id, SKU, slot...)."""
        seen = self._seen.setdefault(kind, set())
        if value in seen:
            self.fail(f"duplicate {kind} {value!r}", key)
        seen.add(value)

    def require(self, key: str, kind: str, value: object) -> None:
        """Fail unless ``value`` was claimed before as a ``kind`` (a dangling reference)."""
        if value not in self._seen.get(kind, set()):
            self.fail(f"unknown {kind} {value!r}", key)

    def fail(self, message: str, key: str | None = None) -> NoReturn:
        raise CatalogError(self.path if key is None else f"{self.path}.{key}", message)

    def obj(self, required: set[str], optional: frozenset[str] = frozenset()) -> FieldReader:
        """Check this is an object with exactly the ``required`` keys plus some ``optional``."""
        if not isinstance(self.value, dict):
            self.fail("expected an object")
        for key in self.value:
            if key not in required and key not in optional:
                self.fail("unknown field", key)
        for key in sorted(required - self.value.keys()):
            self.fail("missing required field", key)
        return self

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and key in self.value

    def _get(self, key: str, default: object) -> object:
        if self.has(key):
            return self.value[key]  # type: ignore[index]
        if default is _REQUIRED:
            self.fail("missing required field", key)
        return default

    def child(self, key: str) -> FieldReader:
        return self._sub(self._get(key, _REQUIRED), f"{self.path}.{key}")

    def items(
        self, key: str, *, min_len: int = 0, default: object = _REQUIRED
    ) -> list[FieldReader]:
        value = self._get(key, default)
        if not isinstance(value, list) or len(value) < min_len:
            self.fail(f"expected an array of at least {min_len} entries", key)
        return [self._sub(v, f"{self.path}.{key}[{i}]") for i, v in enumerate(value)]

    def integer(self, key: str, *, lo: int, hi: int = 2**53, default: object = _REQUIRED) -> int:
        value = self._get(key, default)
        if type(value) is not int or not lo <= value <= hi:
            self.fail(f"expected an integer in {lo}..{hi}, got {value!r}", key)
        return value

    def flag(self, key: str, *, default: object = _REQUIRED) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            self.fail(f"expected true or false, got {value!r}", key)
        return value

    def text(self, key: str | None = None, *, max_len: int = 80, min_len: int = 1,
             pattern: re.Pattern[str] | None = None) -> str:  # fmt: skip
        """The string at ``key`` (or this value itself when ``key`` is None)."""
        value = self.value if key is None else self._get(key, _REQUIRED)
        if not isinstance(value, str):
            self.fail(f"expected a string, got {value!r}", key)
        if not min_len <= len(value) <= max_len or _CONTROL_RE.search(value):
            self.fail(f"expected {min_len}-{max_len} printable characters", key)
        if pattern is not None and not pattern.fullmatch(value):
            self.fail(f"bad format {value!r}", key)
        return value

    def ident(self, key: str) -> str:
        return self.text(key, max_len=64, pattern=ID_RE)

    def choice(self, key: str, kind: type[E], *, default: object = _REQUIRED) -> E:
        value = self._get(key, default)
        try:
            return value if isinstance(value, kind) else kind(value)
        except ValueError:
            allowed = ", ".join(repr(m.value) for m in kind)
            self.fail(f"expected one of {allowed}, got {value!r}", key)

    def texts(self, key: str, *, max_len: int = 40, pattern: re.Pattern[str] | None = None,
              optional: bool = False) -> tuple[str, ...]:  # fmt: skip
        """A list of distinct strings (an absent optional list is empty)."""
        items = self.items(key, default=[] if optional else _REQUIRED)
        out = tuple(r.text(max_len=max_len, pattern=pattern) for r in items)
        if len(set(out)) != len(out):
            self.fail("duplicate entries", key)
        return out
