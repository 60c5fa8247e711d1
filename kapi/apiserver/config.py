"""Server configuration: everything ``kapi serve`` can set."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class ServerConfig:
    address: str = "127.0.0.1"
    port: int = 6443
    data_dir: str | None = None  # None with ephemeral=True: nothing on disk
    ephemeral: bool = False
    service_cidr: str = "10.96.0.0/12"
    node_port_range: tuple[int, int] = (30000, 32767)
    store_tuning: dict[str, Any] = field(default_factory=dict)  # StoreConfig fields, e.g. for tests

    @property
    def server_url(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"http://{host}:{self.port}"
