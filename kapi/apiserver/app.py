"""The aiohttp application, structured by its lifecycle.

``make_app(config)`` builds the app; ``cleanup_ctx`` opens the store and the registry and
closes them in reverse order; watch streams are ended from ``on_shutdown`` so a graceful stop
does not wait for clients. Authentication and authorization will sit in ``middlewares`` before
``status_errors``' handler runs (a later issue); today every request is ``system:admin``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from kapi.apiserver import handlers, openapi, system
from kapi.apiserver.config import ServerConfig
from kapi.apiserver.gctuning import gc_ctx
from kapi.apiserver.middleware import status_errors
from kapi.apiserver.negotiation import MAX_BODY
from kapi.apiserver.state import CONFIG, REGISTRY, WATCHES
from kapi.registry.catalog import Catalog, load_definitions
from kapi.registry.registry import Registry
from kapi.storage import open_store


def make_app(config: ServerConfig) -> web.Application:
    # a little above the API's own limit, so the handler can answer 413 with a Status itself
    # Go's server reads request lines and headers up to 1 MiB; long label selectors need it
    app = web.Application(middlewares=[status_errors], client_max_size=MAX_BODY + 1024,
                          handler_args={"max_line_size": 1 << 20, "max_field_size": 1 << 16})
    app[CONFIG] = config
    app[WATCHES] = set()
    system.add_routes(app)
    openapi.add_routes(app)
    for prefix in ("/api/{tail:.+}", "/apis/{tail:.+}"):
        app.router.add_route("*", prefix, handlers.handle_resource)
    app.cleanup_ctx.append(_registry_ctx)
    app.cleanup_ctx.append(gc_ctx)
    app.on_shutdown.append(_end_watches)
    return app


async def _registry_ctx(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    store = open_store(_db_path(config), ephemeral=config.ephemeral, **config.store_tuning)
    await store.start()
    try:
        registry = Registry(store=store, catalog=Catalog.builtin(), definitions=load_definitions(),
                            service_cidr=config.service_cidr, node_port_range=config.node_port_range,
                            api_port=config.port)
        await registry.start()
        app[REGISTRY] = registry
        try:
            yield
        finally:
            await registry.stop()
    finally:
        await store.close()


def _db_path(config: ServerConfig) -> str | None:
    if config.ephemeral or not config.data_dir:
        return None
    return f"{config.data_dir.rstrip('/')}/state.db"


async def _end_watches(app: web.Application) -> None:
    for stream in list(app[WATCHES]):
        stream.close()
