"""Parse a Kubernetes API path into what it names (upstream's ``RequestInfo``).

    /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
    /apis/{group}/{version}[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
    /api/v1/watch/...  and  /apis/{g}/{v}/watch/...   (deprecated watch paths)
    /api/v1/namespaces/{name}[/status|/finalize]      (the namespace object itself)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class RequestInfo:
    group: str
    version: str
    namespace: str | None = None
    resource: str | None = None
    name: str | None = None
    subresource: str | None = None
    legacy_watch: bool = False
    parts: tuple[str, ...] = ()  # subresource path beyond the subresource name (e.g. proxy paths)


def parse_path(path: str) -> RequestInfo | None:
    """None when the path is not a resource path (discovery and unknown paths are handled elsewhere)."""
    segments = [s for s in path.split("/") if s != ""]
    if not segments:
        return None
    if segments[0] == "api":
        if len(segments) < 2:
            return None
        info = RequestInfo(group="", version=segments[1])
        rest = segments[2:]
    elif segments[0] == "apis":
        if len(segments) < 3:
            return None
        info = RequestInfo(group=segments[1], version=segments[2])
        rest = segments[3:]
    else:
        return None
    if not rest:
        return info
    if rest[0] == "watch":
        info.legacy_watch = True
        rest = rest[1:]
        if not rest:
            return info
    if rest[0] == "namespaces" and info.group == "":
        if len(rest) == 1:
            info.resource = "namespaces"
            return info
        if len(rest) == 2:
            info.resource, info.name = "namespaces", rest[1]
            return info
        if len(rest) == 3 and rest[2] in ("status", "finalize"):
            info.resource, info.name, info.subresource = "namespaces", rest[1], rest[2]
            return info
        info.namespace = rest[1]
        rest = rest[2:]
    elif rest[0] == "namespaces" and len(rest) >= 3:
        info.namespace = rest[1]
        rest = rest[2:]
    info.resource = rest[0]
    if len(rest) > 1:
        info.name = rest[1]
    if len(rest) > 2:
        info.subresource = rest[2]
    if len(rest) > 3:
        info.parts = tuple(rest[3:])
    return info
