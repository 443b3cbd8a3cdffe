"""What a payment request is answered: a result object or an error (code, message), stored
with the request (``payment_requests.reply``) and sent to the device as is."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sync.protocol import canonical_json


def refused(code: str, message: str) -> Reply:
    return Reply(error=(code, message))


@dataclass(frozen=True)
class Reply:
    """What the device is answered: a result object or an error (code, message)."""

    result: dict[str, Any] | None = None
    error: tuple[str, str] | None = None

    def to_json(self) -> str:
        if self.error is not None:
            return canonical_json({"error": {"code": self.error[0], "message": self.error[1]}})
        return canonical_json({"result": self.result or {}})

    @classmethod
    def from_json(cls, raw: str) -> Reply:
        obj = json.loads(raw)
        if "error" in obj:
            return cls(error=(str(obj["error"]["code"]), str(obj["error"]["message"])))
        return cls(result=dict(obj["result"]))
