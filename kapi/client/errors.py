"""The one error type clients see: an API ``Status`` failure."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A failed API call, carrying the server's ``Status`` (code, reason, message)."""

    def __init__(self, code: int, reason: str, message: str, status: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code} {reason}: {message}")
        self.code = code
        self.reason = reason
        self.message = message
        self.status = status if status is not None else {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}

    @classmethod
    def from_status(cls, status: Any, code: int | None = None) -> ApiError:
        if not isinstance(status, dict):
            return cls(code or 500, "InternalError", str(status))
        return cls(int(status.get("code") or code or 500), str(status.get("reason") or ""),
                   str(status.get("message") or ""), status)

    @property
    def not_found(self) -> bool:
        return self.code == 404

    @property
    def conflict(self) -> bool:
        return self.code == 409

    @property
    def expired(self) -> bool:
        return self.code == 410

    def __repr__(self) -> str:
        return f"ApiError({self.code}, {self.reason!r}, {self.message!r})"
