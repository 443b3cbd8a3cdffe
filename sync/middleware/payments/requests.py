"""Payment RPC requests as the middleware receives them, parsed and checked (pure, no I/O).

:func:`parse_rpc` turns one ``P/dev/{id}/rpc`` payload into a :class:`RpcCall` or raises
:class:`BadRequest` (with the correlation id when one could be read, so the device still gets an
error answer). :func:`parse_operation` turns a ``payment.*`` call into a :class:`PaymentOp`
whose idempotency key the middleware derives itself from the topic's device id and the
parameters (docs/payments.md), so a device can never use another device's keys.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sync.errors import ProtocolError
from sync.middleware.payments.cards import looks_like_pan
from sync.payments import REFUND_ID_RE, TXN_ID_RE, idempotency_key
from sync.protocol import MAX_PAYLOAD_BYTES, PROTOCOL_VERSION, canonical_json, validate_sku

MAX_AMOUNT = 10**12
MAX_METADATA_KEYS = 20
MAX_METADATA_BYTES = 8 * 1024
_CORR_RE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_CURRENCY_RE = re.compile(r"[A-Z]{3}")
_REF_RE = re.compile(r"[A-Za-z0-9_.:/-]{1,128}")
_META_KEY_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")
_SKU_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
_STORE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
METHODS = (
    "payment.authorize",
    "payment.capture",
    "payment.void",
    "payment.refund",
    "payment.reader_refund",
    "payment.status",
)


class BadRequest(Exception):
    """A malformed request; ``corr`` is its id when one could be read."""

    def __init__(self, message: str, corr: str | None = None, code: str = "bad_request") -> None:
        super().__init__(message)
        self.corr = corr
        self.code = code


@dataclass(frozen=True)
class RpcCall:
    corr: str
    method: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class PaymentOp:
    """One payment operation, with the key the middleware derived for it."""

    operation: str  # authorize | capture | void | refund | reader_refund
    device_id: str
    txn_id: str
    key: str
    amount_minor: int | None = None
    token: str | None = None
    currency: str | None = None
    auth_id: str | None = None
    reader_reference: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def method(self) -> str:
        return f"payment.{self.operation}"

    @property
    def global_txn_id(self) -> str:
        return f"{self.device_id}:{self.txn_id}"

    def stored_params(self) -> dict[str, Any]:
        """What is stored with the request (the token is never stored)."""
        return {
            "txnId": self.txn_id,
            "amountMinor": self.amount_minor,
            "currency": self.currency,
            "authId": self.auth_id,
            "readerReference": self.reader_reference,
            "metadata": dict(self.metadata),
        }

    def record_fields(self) -> dict[str, Any]:
        """The canonical record's sale fields, from the authorization's metadata."""
        return sale_fields(self.metadata, self.device_id)

    def params_hash(self) -> str:
        """Fingerprint of every parameter, the token included (same key, other params = 409)."""
        body = {**self.stored_params(), "token": self.token, "op": self.operation}
        return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def sale_fields(meta: Mapping[str, Any], device_id: str) -> dict[str, Any]:
    """The canonical record's sale fields from a payment's metadata (or a journal step's data,
    same shape): top-level ``sku``, ``unitPriceMinor``, ``taxMinor``, ``operatorId``,
    ``storeId``, else the first line and the totals of a ``quote`` object (what the kiosk's
    purchase flow sends). Values of the wrong shape are left out (None)."""
    quote = _obj(meta.get("quote"))
    lines = quote.get("lines")
    line = _obj(lines[0]) if isinstance(lines, list) and lines else {}
    totals = _obj(quote.get("totals"))
    sku = meta.get("sku", line.get("sku"))
    unit_price = meta.get("unitPriceMinor", line.get("unitPriceMinor"))
    operator, store = meta.get("operatorId"), meta.get("storeId")
    return {
        "sku_id": sku if isinstance(sku, str) and _SKU_RE.fullmatch(sku) else None,
        "unit_price_minor": _int_or_none(unit_price),
        "tax_minor": _int_or_none(meta.get("taxMinor", totals.get("taxMinor"))),
        "operator_id": operator if _is_identifier(operator) else None,
        "store_id": store if _is_identifier(store) else device_id,
    }


def _is_identifier(value: Any) -> bool:
    return isinstance(value, str) and _STORE_RE.fullmatch(value) is not None


def parse_rpc(payload: bytes, methods: Collection[str] = METHODS) -> RpcCall:
    """One request; ``methods`` are the ones served (``unknown_method`` for any other)."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise BadRequest(f"request of {len(payload)} bytes is too large")
    try:
        obj = json.loads(payload)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequest("not JSON") from None
    if not isinstance(obj, dict):
        raise BadRequest("not a JSON object")
    corr = obj.get("id")
    corr = corr if isinstance(corr, str) and _CORR_RE.fullmatch(corr) else None
    if corr is None:
        raise BadRequest("missing or bad 'id'")
    if obj.get("v") != PROTOCOL_VERSION:
        raise BadRequest(f"unsupported version {obj.get('v')!r}", corr)
    method, params = obj.get("method"), obj.get("params")
    if not isinstance(method, str) or not isinstance(params, dict):
        raise BadRequest("needs 'method' (string) and 'params' (object)", corr)
    if method not in methods:
        raise BadRequest(f"unknown method {method[:64]!r}", corr, code="unknown_method")
    return RpcCall(corr, method, params)


def parse_status_key(device_id: str, params: Mapping[str, Any], corr: str) -> tuple[str, bool]:
    """The key of a ``payment.status`` call and its ``fence`` flag (authorize keys only)."""
    key = params.get("key")
    if not isinstance(key, str) or not key.startswith(f"{device_id}:") or len(key) > 255:
        raise BadRequest("'key' must be one of this device's idempotency keys", corr)
    fence = params.get("fence", False)
    if not isinstance(fence, bool):
        raise BadRequest("'fence' must be true or false", corr)
    if fence and not key.endswith(":authorize"):
        raise BadRequest("only an authorization can be fenced", corr)
    return key, fence


def parse_operation(device_id: str, call: RpcCall) -> PaymentOp:
    """The :class:`PaymentOp` of a mutating ``payment.*`` call; :class:`BadRequest` if bad."""
    p, corr = call.params, call.corr
    operation = call.method.removeprefix("payment.")
    txn_id = _match(p, "txnId", TXN_ID_RE, corr)
    refund_id = _match(p, "refundId", REFUND_ID_RE, corr) if operation == "refund" else None
    key = idempotency_key(device_id, txn_id, operation, refund_id)
    if operation == "authorize":
        token = p.get("token")
        if not isinstance(token, str) or not 1 <= len(token) <= 255 or not token.isprintable():
            raise BadRequest("'token' must be a payment token of 1-255 characters", corr)
        if looks_like_pan(token):
            raise BadRequest("'token' looks like a card number: refused", corr)
        return PaymentOp(
            operation,
            device_id,
            txn_id,
            key,
            amount_minor=_amount(p, corr),
            token=token,
            currency=_match(p, "currency", _CURRENCY_RE, corr),
            metadata=_metadata(p.get("metadata", {}), corr),
        )
    if operation == "reader_refund":
        # MDB level-1 readers report no reference of their own: then the sale is known to the
        # processor by machine and local transaction id (see rpc.reader_refund_reference).
        reference = (
            _match(p, "readerReference", _REF_RE, corr) if p.get("readerReference") else None
        )
        if reference is not None and looks_like_pan(reference):
            raise BadRequest("'readerReference' looks like a card number: refused", corr)
        return PaymentOp(
            operation,
            device_id,
            txn_id,
            key,
            amount_minor=_amount(p, corr),
            reader_reference=reference,
        )
    auth_id = _match(p, "authId", _REF_RE, corr) if operation != "refund" else None
    amount = None if operation == "void" else _amount(p, corr)
    return PaymentOp(operation, device_id, txn_id, key, amount_minor=amount, auth_id=auth_id)


def _match(params: Mapping[str, Any], name: str, pattern: re.Pattern[str], corr: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise BadRequest(f"{name!r} is missing or malformed", corr)
    return value


def _amount(params: Mapping[str, Any], corr: str) -> int:
    value = params.get("amountMinor")
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_AMOUNT:
        raise BadRequest("'amountMinor' must be a positive integer (minor units)", corr)
    return value


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int_or_none(value: Any) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_AMOUNT
    return value if ok else None


def _check_json(value: Any, where: str, corr: str, depth: int = 0) -> None:
    """Nested metadata: JSON values only, strings without NUL or card numbers, 64-bit ints."""
    if depth > 8:
        raise BadRequest(f"metadata {where}: nested too deeply", corr)
    if isinstance(value, str):
        if "\x00" in value or looks_like_pan(value):
            raise BadRequest(f"metadata {where}: no NUL characters, no card numbers", corr)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > MAX_AMOUNT:
            raise BadRequest(f"metadata {where}: integer out of range", corr)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, where, corr, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json(key, where, corr, depth + 1)
            _check_json(item, f"{where}.{key[:40]}", corr, depth + 1)
    else:
        raise BadRequest(f"metadata {where}: only JSON strings, integers, objects, lists", corr)


def _metadata(value: Any, corr: str) -> dict[str, Any]:
    if not isinstance(value, dict) or len(value) > MAX_METADATA_KEYS:
        raise BadRequest(f"'metadata' must be an object of at most {MAX_METADATA_KEYS}", corr)
    if len(canonical_json(value).encode()) > MAX_METADATA_BYTES:
        raise BadRequest(f"'metadata' is over {MAX_METADATA_BYTES} bytes", corr)
    result: dict[str, Any] = {}
    for key, item in value.items():
        if not _META_KEY_RE.fullmatch(key):
            raise BadRequest(f"metadata key {key[:40]!r} is malformed", corr)
        _check_json(item, key, corr)
        result[key] = item
    sku = result.get("sku")
    if sku is not None:
        try:
            validate_sku(sku if isinstance(sku, str) else "")
        except ProtocolError as exc:
            raise BadRequest(str(exc), corr) from None
    for name in ("unitPriceMinor", "taxMinor"):
        item = result.get(name)
        if item is not None and (not isinstance(item, int) or isinstance(item, bool)):
            raise BadRequest(f"metadata {name!r} must be an integer", corr)
    for name in ("operatorId", "storeId"):
        item = result.get(name)
        if item is not None and not (isinstance(item, str) and _STORE_RE.fullmatch(item)):
            raise BadRequest(f"metadata {name!r} must be an identifier of 1-64 chars", corr)
    return result
