"""Schema-driven decode checks (kapi.machinery.validation) on real 1.33 built-in schemas."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kapi.machinery.schema import Definitions, SchemaNode
from kapi.machinery.validation import (
    DEFAULT_MAX_DEPTH,
    check_depth,
    check_types,
    quantity_error,
    required_fields,
    strip_unknown_fields,
    time_error,
    unknown_fields,
)

# the committed definitions (hack/gen_openapi.py); always in the repository
_DEFINITIONS = Path(__file__).resolve().parents[2] / "openapi" / "v1.33" / "definitions.json"
DEFS = Definitions(orjson.loads(_DEFINITIONS.read_bytes())["$defs"])


def node(name: str) -> SchemaNode:
    assert DEFS is not None
    return DEFS.node(name)


def pod() -> SchemaNode:
    return node("io.k8s.api.core.v1.Pod")


def deployment() -> SchemaNode:
    return node("io.k8s.api.apps.v1.Deployment")


def dep_error(obj: Any) -> str | None:
    return check_types(obj, deployment(), kind="Deployment", api_version="apps/v1")


def pod_error(obj: Any) -> str | None:
    return check_types(obj, pod(), kind="Pod", api_version="v1")


DEP = 'Deployment in version "v1" cannot be handled as a Deployment: '
POD = 'Pod in version "v1" cannot be handled as a Pod: '


def realistic_pod() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web-7d4b9c8f5-x2x9k",
            "namespace": "default",
            "generateName": "web-7d4b9c8f5-",
            "labels": {"app": "web", "pod-template-hash": "7d4b9c8f5", "tier": "frontend"},
            "annotations": {"kubectl.kubernetes.io/restartedAt": "2024-05-01T10:00:00Z"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "web-7d4b9c8f5",
                    "uid": "5f1e6a3c-1111-2222-3333-444455556666",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            "creationTimestamp": "2024-05-01T10:00:00Z",
            "uid": "0b6f3c2e-aaaa-bbbb-cccc-ddddeeeeffff",
            "resourceVersion": "12345",
            "managedFields": [
                {
                    "manager": "kube-controller-manager",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": "2024-05-01T10:00:00Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}},
                }
            ],
        },
        "spec": {
            "containers": [
                {
                    "name": "web",
                    "image": "nginx:1.25",
                    "imagePullPolicy": "IfNotPresent",
                    "args": ["--port=8080", "--verbose"],
                    "ports": [
                        {"name": "http", "containerPort": 8080, "protocol": "TCP"},
                        {"name": "metrics", "containerPort": 9090, "protocol": "TCP"},
                    ],
                    "env": [
                        {"name": "MODE", "value": "prod"},
                        {
                            "name": "POD_NAME",
                            "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}},
                        },
                        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}},
                    ],
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "128Mi"},
                        "limits": {"cpu": 1, "memory": "256Mi"},
                    },
                    "livenessProbe": {
                        "httpGet": {"path": "/healthz", "port": "http"},
                        "initialDelaySeconds": 10,
                    },
                    "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5},
                    "volumeMounts": [{"name": "config", "mountPath": "/etc/web", "readOnly": True}],
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 1000,
                        "allowPrivilegeEscalation": False,
                        "capabilities": {"drop": ["ALL"]},
                    },
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                },
                {
                    "name": "sidecar",
                    "image": "busybox:1.36",
                    "command": ["sh", "-c", "sleep infinity"],
                    "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
                },
            ],
            "volumes": [
                {"name": "config", "configMap": {"name": "web-config", "defaultMode": 420}},
                {
                    "name": "kube-api-access",
                    "projected": {
                        "defaultMode": 420,
                        "sources": [
                            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                            {
                                "configMap": {
                                    "name": "kube-root-ca.crt",
                                    "items": [{"key": "ca.crt", "path": "ca.crt"}],
                                }
                            },
                            {
                                "downwardAPI": {
                                    "items": [
                                        {
                                            "path": "namespace",
                                            "fieldRef": {
                                                "apiVersion": "v1",
                                                "fieldPath": "metadata.namespace",
                                            },
                                        }
                                    ]
                                }
                            },
                        ],
                    },
                },
            ],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default",
            "nodeSelector": {"kubernetes.io/os": "linux"},
            "tolerations": [
                {
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                }
            ],
            "affinity": {
                "podAntiAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {
                            "weight": 100,
                            "podAffinityTerm": {
                                "labelSelector": {
                                    "matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]
                                },
                                "topologyKey": "kubernetes.io/hostname",
                            },
                        }
                    ]
                }
            },
            "securityContext": {"fsGroup": 2000},
            "priority": 0,
            "enableServiceLinks": True,
        },
        "status": {
            "phase": "Running",
            "podIP": "10.0.0.5",
            "startTime": "2024-05-01T10:00:01Z",
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2024-05-01T10:00:05Z"}],
            "containerStatuses": [
                {
                    "name": "web",
                    "ready": True,
                    "restartCount": 0,
                    "image": "nginx:1.25",
                    "imageID": "",
                    "state": {"running": {"startedAt": "2024-05-01T10:00:02Z"}},
                }
            ],
        },
    }


# --- the happy path ----------------------------------------------------------------------------


def test_realistic_pod_is_clean() -> None:
    obj = realistic_pod()
    assert pod_error(obj) is None
    assert unknown_fields(obj, pod()) == []
    assert required_fields(obj, pod()) == []
    assert check_depth(obj) is None


def test_timing_of_check_types_on_a_realistic_pod() -> None:
    obj = realistic_pod()
    size = len(orjson.dumps(obj))
    pod_error(obj)  # compile the plans once
    rounds = 500
    started = time.perf_counter()
    for _ in range(rounds):
        pod_error(obj)
    per_check = (time.perf_counter() - started) / rounds
    started = time.perf_counter()
    for _ in range(rounds):
        unknown_fields(obj, pod())
    per_unknown = (time.perf_counter() - started) / rounds
    print(
        f"\ncheck_types on a {size}-byte pod: {per_check * 1e6:.1f} µs; "
        f"unknown_fields: {per_unknown * 1e6:.1f} µs"
    )


def test_check_types_does_not_mutate() -> None:
    obj = realistic_pod()
    obj["spec"]["bogus"] = {"x": 1}
    before = copy.deepcopy(obj)
    pod_error(obj)
    unknown_fields(obj, pod())
    required_fields(obj, pod())
    assert obj == before


# --- type errors -------------------------------------------------------------------------------


def test_string_into_int32() -> None:
    assert dep_error({"spec": {"replicas": "3"}}) == DEP + (
        "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"
    )


def test_numbers_into_ints() -> None:
    assert dep_error({"spec": {"replicas": 3}}) is None
    assert dep_error({"spec": {"replicas": 3.5}}) == DEP + (
        "json: cannot unmarshal number 3.5 into Go struct field DeploymentSpec.spec.replicas of type int32"
    )
    assert dep_error({"spec": {"replicas": 2**31}}) == DEP + (
        "json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas "
        "of type int32"
    )
    assert dep_error({"spec": {"replicas": True}}) == DEP + (
        "json: cannot unmarshal bool into Go struct field DeploymentSpec.spec.replicas of type int32"
    )
    # int64 fields take big numbers
    assert pod_error({"spec": {"activeDeadlineSeconds": 2**40}}) is None
    assert pod_error({"spec": {"activeDeadlineSeconds": "1"}}) == POD + (
        "json: cannot unmarshal string into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64"
    )


def test_object_and_array_mismatches() -> None:
    assert dep_error({"spec": "x"}) == DEP + (
        "json: cannot unmarshal string into Go struct field Deployment.spec of type v1.DeploymentSpec"
    )
    assert pod_error({"spec": {"containers": {}}}) == POD + (
        "json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container"
    )
    assert pod_error({"metadata": {"labels": []}}) == POD + (
        "json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels "
        "of type map[string]string"
    )
    assert pod_error({"metadata": {"labels": {"a": 1}}}) == POD + (
        "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"
    )
    assert pod_error({"spec": {"containers": [1]}}) == POD + (
        "json: cannot unmarshal number into Go struct field PodSpec.spec.containers of type v1.Container"
    )
    assert pod_error({"spec": {"containers": [{"args": ["a", 2]}]}}) == POD + (
        "json: cannot unmarshal number into Go struct field Container.spec.containers.args of type string"
    )
    assert pod_error({"spec": {"hostNetwork": "yes"}}) == POD + (
        "json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type bool"
    )
    assert pod_error([]) == POD + "json: cannot unmarshal array into Go value of type v1.Pod"


def test_nested_paths_skip_indexes_like_go() -> None:
    obj = {
        "spec": {"template": {"spec": {"containers": [{"name": "a"}, {"ports": [{"containerPort": "80"}]}]}}}
    }
    assert dep_error(obj) == DEP + (
        "json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports"
        ".containerPort of type int32"
    )


def test_first_type_error_wins() -> None:
    obj = {"spec": {"replicas": "3", "paused": "no"}}
    assert dep_error(obj) == DEP + (
        "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"
    )


def test_nulls_are_accepted_everywhere() -> None:
    obj = {
        "metadata": {"labels": None, "creationTimestamp": None, "ownerReferences": [None]},
        "spec": {
            "replicas": None,
            "selector": None,
            "template": {
                "spec": {
                    "containers": [{"name": None, "resources": {"limits": {"cpu": None}}}],
                    "nodeSelector": {"a": None},
                }
            },
            "strategy": {"rollingUpdate": {"maxSurge": None}},
        },
    }
    assert dep_error(obj) is None


def test_unknown_fields_are_not_type_checked() -> None:
    assert dep_error({"spec": {"replicaz": "3", "Replicas": "3"}}) is None


def test_maps_of_structs_and_go_type_names() -> None:
    crd = node("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition")
    obj = {
        "spec": {
            "versions": [
                {
                    "name": "v1",
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {"spec": {"type": "object", "properties": {"n": {"type": 5}}}},
                        }
                    },
                }
            ]
        }
    }
    assert check_types(obj, crd, kind="CustomResourceDefinition", api_version="apiextensions.k8s.io/v1") == (
        'CustomResourceDefinition in version "v1" cannot be handled as a CustomResourceDefinition: '
        "json: cannot unmarshal number into Go struct field JSONSchemaProps.spec.versions.schema."
        "openAPIV3Schema.properties.properties.type of type string"
    )


# --- values with their own decoders ------------------------------------------------------------


@pytest.mark.parametrize("value", ["25%", 1, 0, "http", "", -3])
def test_int_or_string_accepted(value: Any) -> None:
    assert dep_error({"spec": {"strategy": {"rollingUpdate": {"maxSurge": value}}}}) is None
    svc = {"spec": {"ports": [{"port": 80, "targetPort": value}]}}
    assert check_types(svc, node("io.k8s.api.core.v1.Service"), kind="Service", api_version="v1") is None


@pytest.mark.parametrize(
    ("value", "what"),
    [(2.5, "number 2.5"), (True, "bool"), ({}, "object"), ([], "array"), (2**31, "number 2147483648")],
)
def test_int_or_string_rejected(value: Any, what: str) -> None:
    # IntOrString decodes itself with encoding/json: no field context, and decoding stops
    assert dep_error({"spec": {"strategy": {"rollingUpdate": {"maxUnavailable": value}}}}) == DEP + (
        f"json: cannot unmarshal {what} into Go value of type int32"
    )


@pytest.mark.parametrize(
    "value",
    [
        "100m",
        "1Gi",
        "1.5",
        " 2Gi ",
        "1e3",
        "5E-3",
        "0",
        "+1k",
        "-1",
        ".5",
        1,
        0.25,
        "123456789012345678901234567890",
    ],
)
def test_quantities_accepted(value: Any) -> None:
    obj = {"spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": value}}}]}}
    assert pod_error(obj) is None


FORMAT_WRONG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("abc", FORMAT_WRONG),
        ("", FORMAT_WRONG),
        ("1Q", FORMAT_WRONG),
        ("1.2.3", FORMAT_WRONG),
        (True, FORMAT_WRONG),
        ({}, FORMAT_WRONG),
        ([], FORMAT_WRONG),
        ("1i", "unable to parse quantity's suffix"),
        ("1e", "unable to parse quantity's suffix"),
        ("1Kii", "unable to parse quantity's suffix"),
        ("e-20", "unable to parse numeric part of quantity"),
    ],
)
def test_quantities_rejected(value: Any, error: str) -> None:
    obj = {"spec": {"containers": [{"name": "c", "resources": {"requests": {"memory": value}}}]}}
    assert pod_error(obj) == POD + error


def test_decoder_errors_win_over_earlier_type_errors() -> None:
    obj = {"spec": {"hostNetwork": "yes", "containers": [{"resources": {"limits": {"cpu": "lots"}}}]}}
    assert pod_error(obj) == POD + FORMAT_WRONG


_SUFFIXES = ["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]


@given(
    st.sampled_from(["", "+", "-"]),
    st.text(alphabet="0123456789", min_size=1, max_size=12),
    st.one_of(st.just(""), st.text(alphabet="0123456789", max_size=6).map(lambda d: "." + d)),
    st.one_of(st.sampled_from(_SUFFIXES), st.integers(-30, 30).map(lambda e: f"e{e}")),
)
def test_well_formed_quantities_parse(sign: str, digits: str, fraction: str, suffix: str) -> None:
    assert quantity_error(sign + digits + fraction + suffix) is None


@given(st.text(max_size=16))
def test_quantity_error_never_raises(text: str) -> None:
    result = quantity_error(text)
    assert result is None or result.startswith(("quantities must", "unable to parse"))


@pytest.mark.parametrize(
    "value",
    [
        "2024-05-01T10:00:00Z",
        "2024-05-01T10:00:00+02:00",
        "2024-05-01T10:00:00.5Z",
        "2024-02-29T23:59:59-08:00",
        "2024-05-01T1:00:00Z",
    ],
)
def test_times_accepted(value: str) -> None:
    assert pod_error({"metadata": {"creationTimestamp": value}}) is None


RFC = '"2006-01-02T15:04:05Z07:00"'


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("yesterday", f'parsing time "yesterday" as {RFC}: cannot parse "yesterday" as "2006"'),
        ("2024-05-01", f'parsing time "2024-05-01" as {RFC}: cannot parse "" as "T"'),
        (
            "2024-05-01 10:00:00Z",
            f'parsing time "2024-05-01 10:00:00Z" as {RFC}: cannot parse " 10:00:00Z" as "T"',
        ),
        (
            "2024-5-01T10:00:00Z",
            f'parsing time "2024-5-01T10:00:00Z" as {RFC}: cannot parse "5-01T10:00:00Z" as "01"',
        ),
        ("2024-13-01T10:00:00Z", 'parsing time "2024-13-01T10:00:00Z": month out of range'),
        ("2023-02-29T10:00:00Z", 'parsing time "2023-02-29T10:00:00Z": day out of range'),
        ("2024-05-01T24:00:00Z", 'parsing time "2024-05-01T24:00:00Z": hour out of range'),
        ("2024-05-01T10:60:00Z", 'parsing time "2024-05-01T10:60:00Z": minute out of range'),
        ("2024-05-01T10:00:00", f'parsing time "2024-05-01T10:00:00" as {RFC}: cannot parse "" as "Z07:00"'),
        ("2024-05-01T10:00:00Zjunk", 'parsing time "2024-05-01T10:00:00Zjunk": extra text: "junk"'),
        ("", f'parsing time "" as {RFC}: cannot parse "" as "2006"'),
    ],
)
def test_times_rejected(value: str, error: str) -> None:
    assert time_error(value) == error
    assert pod_error({"metadata": {"creationTimestamp": value}}) == POD + error


def test_time_of_wrong_json_type() -> None:
    assert pod_error({"metadata": {"creationTimestamp": 1714557600}}) == POD + (
        "json: cannot unmarshal number into Go value of type string"
    )


def test_micro_time() -> None:
    event = node("io.k8s.api.events.v1.Event")
    ok = {"eventTime": "2024-05-01T10:00:00.123456Z"}
    assert check_types(ok, event, kind="Event", api_version="events.k8s.io/v1") is None
    bad = {"eventTime": "2024-05-01T10:00:00Z"}
    assert check_types(bad, event, kind="Event", api_version="events.k8s.io/v1") == (
        'Event in version "v1" cannot be handled as a Event: parsing time "2024-05-01T10:00:00Z" as '
        '"2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"'
    )


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("aGVsbG8=", None),
        ("", None),
        ("aGVs\nbG8=", None),
        ("YQ==", None),
        ("abc", "illegal base64 data at input byte 0"),
        ("hello!!!", "illegal base64 data at input byte 5"),
        ("YQ=", "illegal base64 data at input byte 3"),
        ("YQ==YQ==", "illegal base64 data at input byte 4"),
        ("Y===", "illegal base64 data at input byte 1"),
    ],
)
def test_secret_data_is_base64(value: str, error: str | None) -> None:
    secret = node("io.k8s.api.core.v1.Secret")
    got = check_types({"data": {"k": value}}, secret, kind="Secret", api_version="v1")
    assert got == (
        None if error is None else 'Secret in version "v1" cannot be handled as a Secret: ' + error
    )
    assert check_types({"data": {"k": 5}}, secret, kind="Secret", api_version="v1") == (
        'Secret in version "v1" cannot be handled as a Secret: '
        "json: cannot unmarshal number into Go struct field Secret.data of type []uint8"
    )


def test_schemaless_values_accept_anything() -> None:
    rev = node("io.k8s.api.apps.v1.ControllerRevision")
    for data in ({"any": [1, {"x": None}]}, "text", 5, [1, 2]):
        assert (
            check_types({"data": data, "revision": 1}, rev, kind="ControllerRevision", api_version="apps/v1")
            is None
        )
        assert unknown_fields({"data": data}, rev) == []


# --- unknown fields --------------------------------------------------------------------------


def test_unknown_field_paths() -> None:
    obj = {
        "foo": 1,
        "metadata": {"name": "x", "clusterName": "c"},
        "spec": {
            "bar": {"x": 1},
            "template": {
                "metadata": {"labelz": {}},
                "spec": {"containers": [{"name": "a", "imagee": "x"}, {"name": "b", "ports": [{"port": 1}]}]},
            },
        },
        "status": {"replicas": 1, "extra": None},
    }
    assert unknown_fields(obj, deployment()) == [
        "foo",
        "metadata.clusterName",
        "spec.bar",
        "spec.template.metadata.labelz",
        "spec.template.spec.containers[0].imagee",
        "spec.template.spec.containers[1].ports[0].port",
        "status.extra",
    ]


def test_unknown_fields_are_case_sensitive() -> None:
    assert unknown_fields({"Spec": {}, "spec": {"Replicas": 1}}, deployment()) == ["Spec", "spec.Replicas"]


def test_unknown_fields_inside_map_values() -> None:
    crd = node("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition")
    obj = {
        "spec": {
            "versions": [
                {
                    "name": "v1",
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {"spec": {"type": "object", "typo": True}},
                            "default": {"free": "form"},
                        }
                    },
                }
            ]
        }
    }
    assert unknown_fields(obj, crd) == ["spec.versions[0].schema.openAPIV3Schema.properties.spec.typo"]


def test_unknown_fields_skip_mistyped_and_decoder_values() -> None:
    obj = {"spec": {"containers": "oops", "overhead": {"cpu": {"weird": 1}}}}
    assert unknown_fields(obj, pod()) == []


def test_strip_unknown_fields() -> None:
    obj = {
        "foo": 1,
        "spec": {
            "bar": 2,
            "replicas": 3,
            "template": {"spec": {"containers": [{"name": "a", "imagee": "x"}]}},
        },
    }
    strip_unknown_fields(obj, deployment())
    assert obj == {"spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "a"}]}}}}
    assert unknown_fields(obj, deployment()) == []


def test_junk_keys_do_not_grow_caches() -> None:
    dep = deployment()
    for i in range(50):
        unknown_fields({"spec": {f"junk{i}": 1}}, dep)
    assert not any(k.startswith("junk") for k in dep.prop("spec")._props)  # type: ignore[union-attr]


# --- required fields ---------------------------------------------------------------------------


def test_required_fields() -> None:
    obj = {
        "metadata": {"ownerReferences": [{"apiVersion": "v1", "kind": "K", "name": "n"}]},
        "spec": {
            "template": {
                "spec": {
                    "containers": [{"name": "a"}, {"image": "x"}],
                    "volumes": [{"name": "v", "configMap": {"items": [{"key": "k"}]}}],
                }
            }
        },
    }
    assert [str(e) for e in required_fields(obj, deployment())] == [
        "metadata.ownerReferences[0].uid: Required value",
        "spec.selector: Required value",
        "spec.template.spec.containers[1].name: Required value",
        "spec.template.spec.volumes[0].configMap.items[0].path: Required value",
    ]


def test_required_null_counts_as_missing_and_paths_can_be_rooted() -> None:
    errs = required_fields({"containers": None}, node("io.k8s.api.core.v1.PodSpec"), "spec")
    assert [(e.type, e.field) for e in errs] == [("Required", "spec.containers")]


# --- depth -----------------------------------------------------------------------------------


def nested(depth: int) -> Any:
    value: Any = {}
    for i in range(depth - 1):
        value = [value] if i % 2 else {"a": value}
    return value


def test_check_depth() -> None:
    assert check_depth(nested(DEFAULT_MAX_DEPTH)) is None
    assert check_depth(nested(DEFAULT_MAX_DEPTH + 1)) == "invalid character '{' exceeded max depth"
    assert check_depth({"a": [[]]}, max_depth=3) is None
    assert check_depth({"a": [[]]}, max_depth=2) == "invalid character '[' exceeded max depth"
    assert check_depth("scalar") is None
    assert check_depth(nested(5000)) is not None  # iterative: no RecursionError


# --- schema features on a synthetic schema ------------------------------------------------------

SYNTHETIC = Definitions(
    {
        "example.v1.Thing": {
            "type": "object",
            "required": ["spec"],
            "properties": {
                "spec": {"$ref": "#/$defs/example.v1.ThingSpec"},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "open": {
                    "type": "object",
                    "x-kubernetes-preserve-unknown-fields": True,
                    "properties": {"n": {"type": "integer", "format": "int32"}},
                },
            },
        },
        "example.v1.ThingSpec": {
            "type": ["object", "null"],
            "properties": {
                "grid": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}},
                "port": {
                    "x-kubernetes-int-or-string": True,
                    "anyOf": [{"type": "integer"}, {"type": "string"}],
                },
                "byName": {"type": "object", "additionalProperties": {"$ref": "#/$defs/example.v1.Item"}},
                "ratio": {"type": "number", "format": "double"},
            },
        },
        "example.v1.Item": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
    }
)


def thing() -> SchemaNode:
    return SYNTHETIC.node("example.v1.Thing")


def thing_error(obj: Any) -> str | None:
    return check_types(obj, thing(), kind="Thing", api_version="example.com/v1")


def test_synthetic_nested_arrays_and_maps() -> None:
    assert thing_error({"spec": {"grid": [["a"], [], None, ["b", None]]}}) is None
    assert thing_error({"spec": {"grid": [["a"], "b"]}}) == (
        'Thing in version "v1" cannot be handled as a Thing: '
        "json: cannot unmarshal string into Go struct field ThingSpec.spec.grid of type []string"
    )
    assert thing_error({"spec": {"grid": [[1]]}}) is not None
    assert thing_error({"spec": {"byName": {"a": {"id": "x"}, "b": []}}}) == (
        'Thing in version "v1" cannot be handled as a Thing: '
        "json: cannot unmarshal array into Go struct field ThingSpec.spec.byName of type v1.Item"
    )
    assert thing_error({"spec": {"byName": []}}) is not None
    assert "of type map[string]v1.Item" in (thing_error({"spec": {"byName": []}}) or "")
    assert thing_error({"spec": {"ratio": 1}}) is None
    assert thing_error({"spec": {"ratio": "1"}}) is not None


def test_synthetic_int_or_string_extension() -> None:
    assert thing_error({"spec": {"port": "http"}}) is None
    assert thing_error({"spec": {"port": 80}}) is None
    assert thing_error({"spec": {"port": 1.5}}) is not None


def test_synthetic_preserve_unknown_fields() -> None:
    obj = {"free": {"anything": [1, {"deep": True}]}, "open": {"n": 1, "extra": {"x": 1}}, "spec": {}}
    assert thing_error(obj) is None
    assert unknown_fields(obj, thing()) == []
    assert thing_error({"open": {"n": "one"}}) is not None
    strip_unknown_fields(obj, thing())
    assert obj["open"] == {"n": 1, "extra": {"x": 1}}


def test_synthetic_unknown_and_required_in_maps() -> None:
    obj = {"spec": {"byName": {"a": {"id": "x", "typo": 1}, "b": {}}}}
    assert unknown_fields(obj, thing()) == ["spec.byName.a.typo"]
    assert [e.field for e in required_fields(obj, thing())] == ["spec.byName[b].id"]
    assert [e.field for e in required_fields({}, thing())] == ["spec"]
