"""What a write returns: the encoded answer, its HTTP status, and the object it describes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class WriteResult:
    body: bytes
    code: int = 200
    obj: dict[str, Any] | None = None
