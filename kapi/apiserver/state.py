"""Typed keys for the aiohttp application's state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from kapi.apiserver.config import ServerConfig
    from kapi.registry.registry import Registry
    from kapi.registry.watching import WatchStream

REGISTRY: web.AppKey[Registry] = web.AppKey("registry")
CONFIG: web.AppKey[ServerConfig] = web.AppKey("config")
WATCHES: web.AppKey[set[WatchStream]] = web.AppKey("watches")
