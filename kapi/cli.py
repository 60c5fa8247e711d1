"""The ``kapi`` command: ``kapi serve`` runs a cluster, ``kapi version`` prints versions."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from kapi import __version__

_STARTED = time.monotonic()


def default_data_dir() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "kapi")


def kubeconfig_text(server: str) -> str:
    return (
        "apiVersion: v1\n"
        "kind: Config\n"
        "clusters:\n"
        "- name: kapi\n"
        "  cluster:\n"
        f"    server: {server}\n"
        "users:\n"
        "- name: kapi-admin\n"
        "  user:\n"
        "    token: kapi-admin\n"
        "contexts:\n"
        "- name: kapi\n"
        "  context:\n"
        "    cluster: kapi\n"
        "    user: kapi-admin\n"
        "    namespace: default\n"
        "current-context: kapi\n"
    )


def write_kubeconfig(path: str, server: str) -> None:
    target = Path(path).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(kubeconfig_text(server))
    os.chmod(tmp, 0o600)
    os.replace(tmp, target)


async def serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from kapi.apiserver.app import make_app
    from kapi.apiserver.config import ServerConfig
    from kapi.storage.interface import StorageError

    data_dir = None if args.ephemeral else (args.data_dir or default_data_dir())
    if data_dir:
        os.makedirs(data_dir, exist_ok=True)
    config = ServerConfig(address=args.address, port=args.port, data_dir=data_dir, ephemeral=args.ephemeral)
    app = make_app(config)
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=2.0)
    try:
        await runner.setup()
    except StorageError as exc:
        print(f"kapi: {exc}", file=sys.stderr)
        return 1
    site = web.TCPSite(runner, config.address, config.port, reuse_address=True)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        print(f"kapi: cannot listen on {config.address}:{config.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    kubeconfig = args.kubeconfig or (os.path.join(data_dir, "kubeconfig") if data_dir else
                                     os.path.join(tempfile.gettempdir(), f"kapi-{config.port}.kubeconfig"))
    write_kubeconfig(kubeconfig, config.server_url)
    ready_ms = (time.monotonic() - _STARTED) * 1000
    # objects loaded at start live for the process: keep the collector from rescanning them
    gc.collect()
    gc.freeze()
    where = data_dir or "memory (ephemeral)"
    print(f"kapi {__version__} serving Kubernetes v1.33 API at {config.server_url} (ready in {ready_ms:.0f} ms)\n"
          f"  state:      {where}\n"
          f"  kubeconfig: {kubeconfig}\n"
          f"  try:        export KUBECONFIG={kubeconfig}; kubectl get namespaces", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print("kapi: shutting down", flush=True)
    await runner.cleanup()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kapi", description="A Kubernetes API server in one Python process.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="run the API server")
    where = p_serve.add_mutually_exclusive_group()
    where.add_argument("--data-dir", help=f"where the state lives (default {default_data_dir()})")
    where.add_argument("--ephemeral", action="store_true", help="keep all state in memory")
    p_serve.add_argument("--address", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p_serve.add_argument("--port", type=int, default=6443, help="port to listen on (default 6443)")
    p_serve.add_argument("--kubeconfig", help="where to write a kubeconfig for this server")
    p_serve.add_argument("--log-level", default="WARNING")
    sub.add_parser("version", help="print kapi's version and the Kubernetes version it serves")
    args = parser.parse_args(argv)
    if args.command == "version":
        from kapi.apiserver.system import KUBE_GIT_VERSION

        print(f"kapi {__version__}\nKubernetes API {KUBE_GIT_VERSION}")
        return 0
    logging.basicConfig(level=getattr(logging, str(args.log_level).upper(), logging.WARNING),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
