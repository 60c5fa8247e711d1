"""ObjectMeta validation (kapi.machinery.objectmeta): paths, order and wording as upstream 1.33."""

from __future__ import annotations

from typing import Any

from kapi.machinery.errors import invalid
from kapi.machinery.names import name_is_dns1035_label, name_is_dns_label, name_is_dns_subdomain
from kapi.machinery.objectmeta import (
    GoValue,
    go_quote,
    go_string_slice,
    validate_annotations,
    validate_common_object_meta,
    validate_labels,
    validate_object_meta,
    validate_object_meta_update,
)

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


def strs(errs: list[Any]) -> list[str]:
    return [str(e) for e in errs]


def create(meta: dict[str, Any], *, namespaced: bool = True, rule: Any = name_is_dns_subdomain) -> list[str]:
    return strs(validate_object_meta(meta, namespaced=namespaced, name_rule=rule))


# --- create ----------------------------------------------------------------------------------


def test_valid_meta() -> None:
    meta = {
        "name": "web-1",
        "namespace": "default",
        "generateName": "web-",
        "labels": {"app": "web", "example.com/tier": "front_end.1", "empty": ""},
        "annotations": {"Example.COM/Note": "anything at all", "x": ""},
        "finalizers": ["kubernetes", "example.com/cleanup", "orphan"],
        "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u1", "controller": True}
        ],
        "generation": 3,
        "managedFields": [
            {
                "manager": "kubectl",
                "operation": "Apply",
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {}},
            }
        ],
    }
    assert create(meta) == []


def test_name_required() -> None:
    required = "metadata.name: Required value: name or generateName is required"
    assert create({"namespace": "default"}) == [required]
    assert create({"namespace": "default", "generateName": "x-"}) == [
        "metadata.name: Required value: name or generateName is required"
    ]


def test_name_rules() -> None:
    expected = f'metadata.name: Invalid value: "Bad": {SUBDOMAIN_MSG}'
    assert create({"name": "Bad", "namespace": "ns"}) == [expected]
    assert create({"name": "a.b", "namespace": "ns"}, rule=name_is_dns_label) == [
        'metadata.name: Invalid value: "a.b": must not contain dots'
    ]
    assert create({"name": "1svc", "namespace": "ns"}, rule=name_is_dns1035_label)
    assert create({"name": "a" * 253, "namespace": "ns"}) == []
    assert create({"name": "a" * 254, "namespace": "ns"}) == [
        f'metadata.name: Invalid value: "{"a" * 254}": must be no more than 253 characters'
    ]


def test_generate_name_checked_as_prefix() -> None:
    assert create({"name": "web-abcde", "generateName": "web-", "namespace": "ns"}) == []
    assert create({"name": "web-abcde", "generateName": "Web-", "namespace": "ns"}) == [
        f'metadata.generateName: Invalid value: "Web-": {SUBDOMAIN_MSG}'
    ]


def test_namespace_rules() -> None:
    assert create({"name": "a"}) == ["metadata.namespace: Required value"]
    assert create({"name": "a", "namespace": "x"}, namespaced=False) == [
        "metadata.namespace: Forbidden: not allowed on this type"
    ]
    assert create({"name": "a"}, namespaced=False) == []
    errs = create({"name": "a", "namespace": "Bad.NS"})
    assert len(errs) == 1
    assert errs[0].startswith('metadata.namespace: Invalid value: "Bad.NS": a lowercase RFC 1123 label')


def test_labels() -> None:
    errs = create({"name": "a", "namespace": "ns", "labels": {"ok": "bad value!"}})
    assert errs == [
        'metadata.labels: Invalid value: "bad value!": a valid label must be an empty string or consist of '
        "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
        "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    ]
    errs = strs(validate_labels({"-bad": "v", "a/b/c": "v", "k": "x" * 64}, "metadata.labels"))
    assert errs[0].startswith('metadata.labels: Invalid value: "-bad": name part must consist of')
    assert errs[1].startswith('metadata.labels: Invalid value: "a/b/c": a qualified name must consist of')
    assert errs[2] == f'metadata.labels: Invalid value: "{"x" * 64}": must be no more than 63 characters'


def test_annotations() -> None:
    # keys are compared lower-cased, so uppercase prefixes are fine
    assert strs(validate_annotations({"Example.COM/Key": "v"}, "metadata.annotations")) == []
    errs = strs(validate_annotations({"bad key": "v"}, "metadata.annotations"))
    assert errs[0].startswith('metadata.annotations: Invalid value: "bad key": name part must consist of')
    big = {"a": "x" * (256 * 1024 - 1)}
    assert strs(validate_annotations(big, "metadata.annotations")) == []
    big = {"a": "x" * (256 * 1024)}
    assert strs(validate_annotations(big, "metadata.annotations")) == [
        "metadata.annotations: Too long: may not be more than 262144 bytes"
    ]


def test_annotations_size_counts_bytes() -> None:
    # 131072 two-byte characters are 262144 bytes, plus the key: too long
    errs = strs(validate_annotations({"k": "é" * 131072}, "metadata.annotations"))
    assert errs == ["metadata.annotations: Too long: may not be more than 262144 bytes"]


def test_finalizers() -> None:
    errs = create({"name": "a", "namespace": "ns", "finalizers": ["foo", "example.com/ok", "bad/x/y"]})
    assert errs[0].startswith('metadata.finalizers: Invalid value: "bad/x/y": a qualified name')
    assert errs[1:] == [
        'metadata.finalizers[0]: Invalid value: "foo": name is neither a standard finalizer name nor is it '
        "fully qualified"
    ]
    errs = create({"name": "a", "namespace": "ns", "finalizers": ["orphan", "foregroundDeletion"]})
    assert errs == [
        'metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and '
        "foregroundDeletion cannot be both set"
    ]
    # duplicates are allowed, and custom resources skip the standard-name rule
    assert create({"name": "a", "namespace": "ns", "finalizers": ["kubernetes", "kubernetes"]}) == []
    assert (
        strs(
            validate_object_meta(
                {"name": "a", "finalizers": ["foo"]},
                namespaced=False,
                name_rule=name_is_dns_subdomain,
                kube_finalizers=False,
            )
        )
        == []
    )


def test_owner_references() -> None:
    empty = {"apiVersion": "", "kind": "", "name": "", "uid": ""}
    meta: dict[str, Any] = {"name": "a", "namespace": "ns", "ownerReferences": [empty]}
    assert create(meta) == [
        'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
        'metadata.ownerReferences.kind: Invalid value: "": kind must not be empty',
        'metadata.ownerReferences.name: Invalid value: "": name must not be empty',
        'metadata.ownerReferences.uid: Invalid value: "": uid must not be empty',
    ]
    meta["ownerReferences"] = [{"apiVersion": "apps/", "kind": "K", "name": "n", "uid": "u"}]
    assert create(meta) == [
        'metadata.ownerReferences.apiVersion: Invalid value: "apps/": version must not be empty'
    ]
    meta["ownerReferences"] = [{"apiVersion": "a/b/c", "kind": "K", "name": "n", "uid": "u"}]
    assert create(meta) == [
        'metadata.ownerReferences.apiVersion: Invalid value: "a/b/c": version must not be empty'
    ]


def test_owner_reference_banned_and_controllers() -> None:
    event = {"apiVersion": "v1", "kind": "Event", "name": "e", "uid": "u"}
    errs = create({"name": "a", "namespace": "ns", "ownerReferences": [event]})
    assert errs == [
        'metadata.ownerReferences: Invalid value: v1.OwnerReference{APIVersion:"v1", Kind:"Event", Name:"e", '
        'UID:"u", Controller:(*bool)(nil), BlockOwnerDeletion:(*bool)(nil)}: /v1, Kind=Event is disallowed '
        "from being an owner"
    ]
    refs = [
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "a", "uid": "1", "controller": True},
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "b", "uid": "2", "controller": False},
        {"apiVersion": "batch/v1", "kind": "Job", "name": "c", "uid": "3", "controller": True},
    ]
    errs = create({"name": "a", "namespace": "ns", "ownerReferences": refs})
    assert len(errs) == 1
    assert errs[0].startswith(
        "metadata.ownerReferences: Invalid value: []v1.OwnerReference{v1.OwnerReference{"
    )
    assert errs[0].endswith(
        'Only one reference can have Controller set to true. Found "true" in references for '
        "ReplicaSet/a and Job/c"
    )


def test_generation_and_managed_fields() -> None:
    errs = create(
        {
            "name": "a",
            "namespace": "ns",
            "generation": -1,
            "managedFields": [
                {
                    "manager": "m" * 129,
                    "operation": "Patch",
                    "fieldsType": "FieldsV2",
                    "subresource": "s" * 257,
                },
                {"manager": "bell\a", "operation": "Update"},
            ],
        }
    )
    assert errs == [
        "metadata.generation: Invalid value: -1: must be greater than or equal to 0",
        'metadata.managedFields[0].operation: Invalid value: "Patch": must be `Apply` or `Update`',
        'metadata.managedFields[0].fieldsType: Invalid value: "FieldsV2": must be `FieldsV1`',
        "metadata.managedFields[0].manager: Too long: may not be more than 128 bytes",
        "metadata.managedFields[0].subresource: Too long: may not be more than 256 bytes",
        'metadata.managedFields[1].manager: Invalid value: "bell\\u0007": '
        "invalid character U+0007 (at position 4)",
    ]
    assert create({"name": "a", "namespace": "ns", "managedFields": [{}]}) == [
        'metadata.managedFields[0].operation: Invalid value: "": must be `Apply` or `Update`'
    ]


def test_common_pass_uses_path_segment_names() -> None:
    assert strs(validate_common_object_meta({"name": "Any_Name"}, namespaced=False)) == []
    assert strs(validate_common_object_meta({"name": "a/b", "namespace": "ns"}, namespaced=True)) == [
        "metadata.name: Invalid value: \"a/b\": may not contain '/'"
    ]
    assert strs(validate_common_object_meta({"name": "..", "namespace": "ns"}, namespaced=True)) == [
        "metadata.name: Invalid value: \"..\": may not be '..'"
    ]


def test_renders_as_422() -> None:
    errs = validate_object_meta({"name": "B"}, namespaced=True, name_rule=name_is_dns_subdomain)
    err = invalid("", "Pod", "B", errs)
    assert err.code == 422
    assert (
        err.message == f'Pod "B" is invalid: [metadata.name: Invalid value: "B": {SUBDOMAIN_MSG}, '
        "metadata.namespace: Required value]"
    )
    assert err.details is not None
    assert [c["field"] for c in err.details["causes"]] == ["metadata.name", "metadata.namespace"]


# --- update --------------------------------------------------------------------------------

OLD = {
    "name": "a",
    "namespace": "ns",
    "uid": "u-1",
    "resourceVersion": "7",
    "generation": 2,
    "creationTimestamp": "2024-01-02T03:04:05Z",
    "labels": {"a": "b"},
}


def update(new_changes: dict[str, Any], old: dict[str, Any] | None = None) -> list[str]:
    old = dict(OLD if old is None else old)
    new = {**old, **new_changes}
    return strs(validate_object_meta_update(new, old))


def test_update_unchanged_is_valid() -> None:
    assert update({}) == []
    assert update({"labels": {"x": "y"}, "annotations": {"n": "v"}, "generation": 3}) == []


def test_update_immutable_fields() -> None:
    assert update({"name": "b"}) == ['metadata.name: Invalid value: "b": field is immutable']
    assert update({"namespace": "other"}) == [
        'metadata.namespace: Invalid value: "other": field is immutable'
    ]
    assert update({"uid": "u-2"}) == ['metadata.uid: Invalid value: "u-2": field is immutable']
    assert update({"creationTimestamp": "2024-01-02T03:04:06Z"}) == [
        "metadata.creationTimestamp: Invalid value: 2024-01-02 03:04:06 +0000 UTC: field is immutable"
    ]
    # same instant, other spelling: unchanged
    assert update({"creationTimestamp": "2024-01-02T04:04:05+01:00"}) == []
    assert update({"creationTimestamp": None}) == [
        "metadata.creationTimestamp: Invalid value: 0001-01-01 00:00:00 +0000 UTC: field is immutable"
    ]


def test_update_deletion_fields() -> None:
    assert update({"deletionTimestamp": "2024-05-05T00:00:00Z"}) == [
        "metadata.deletionTimestamp: Invalid value: 2024-05-05 00:00:00 +0000 UTC: field is immutable"
    ]
    deleting = {**OLD, "deletionTimestamp": "2024-05-05T00:00:00Z", "deletionGracePeriodSeconds": 30}
    assert update({"deletionTimestamp": None}, deleting) == [
        "metadata.deletionTimestamp: Invalid value: null: field is immutable"
    ]
    assert update({"deletionGracePeriodSeconds": 0}, deleting) == [
        "metadata.deletionGracePeriodSeconds: Invalid value: 0: field is immutable"
    ]


def test_update_generation_and_resource_version() -> None:
    assert update({"generation": 1}) == ["metadata.generation: Invalid value: 1: must not be decremented"]
    assert update({"resourceVersion": ""}) == [
        'metadata.resourceVersion: Invalid value: "": must be specified for an update'
    ]
    new = {**OLD, "resourceVersion": ""}
    assert strs(validate_object_meta_update(new, OLD, require_resource_version=False)) == []


def test_update_finalizers() -> None:
    deleting = {**OLD, "deletionTimestamp": "2024-05-05T00:00:00Z", "finalizers": ["example.com/a"]}
    assert update({"finalizers": []}, deleting) == []
    assert update({"finalizers": ["example.com/a", "example.com/z", "example.com/b"]}, deleting) == [
        "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, "
        'found new finalizers []string{"example.com/b", "example.com/z"}'
    ]
    # not being deleted: adding is fine, but bare names must be standard ones
    assert update({"finalizers": ["example.com/new", "kubernetes"]}) == []
    assert update({"finalizers": ["custom"]}) == [
        'metadata.finalizers[0]: Invalid value: "custom": '
        "name is neither a standard finalizer name nor is it fully qualified"
    ]


def test_update_checks_new_labels_and_annotations() -> None:
    errs = update({"labels": {"k": "bad value!"}, "annotations": {"bad key": "v"}})
    assert len(errs) == 2
    assert errs[0].startswith('metadata.labels: Invalid value: "bad value!": a valid label')
    assert errs[1].startswith('metadata.annotations: Invalid value: "bad key": name part')


def test_go_value_prints_bare() -> None:
    assert repr(GoValue("x y")) == "x y"
    assert GoValue("a") == GoValue("a")


def test_go_renderings_shared_with_the_strategies() -> None:
    assert go_quote('a"b\\c\n\x01é\U0001f600') == '"a\\"b\\\\c\\n\\x01é\U0001f600"'
    assert go_quote("\u200b") == '"\\u200b"'
    assert go_string_slice(["a", "b"]) == GoValue('[]string{"a", "b"}')
    assert go_string_slice(None) == GoValue("[]string(nil)")
