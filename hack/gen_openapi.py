#!/usr/bin/env python3
"""Generate ``openapi/v1.33/definitions.json`` from kubernetes-validate's published schemas.

The source is ``kubernetes_validate/kubernetes-json-schema/v1.33.0-local/_definitions.json``
from the ``kubernetes-validate`` dev dependency (a JSON-schema rendering of upstream's OpenAPI,
descriptions and ``x-kubernetes-*`` extensions included). The output keeps only what kapi
serves: the kinds of ``kapi.registry.builtin_facts`` (and their lists, subresource bodies and
auxiliary kinds), all of ``meta/v1``, and everything those reference. It is written with sorted
keys and no whitespace so that regenerating is byte-for-byte reproducible.

Usage: ``python hack/gen_openapi.py [--source PATH] [--output PATH]``

``--documents DIR`` instead writes the OpenAPI documents the server serves (built from the
current definitions and kapi's route table by ``kapi.apiserver.openapi``; the server builds them
lazily itself): ``DIR/v3/<api path>.json`` per ``/openapi/v3`` entry and ``DIR/v2/swagger.json``,
for inspection and diffing against upstream's ``api/openapi-spec``.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from kapi.registry.builtin_facts import AUXILIARY_KINDS, FACTS  # noqa: E402

SCHEMA_VERSION = "v1.33.0-local"
DEFAULT_OUTPUT = REPO / "openapi" / "v1.33" / "definitions.json"
REF_PREFIX = "#/$defs/"
#: always kept whole: list/status/delete/watch/discovery bodies and /version
ALWAYS_PREFIXES = ("io.k8s.apimachinery.pkg.apis.meta.v1.", "io.k8s.apimachinery.pkg.version.")

GVK = tuple[str, str, str]


def locate_source() -> Path:
    """The ``_definitions.json`` of the installed kubernetes-validate, without importing it."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("kubernetes-validate is not installed (pip install -e '.[dev]'), or pass --source")
    package = Path(next(iter(spec.submodule_search_locations)))
    path = package / "kubernetes-json-schema" / SCHEMA_VERSION / "_definitions.json"
    if not path.is_file():
        raise SystemExit(f"{path} not found; is kubernetes-validate 1.37.0 installed?")
    return path


def _split(group_version: str) -> tuple[str, str]:
    group, _, version = group_version.rpartition("/")
    return group, version


def wanted_kinds() -> set[GVK]:
    """Every served kind, its list kind, each subresource body kind, and the auxiliary kinds."""
    out: set[GVK] = set()
    for fact in FACTS:
        group, version = _split(fact.group_version)
        out.add((group, version, fact.kind))
        out.add((group, version, fact.kind + "List"))
        for sub in fact.subresources:
            if sub.kind:
                out.add((*_split(sub.group_version or fact.group_version), sub.kind))
    out.update((*_split(gv), kind) for gv, kind in AUXILIARY_KINDS)
    return out


def index_by_gvk(defs: dict[str, Any]) -> dict[GVK, str]:
    index: dict[GVK, str] = {}
    for name, schema in defs.items():
        for gvk in schema.get("x-kubernetes-group-version-kind") or ():
            index.setdefault((gvk["group"], gvk["version"], gvk["kind"]), name)
    return index


def _refs(node: Any) -> Iterator[str]:
    """Names referenced anywhere below ``node``."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            yield ref[len(REF_PREFIX) :]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def closure(defs: dict[str, Any], roots: Iterable[str]) -> set[str]:
    """``roots`` plus every definition reachable from them through ``$ref``."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in defs:
            raise SystemExit(f"dangling $ref to {name!r}")
        seen.add(name)
        todo.extend(_refs(defs[name]))
    return seen


def select(defs: dict[str, Any]) -> dict[str, Any]:
    """The subset of ``defs`` kapi serves. Served kinds must exist; subresource bodies may not
    (upstream publishes no schema for PodExecOptions and the other connect options)."""
    index = index_by_gvk(defs)
    served = {(f.group, f.version, f.kind) for f in FACTS}
    missing = sorted(gvk for gvk in served if gvk not in index)
    if missing:
        raise SystemExit(f"no schema for served kinds: {missing}")
    roots = {index[gvk] for gvk in wanted_kinds() if gvk in index}
    roots.update(name for name in defs if name.startswith(ALWAYS_PREFIXES))
    return {name: defs[name] for name in sorted(closure(defs, roots))}


def render(selected: dict[str, Any], source_label: str) -> bytes:
    doc = {
        "$comment": f"generated by hack/gen_openapi.py from {source_label}; do not edit",
        "$defs": selected,
    }
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS) + b"\n"


def write_documents(directory: Path) -> None:
    """The served /openapi/v3 and /openapi/v2 documents, pretty-printed, under ``directory``."""
    from kapi.apiserver.openapi import OpenAPIDocuments
    from kapi.registry.catalog import Catalog, load_definitions

    definitions = load_definitions()
    docs = OpenAPIDocuments(Catalog.builtin(definitions), definitions)
    option = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
    outputs = {f"v3/{key}.json": orjson.loads(doc.body) for key, doc in docs.v3().items()}
    outputs["v2/swagger.json"] = orjson.loads(docs.v2_json())
    for name, doc in outputs.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps(doc, option=option) + b"\n")
    print(f"{directory}: {len(outputs)} documents")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="a _definitions.json to read instead")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--documents", type=Path, metavar="DIR",
                        help="write the served OpenAPI documents under DIR instead")
    args = parser.parse_args(argv)
    if args.documents:
        write_documents(args.documents)
        return 0

    source: Path = args.source or locate_source()
    defs = orjson.loads(source.read_bytes())["$defs"]
    selected = select(defs)
    data = render(selected, f"kubernetes-validate 1.37.0 {SCHEMA_VERSION}/_definitions.json")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"{args.output}: {len(selected)} of {len(defs)} definitions, {len(data)} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
