"""Protobuf request bodies: the wire decoder, the Go JSON form, and malformed input -> 400."""

from __future__ import annotations

import random
import struct
from typing import Any

import pytest

from kapi.apiserver import negotiation, protobuf_bodies
from kapi.machinery import protobuf
from kapi.machinery.errors import StatusError

SCHEMA = protobuf_bodies.schema()
TABLE = protobuf_bodies._load(protobuf_bodies.FIELDS)

# captured from `kubectl create configmap c1 --from-literal=a=b --from-literal=z=` (kubectl v1.33)
KUBECTL_CONFIGMAP = bytes.fromhex(
    "6b3873000a0f0a0276311209436f6e6669674d617012230a120a02633112001a0022002a0032003800420012060a0161120162"
    "12050a017a12001a002200")
# captured from `kubectl create deployment zero --image=nginx --replicas=0`
KUBECTL_DEPLOYMENT = bytes.fromhex(
    "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412af010a210a047a65726f12001a0022002a0032003800"
    "42005a0b0a0361707012047a65726f127c0800120d0a0b0a0361707012047a65726f1a610a1d0a0012001a0022002a003200"
    "380042005a0b0a0361707012047a65726f124012220a056e67696e7812056e67696e782a0042006a00720080010088010090"
    "0100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c08001000180020"
    "00280038001a002200")


# --- a tiny test-only encoder ----------------------------------------------------------------------


def varint(n: int) -> bytes:
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def tag(num: int, wire: int) -> bytes:
    return varint(num << 3 | wire)


def vi(num: int, value: int) -> bytes:
    return tag(num, 0) + varint(value)


def ld(num: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return tag(num, 2) + varint(len(data)) + data


def entry(num: int, key: str, value: bytes | str) -> bytes:
    return ld(num, ld(1, key) + ld(2, value))


def n(message: str, name: str) -> int:
    """A field number by its proto name, so the tests read like the objects."""
    for num, spec in TABLE[message].items():
        if spec["name"] == name:
            return int(num)
    raise KeyError(f"{message}.{name}")


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    return protobuf.MAGIC + ld(1, ld(1, api_version) + ld(2, kind)) + ld(2, raw) + ld(3, "") + ld(4, "")


def meta(name: str = "", **extra: bytes) -> bytes:
    """ObjectMeta the way Go writes it: every non-pointer field present, zero or not."""
    return ld(1, ld(1, name) + ld(2, "") + ld(3, "") + ld(4, "") + ld(5, "") + ld(6, "") + vi(7, 0)
              + ld(8, b"") + b"".join(extra.values()))


def decode(body: bytes) -> dict[str, Any]:
    return protobuf.decode(body, SCHEMA)


def bad(body: bytes) -> str:
    with pytest.raises(StatusError) as info:
        decode(body)
    assert info.value.code == 400 and info.value.reason == "BadRequest"
    return info.value.message


CORE = "k8s.io.api.core.v1"
META = "k8s.io.apimachinery.pkg.apis.meta.v1"


# --- bodies kubectl sends --------------------------------------------------------------------------


def test_kubectl_configmap_body() -> None:
    assert decode(KUBECTL_CONFIGMAP) == {
        "kind": "ConfigMap", "apiVersion": "v1",
        "metadata": {"name": "c1", "creationTimestamp": None},
        "data": {"a": "b", "z": ""},
    }


def test_kubectl_deployment_keeps_pointer_zero_and_drops_plain_zeros() -> None:
    # matches `kubectl create deployment zero --image=nginx --replicas=0 --dry-run=client -o json`
    assert decode(KUBECTL_DEPLOYMENT) == {
        "kind": "Deployment", "apiVersion": "apps/v1",
        "metadata": {"name": "zero", "creationTimestamp": None, "labels": {"app": "zero"}},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "zero"}},
            "template": {
                "metadata": {"creationTimestamp": None, "labels": {"app": "zero"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx", "resources": {}}]},
            },
            "strategy": {},
        },
        "status": {},
    }


def test_decode_body_protobuf_media_type() -> None:
    body = negotiation.decode_body(KUBECTL_CONFIGMAP, "application/vnd.kubernetes.protobuf")
    assert body["kind"] == "ConfigMap" and body["data"] == {"a": "b", "z": ""}
    with pytest.raises(StatusError) as info:
        negotiation.decode_body(b"{}", "application/vnd.kubernetes.protobuf")
    assert info.value.code == 400


@pytest.mark.parametrize("accept", [
    "application/vnd.kubernetes.protobuf,application/json",
    "application/vnd.kubernetes.protobuf, */*",
])
def test_protobuf_accept_gets_json(accept: str) -> None:
    assert negotiation.response_type(accept) == negotiation.JSON


# --- field kinds -------------------------------------------------------------------------------------


def test_bytes_maps_become_base64_and_pointer_false_is_kept() -> None:
    cm = meta("c") + entry(3, "bin", b"\x00\xff") + vi(4, 0)  # binaryData, immutable=false
    assert decode(envelope("v1", "ConfigMap", cm)) == {
        "kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "c", "creationTimestamp": None},
        "binaryData": {"bin": "AP8="}, "immutable": False,
    }
    secret = meta("s") + entry(2, "password", b"s3cr3t") + entry(2, "empty", b"") + ld(3, "Opaque")
    out = decode(envelope("v1", "Secret", secret))
    assert out["data"] == {"password": "czNjcjN0", "empty": ""} and out["type"] == "Opaque"


def test_non_omitempty_zero_is_kept() -> None:
    pc = meta("p") + vi(n("k8s.io.api.scheduling.v1.PriorityClass", "value"), 0) \
        + vi(n("k8s.io.api.scheduling.v1.PriorityClass", "globalDefault"), 0)
    out = decode(envelope("scheduling.k8s.io/v1", "PriorityClass", pc))
    assert out["value"] == 0 and "globalDefault" not in out


def test_negative_ints_and_packed_repeated() -> None:
    req = "k8s.io.api.batch.v1.PodFailurePolicyOnExitCodesRequirement"
    values = n(req, "values")
    unpacked = ld(2, "In") + vi(values, 1) + vi(values, -2)
    packed = ld(2, "In") + ld(values, varint(1) + varint(-2) + varint(2**31 - 1))
    assert protobuf.decode_message(unpacked, req, SCHEMA) == {"operator": "In", "values": [1, -2]}
    assert protobuf.decode_message(packed, req, SCHEMA) == {"operator": "In", "values": [1, -2, 2**31 - 1]}


def test_unknown_fields_of_every_wire_type_are_skipped() -> None:
    junk = vi(900, 5) + tag(901, 1) + b"\x00" * 8 + ld(902, b"xyz") + tag(903, 5) + b"\x00" * 4
    out = decode(envelope("v1", "ConfigMap", meta("c") + junk + entry(2, "a", "b")))
    assert out["data"] == {"a": "b"}


def test_time_and_micro_time() -> None:
    created = ld(n(f"{META}.ObjectMeta", "creationTimestamp"), vi(1, 1_700_000_000) + vi(2, 123_456_789))
    lease_spec = (ld(1, "me") + ld(3, vi(1, 1_700_000_000) + vi(2, 123_456_789))  # acquireTime
                  + ld(4, vi(1, 0)))  # renewTime at the epoch
    body = ld(1, ld(1, "l") + created) + ld(2, lease_spec)
    out = decode(envelope("coordination.k8s.io/v1", "Lease", body))
    assert out["metadata"] == {"name": "l", "creationTimestamp": "2023-11-14T22:13:20Z"}  # Time drops nanos
    assert out["spec"] == {"holderIdentity": "me", "acquireTime": "2023-11-14T22:13:20.123456Z",
                           "renewTime": "1970-01-01T00:00:00.000000Z"}


def test_time_out_of_range_is_400() -> None:
    created = ld(8, vi(1, 10**15))
    assert "out of range" in bad(envelope("v1", "ConfigMap", ld(1, ld(1, "c") + created)))


@pytest.mark.parametrize(("nanos", "text"), [
    (0, "0s"), (1, "1ns"), (1500, "1.5µs"), (2_000_000, "2ms"), (1_500_000_000, "1.5s"), (60 * 10**9, "1m0s"),
    (3600 * 10**9, "1h0m0s"), (5400 * 10**9 + 500_000_000, "1h30m0.5s"), (-90 * 10**9, "-1m30s"),
])
def test_duration(nanos: int, text: str) -> None:
    assert protobuf.go_duration(nanos) == text
    assert protobuf.decode_message(vi(1, nanos), protobuf.DURATION, SCHEMA) == text


def test_quantity_map_and_int_or_string() -> None:
    quota = meta("q") + ld(2, ld(1, ld(1, "cpu") + ld(2, ld(1, "500m"))) + ld(1, ld(1, "pods") + ld(2, b"")))
    assert decode(envelope("v1", "ResourceQuota", quota))["spec"] == {"hard": {"cpu": "500m", "pods": "0"}}
    port = "k8s.io.api.core.v1.ServicePort"
    by_int = vi(3, 80) + ld(4, vi(1, 0) + vi(2, 8080) + ld(3, ""))
    by_name = vi(3, 80) + ld(4, vi(1, 1) + vi(2, 0) + ld(3, "http"))
    assert protobuf.decode_message(by_int, port, SCHEMA) == {"port": 80, "targetPort": 8080}
    assert protobuf.decode_message(by_name, port, SCHEMA) == {"port": 80, "targetPort": "http"}
    pdb = meta("p") + ld(2, ld(1, vi(1, 0) + vi(2, 0) + ld(3, "")))
    assert decode(envelope("policy/v1", "PodDisruptionBudget", pdb))["spec"] == {"minAvailable": 0}


def test_raw_extension_json_and_nested_protobuf() -> None:
    as_json = meta("r") + ld(2, ld(1, b'{"spec":{"x":[1,2]}}')) + vi(3, 7)
    out = decode(envelope("apps/v1", "ControllerRevision", as_json))
    assert out["data"] == {"spec": {"x": [1, 2]}} and out["revision"] == 7
    nested = meta("r") + ld(2, ld(1, KUBECTL_CONFIGMAP)) + vi(3, 1)
    assert decode(envelope("apps/v1", "ControllerRevision", nested))["data"]["data"] == {"a": "b", "z": ""}
    assert "neither JSON nor protobuf" in bad(envelope("apps/v1", "ControllerRevision", meta("r") + ld(2, ld(1, b"{"))))


def test_managed_fields_with_fields_v1() -> None:
    mf = ld(1, "kubectl") + ld(2, "Update") + ld(3, "v1") + ld(4, vi(1, 0)) + ld(6, "FieldsV1") \
        + ld(7, ld(1, b'{"f:data":{".":{}}}'))
    body = ld(1, ld(1, "c") + ld(17, mf))
    out = decode(envelope("v1", "ConfigMap", body))
    assert out["metadata"]["managedFields"] == [{
        "manager": "kubectl", "operation": "Update", "apiVersion": "v1", "time": "1970-01-01T00:00:00Z",
        "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {".": {}}},
    }]


def test_inlined_structs_renamed_fields_and_slice_types() -> None:
    volume = ld(1, "scratch") + ld(2, ld(2, ld(1, "Memory")))  # Volume.volumeSource (inline) . emptyDir
    probe = ld(1, ld(1, ld(1, "true"))) + vi(2, 0) + vi(3, 1)  # Probe.handler (inline) . exec
    container = ld(1, "c") + ld(2, "img") + ld(n(f"{CORE}.Container", "livenessProbe"), probe)
    pod = meta("p") + ld(2, ld(1, volume) + ld(2, container))  # PodSpec: volumes=1, containers=2
    out = decode(envelope("v1", "Pod", pod))
    assert out["spec"]["volumes"] == [{"name": "scratch", "emptyDir": {"medium": "Memory"}}]
    assert out["spec"]["containers"][0]["livenessProbe"] == {"exec": {"command": ["true"]}, "timeoutSeconds": 1}

    params = ld(1, "example.com") + ld(2, "Params") + ld(3, "p")  # proto name aPIGroup, JSON apiGroup
    ic = meta("ic") + ld(2, ld(1, "ctrl") + ld(2, params))
    assert decode(envelope("networking.k8s.io/v1", "IngressClass", ic))["spec"]["parameters"] == {
        "apiGroup": "example.com", "kind": "Params", "name": "p"}

    spec = ld(3, "alice") + ld(5, ld(1, "scopes") + ld(2, ld(1, "a") + ld(1, "b")))  # extra: map to ExtraValue
    sar = meta() + ld(2, spec)
    out = decode(envelope("authorization.k8s.io/v1", "SubjectAccessReview", sar))
    assert out["spec"] == {"user": "alice", "extra": {"scopes": ["a", "b"]}}


def test_options_kinds_resolve_from_any_group_version() -> None:
    out = decode(envelope("apps/v1", "DeleteOptions", vi(n(f"{META}.DeleteOptions", "gracePeriodSeconds"), 0)
                          + ld(n(f"{META}.DeleteOptions", "propagationPolicy"), "Foreground")))
    assert out == {"kind": "DeleteOptions", "apiVersion": "apps/v1", "gracePeriodSeconds": 0,
                   "propagationPolicy": "Foreground"}


def test_schema_without_go_facts_drops_all_zero_scalars() -> None:
    bare = protobuf.Schema(TABLE)
    out = protobuf.decode(KUBECTL_DEPLOYMENT, bare)
    assert "replicas" not in out["spec"]


# --- malformed input ---------------------------------------------------------------------------------


def test_malformed_envelopes() -> None:
    assert "magic" in bad(b"\x0a\x00")
    assert "magic" in bad(b"")
    assert "Kind" in bad(protobuf.MAGIC + ld(1, ld(1, "v1")))
    assert "apiVersion" in bad(protobuf.MAGIC + ld(1, ld(2, "ConfigMap")))
    assert "is registered" in bad(envelope("v1", "NoSuchKind", b""))
    assert "is registered" in bad(envelope("example.com/v1", "Widget", b""))
    assert "content encoding" in bad(protobuf.MAGIC + ld(1, ld(1, "v1") + ld(2, "ConfigMap")) + ld(3, "gzip"))


def test_malformed_wire_data() -> None:
    assert "truncated varint" in bad(envelope("v1", "ConfigMap", b"\x0a\x80"))
    assert "past the end" in bad(envelope("v1", "ConfigMap", b"\x0a\x05ab"))
    assert "wire type" in bad(envelope("v1", "ConfigMap", vi(1, 3)))  # metadata as a varint
    assert "wire type" in bad(envelope("v1", "ConfigMap", meta("c") + ld(4, b"\x01")))  # immutable as bytes
    assert "wire type 3" in bad(envelope("v1", "ConfigMap", tag(99, 3)))  # groups are not supported
    assert "longer than 10 bytes" in bad(envelope("v1", "ConfigMap", b"\x20" + b"\xff" * 11 + b"\x01"))
    assert "field number 0" in bad(envelope("v1", "ConfigMap", b"\x00\x00"))
    assert "truncated fixed-width" in bad(envelope("v1", "ConfigMap", tag(99, 1) + b"\x00\x00"))
    assert "past the end" in bad(protobuf.MAGIC + b"\x12\x7f")


def test_deep_nesting_is_400_not_a_crash() -> None:
    body = KUBECTL_CONFIGMAP
    for _ in range(300):
        body = envelope("apps/v1", "ControllerRevision", ld(2, ld(1, body)))
    assert "nested" in bad(body)


def test_nan_is_400() -> None:
    # no built-in kind has a double field: exercise the reader through a one-message table
    table = {"t.M": {"1": {"label": "optional", "name": "d", "type": "double"}}}
    schema = protobuf.Schema(table)
    assert protobuf.decode_message(tag(1, 1) + struct.pack("<d", 1.5), "t.M", schema) == {"d": 1.5}
    with pytest.raises(StatusError) as info:
        protobuf.decode_message(tag(1, 1) + struct.pack("<d", float("nan")), "t.M", schema)
    assert info.value.code == 400


def test_truncations_and_corruptions_never_escape_as_other_errors() -> None:
    rng = random.Random(1234)
    samples = [KUBECTL_CONFIGMAP, KUBECTL_DEPLOYMENT]
    for sample in samples:
        for cut in range(len(sample)):
            try:
                decode(sample[:cut])
            except StatusError as exc:
                assert exc.code == 400
        for _ in range(2000):
            data = bytearray(sample)
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(4, len(data))] = rng.randrange(256)
            try:
                decode(bytes(data))
            except StatusError as exc:
                assert exc.code == 400
