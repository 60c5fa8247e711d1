"""Protobuf request bodies (``application/vnd.kubernetes.protobuf``): the tables, loaded once.

kubectl's typed commands (``create configmap``, ``create deployment``...) send protobuf and never
fall back to JSON. The wire decoding lives in :mod:`kapi.machinery.protobuf`; this module only
loads its two data files, shipped in ``kapi/apiserver/data``:

* ``k8s-protobuf-fields.json``: message -> field number -> name/type/label, from upstream's
  ``generated.proto`` files (a copy of the shared reference table);
* ``k8s-protobuf-gojson.json``: the Go JSON facts the proto files do not carry (which zero scalars
  Go's encoding/json writes, inlined embedded structs, JSON names that differ from proto names).
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import orjson

from kapi.machinery import protobuf

FIELDS = "k8s-protobuf-fields.json"
GOJSON = "k8s-protobuf-gojson.json"


def _load(name: str) -> dict[str, Any]:
    data = resources.files("kapi.apiserver").joinpath("data", name).read_bytes()
    loaded = orjson.loads(data)
    if not isinstance(loaded, dict):
        raise ValueError(f"{name}: expected a JSON object")
    return loaded


@functools.cache
def schema() -> protobuf.Schema:
    return protobuf.Schema(_load(FIELDS), _load(GOJSON))


def decode(raw: bytes) -> dict[str, Any]:
    """A protobuf request body into the JSON form; 400 for anything malformed."""
    return protobuf.decode(raw, schema())
