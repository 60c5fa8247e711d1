"""Upstream defaulting, validation (422 Invalid naming the fields as upstream does) and
fieldValidation=Strict/Warn/Ignore."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conformance.conftest import (
    MERGE,
    Raw,
    assert_status,
    cause_fields,
    causes,
    cm_body,
    deploy_body,
    pod_body,
    warnings_of,
)


def pods(ns: str) -> str:
    return f"/api/v1/namespaces/{ns}/pods"


def cms(ns: str) -> str:
    return f"/api/v1/namespaces/{ns}/configmaps"


def svcs(ns: str) -> str:
    return f"/api/v1/namespaces/{ns}/services"


def deps(ns: str) -> str:
    return f"/apis/apps/v1/namespaces/{ns}/deployments"


def invalid(raw: Raw, path: str, body: Any, field: str, fragment: str | None = None,
            method: str = "POST", **kw: Any) -> dict[str, Any]:
    r = raw.request(method, path, body=body, **kw)
    st_ = assert_status(r, 422, "Invalid")
    assert field in cause_fields(st_), (field, st_)
    if fragment is not None:
        assert fragment in st_["message"], (fragment, st_["message"])
    return st_


# --- defaults ----------------------------------------------------------------------------------

def test_pod_defaults(raw: Raw, ns: str) -> None:
    body = pod_body("defaults", image="nginx")
    body["spec"]["containers"][0]["ports"] = [{"containerPort": 80}]
    body["spec"]["initContainers"] = [{"name": "init", "image": "busybox:1.36"}]
    p = raw.create(pods(ns), body)
    spec = p["spec"]
    assert spec["restartPolicy"] == "Always"
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["schedulerName"] == "default-scheduler"
    assert spec["terminationGracePeriodSeconds"] == 30
    assert spec["securityContext"] == {}
    assert spec["enableServiceLinks"] is True
    c = spec["containers"][0]
    assert c["terminationMessagePath"] == "/dev/termination-log"
    assert c["terminationMessagePolicy"] == "File"
    assert c["imagePullPolicy"] == "Always"  # no tag means :latest
    assert c["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert c["resources"] == {}
    init = spec["initContainers"][0]
    assert init["imagePullPolicy"] == "IfNotPresent"
    assert init["terminationMessagePath"] == "/dev/termination-log"
    assert p["status"]["phase"] == "Pending"
    assert p["status"]["qosClass"] == "BestEffort"


@pytest.mark.parametrize("image,policy", [
    ("nginx", "Always"),
    ("nginx:latest", "Always"),
    ("registry.example.com:5000/team/app", "Always"),
    ("nginx:1.25", "IfNotPresent"),
    ("registry.example.com:5000/team/app:v2", "IfNotPresent"),
    ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
])
def test_image_pull_policy_default(raw: Raw, ns: str, image: str, policy: str) -> None:
    name = "ipp-" + str(abs(hash(image)) % 10**8)
    p = raw.create(pods(ns), pod_body(name, image=image))
    assert p["spec"]["containers"][0]["imagePullPolicy"] == policy


def test_pod_nested_defaults(raw: Raw, ns: str) -> None:
    body = pod_body("nested")
    c = body["spec"]["containers"][0]
    c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": 8080}}
    c["resources"] = {"limits": {"cpu": "500m", "memory": "128Mi"}}
    c["env"] = [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
    body["spec"]["volumes"] = [
        {"name": "cfg", "configMap": {"name": "x"}},
        {"name": "sec", "secret": {"secretName": "y"}},
        {"name": "scratch", "emptyDir": {}},
    ]
    p = raw.create(pods(ns), body)
    c = p["spec"]["containers"][0]
    probe = c["livenessProbe"]
    assert probe["httpGet"]["scheme"] == "HTTP"
    assert probe["timeoutSeconds"] == 1
    assert probe["periodSeconds"] == 10
    assert probe["successThreshold"] == 1
    assert probe["failureThreshold"] == 3
    assert c["resources"]["requests"] == {"cpu": "500m", "memory": "128Mi"}  # requests default to limits
    assert c["env"][0]["valueFrom"]["fieldRef"]["apiVersion"] == "v1"
    vols = {v["name"]: v for v in p["spec"]["volumes"]}
    assert vols["cfg"]["configMap"]["defaultMode"] == 420
    assert vols["sec"]["secret"]["defaultMode"] == 420
    assert vols["scratch"]["emptyDir"] == {}
    assert p["status"]["qosClass"] == "Guaranteed"


def test_service_defaults(raw: Raw, ns: str) -> None:
    s = raw.create(svcs(ns), {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "sd"},
                              "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}]}})
    spec = s["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["internalTrafficPolicy"] == "Cluster"
    assert spec["ipFamilyPolicy"] == "SingleStack"
    assert spec["ipFamilies"] == ["IPv4"]
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert s["status"] == {"loadBalancer": {}}


def test_service_session_affinity_defaults(raw: Raw, ns: str) -> None:
    s = raw.create(svcs(ns), {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "aff"},
                              "spec": {"sessionAffinity": "ClientIP", "ports": [{"port": 80, "targetPort": "http"}]}})
    assert s["spec"]["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}
    assert s["spec"]["ports"][0]["targetPort"] == "http"


def test_deployment_defaults(raw: Raw, ns: str) -> None:
    body = deploy_body("dd")
    del body["spec"]["replicas"]
    d = raw.create(deps(ns), body)
    spec = d["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    tpl = spec["template"]["spec"]
    assert tpl["restartPolicy"] == "Always"
    assert tpl["dnsPolicy"] == "ClusterFirst"
    assert tpl["schedulerName"] == "default-scheduler"
    assert tpl["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert tpl["containers"][0]["terminationMessagePath"] == "/dev/termination-log"


def test_statefulset_and_daemonset_defaults(raw: Raw, ns: str) -> None:
    tpl = {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i:1"}]}}
    s = raw.create(f"/apis/apps/v1/namespaces/{ns}/statefulsets", {
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "ss"},
        "spec": {"serviceName": "ss", "selector": {"matchLabels": {"a": "b"}}, "template": tpl}})
    spec = s["spec"]
    assert spec["replicas"] == 1
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    d = raw.create(f"/apis/apps/v1/namespaces/{ns}/daemonsets", {
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "ds"},
        "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": tpl}})
    assert d["spec"]["updateStrategy"] == {"type": "RollingUpdate",
                                           "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    assert d["spec"]["revisionHistoryLimit"] == 10


def test_job_and_cronjob_defaults(raw: Raw, ns: str) -> None:
    tpl = {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i:1"}]}}
    j = raw.create(f"/apis/batch/v1/namespaces/{ns}/jobs", {
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {"template": tpl}})
    spec = j["spec"]
    assert spec["completions"] == 1 and spec["parallelism"] == 1
    assert spec["backoffLimit"] == 6
    assert spec["completionMode"] == "NonIndexed"
    assert spec["suspend"] is False
    assert spec["podReplacementPolicy"] == "TerminatingOrFailed"
    c = raw.create(f"/apis/batch/v1/namespaces/{ns}/cronjobs", {
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "cj"},
        "spec": {"schedule": "0 * * * *", "jobTemplate": {"spec": {"template": tpl}}}})
    assert c["spec"]["concurrencyPolicy"] == "Allow"
    assert c["spec"]["successfulJobsHistoryLimit"] == 3
    assert c["spec"]["failedJobsHistoryLimit"] == 1
    assert c["spec"]["suspend"] is False


def test_secret_pvc_and_netpol_defaults(raw: Raw, ns: str) -> None:
    s = raw.create(f"/api/v1/namespaces/{ns}/secrets", {"apiVersion": "v1", "kind": "Secret",
                                                         "metadata": {"name": "s"}, "stringData": {"a": "b"}})
    assert s["type"] == "Opaque"
    assert s["data"] == {"a": "Yg=="}
    assert "stringData" not in s
    pvc = raw.create(f"/api/v1/namespaces/{ns}/persistentvolumeclaims", {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
    assert pvc["spec"]["volumeMode"] == "Filesystem"
    np_ = raw.create(f"/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies", {
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "n"},
        "spec": {"podSelector": {}, "egress": [{}]}})
    assert np_["spec"]["policyTypes"] == ["Ingress", "Egress"]


# --- validation --------------------------------------------------------------------------------

def test_pod_restart_policy(raw: Raw, ns: str) -> None:
    invalid(raw, pods(ns), pod_body("rp", restartPolicy="Sometimes"), "spec.restartPolicy",
            'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"')


def test_pod_container_checks(raw: Raw, ns: str) -> None:
    body = pod_body("cc")
    body["spec"]["containers"].append({"name": "c", "image": "x"})
    body["spec"]["containers"][0]["ports"] = [{"containerPort": 70000}]
    st_ = invalid(raw, pods(ns), body, "spec.containers[1].name", 'Duplicate value: "c"')
    assert "spec.containers[0].ports[0].containerPort" in cause_fields(st_)
    assert "must be between 1 and 65535, inclusive" in st_["message"]
    dup = next(c for c in causes(st_) if c["field"] == "spec.containers[1].name")
    assert dup["reason"] == "FieldValueDuplicate"


def test_pod_resources_requests_above_limits(raw: Raw, ns: str) -> None:
    body = pod_body("res")
    body["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}
    invalid(raw, pods(ns), body, "spec.containers[0].resources.requests[cpu]",
            'Invalid value: "2": must be less than or equal to cpu limit of 1')


def test_bad_quantity_is_bad_request(raw: Raw, ns: str) -> None:
    body = pod_body("qty")
    body["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "lots"}}
    st_ = assert_status(raw.post(pods(ns), body), 400, "BadRequest")
    assert "quantities must match the regular expression" in st_["message"]


def test_labels_and_annotations(raw: Raw, ns: str) -> None:
    invalid(raw, cms(ns), cm_body("lv", labels={"app": "-bad-"}), "metadata.labels",
            'Invalid value: "-bad-": a valid label must be an empty string or consist of alphanumeric characters')
    invalid(raw, cms(ns), cm_body("lk", labels={"bad key": "v"}), "metadata.labels",
            'Invalid value: "bad key": name part must consist of alphanumeric characters')
    invalid(raw, cms(ns), cm_body("ak", annotations={"a/b/c": "v"}), "metadata.annotations")
    invalid(raw, cms(ns), cm_body("al", annotations={"big": "x" * (256 * 1024 + 1)}), "metadata.annotations",
            "Too long")


def test_configmap_validation(raw: Raw, ns: str) -> None:
    invalid(raw, cms(ns), cm_body("key", {"bad key": "v"}), "data[bad key]", "a valid config key must consist of")
    body = cm_body("dupkey", {"k": "v"})
    body["binaryData"] = {"k": "eA=="}
    invalid(raw, cms(ns), body, "binaryData[k]", "duplicate of key present in data")


def test_immutable_configmap_and_secret(raw: Raw, ns: str) -> None:
    cm = raw.create(cms(ns), cm_body("frozen") | {"immutable": True})
    cm["data"] = {"k": "changed"}
    invalid(raw, f"{cms(ns)}/frozen", cm, "data", "field is immutable when `immutable` is set", method="PUT")
    invalid(raw, f"{cms(ns)}/frozen", {"immutable": False}, "immutable", method="PATCH", ctype=MERGE)
    # metadata may still change
    out = raw.ok("PATCH", f"{cms(ns)}/frozen", {"metadata": {"labels": {"ok": "yes"}}}, ctype=MERGE)
    assert out["data"] == {"k": "v"}
    secrets = f"/api/v1/namespaces/{ns}/secrets"
    raw.create(secrets, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "frozen"},
                         "data": {"a": "Yg=="}, "immutable": True})
    invalid(raw, f"{secrets}/frozen", {"data": {"a": "Yw=="}}, "data", method="PATCH", ctype=MERGE)


def test_secret_type_is_immutable_and_tls_keys_required(raw: Raw, ns: str) -> None:
    secrets = f"/api/v1/namespaces/{ns}/secrets"
    invalid(raw, secrets, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "tls"},
                           "type": "kubernetes.io/tls", "data": {}}, "data[tls.crt]")
    raw.create(secrets, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "plain"}})
    invalid(raw, f"{secrets}/plain", {"type": "kubernetes.io/tls"}, "type", "field is immutable",
            method="PATCH", ctype=MERGE)


def test_service_validation(raw: Raw, ns: str) -> None:
    def svc(name: str, **spec: Any) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}

    invalid(raw, svcs(ns), svc("bad-port", ports=[{"port": 70000}]), "spec.ports[0].port",
            "must be between 1 and 65535, inclusive")
    invalid(raw, svcs(ns), svc("no-ports"), "spec.ports")
    invalid(raw, svcs(ns), svc("bad-type", type="Bogus", ports=[{"port": 80}]), "spec.type",
            'Unsupported value: "Bogus"')
    invalid(raw, svcs(ns), svc("unnamed", ports=[{"port": 80}, {"port": 81}]), "spec.ports[0].name")
    invalid(raw, svcs(ns), svc("ext", type="ExternalName"), "spec.externalName")
    invalid(raw, svcs(ns), svc("dup", ports=[{"name": "a", "port": 80}, {"name": "a", "port": 81}]),
            "spec.ports[1].name", "Duplicate value")


def test_deployment_validation(raw: Raw, ns: str) -> None:
    body = deploy_body("sel")
    body["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    invalid(raw, deps(ns), body, "spec.template.metadata.labels", "`selector` does not match template `labels`")
    body = deploy_body("nosel")
    del body["spec"]["selector"]
    invalid(raw, deps(ns), body, "spec.selector", "Required value")
    body = deploy_body("zero")
    body["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}}
    invalid(raw, deps(ns), body, "spec.strategy.rollingUpdate.maxUnavailable", "may not be 0 when `maxSurge` is 0")
    body = deploy_body("never")
    body["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    invalid(raw, deps(ns), body, "spec.template.spec.restartPolicy", 'Unsupported value: "Never"')
    body = deploy_body("nested")
    body["spec"]["template"]["spec"]["containers"][0]["image"] = ""
    invalid(raw, deps(ns), body, "spec.template.spec.containers[0].image", "Required value")


def test_deployment_selector_is_immutable(raw: Raw, ns: str) -> None:
    d = raw.create(deps(ns), deploy_body("imm"))
    d["spec"]["selector"] = {"matchLabels": {"app": "imm", "extra": "x"}}
    d["spec"]["template"]["metadata"]["labels"] = {"app": "imm", "extra": "x"}
    invalid(raw, f"{deps(ns)}/imm", d, "spec.selector", "field is immutable", method="PUT")


def test_job_validation(raw: Raw, ns: str) -> None:
    jobs = f"/apis/batch/v1/namespaces/{ns}/jobs"
    tpl = {"spec": {"restartPolicy": "Always", "containers": [{"name": "c", "image": "i:1"}]}}
    invalid(raw, jobs, {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "always"},
                        "spec": {"template": tpl}}, "spec.template.spec.restartPolicy")
    tpl["spec"]["restartPolicy"] = "Never"
    raw.create(jobs, {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "ok"},
                      "spec": {"template": tpl, "suspend": True}})
    invalid(raw, f"{jobs}/ok", {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i:2"}]}}}},
            "spec.template", "field is immutable", method="PATCH", ctype=MERGE)
    invalid(raw, f"/apis/batch/v1/namespaces/{ns}/cronjobs",
            {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "cron"},
             "spec": {"schedule": "not a schedule", "jobTemplate": {"spec": {"template": tpl}}}}, "spec.schedule")


def test_other_kinds_validation(raw: Raw, ns: str) -> None:
    invalid(raw, f"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles",
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r"},
             "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": []}]}, "rules[0].verbs")
    invalid(raw, f"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases",
            {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l"},
             "spec": {"leaseDurationSeconds": 0}}, "spec.leaseDurationSeconds", "must be greater than 0")
    invalid(raw, f"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses",
            {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "i"},
             "spec": {"rules": [{"http": {"paths": [{"path": "/", "backend": {
                 "service": {"name": "s", "port": {"number": 80}}}}]}}]}},
            "spec.rules[0].http.paths[0].pathType", "pathType must be specified")
    invalid(raw, "/apis/storage.k8s.io/v1/storageclasses",
            {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "nosc"}},
            "provisioner")
    invalid(raw, "/apis/scheduling.k8s.io/v1/priorityclasses",
            {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "huge"},
             "value": 2000000000}, "value")
    invalid(raw, "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "Bad_Node"}},
            "metadata.name")


def test_storage_class_parameters_are_immutable(raw: Raw) -> None:
    path = "/apis/storage.k8s.io/v1/storageclasses"
    raw.create(path, {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "fast"},
                      "provisioner": "example.com/p", "parameters": {"tier": "gold"}})
    invalid(raw, f"{path}/fast", {"parameters": {"tier": "silver"}}, "parameters",
            "updates to parameters are forbidden", method="PATCH", ctype=MERGE)


def test_validation_reports_every_error(raw: Raw, ns: str) -> None:
    body = pod_body("many", restartPolicy="Bogus", dnsPolicy="Bogus")
    body["spec"]["containers"][0]["image"] = ""
    st_ = assert_status(raw.post(pods(ns), body), 422, "Invalid")
    assert {"spec.restartPolicy", "spec.dnsPolicy", "spec.containers[0].image"} <= set(cause_fields(st_))
    assert st_["message"].startswith('Pod "many" is invalid: [')


@pytest.mark.parametrize("field,value", [
    ("replicas", "three"),
    ("replicas", 2.5),
    ("replicas", 2147483648),          # overflows int32
    ("paused", "true"),                # a string for a bool
    ("progressDeadlineSeconds", [600]),
    ("minReadySeconds", {"s": 1}),
])
def test_wrong_type_is_bad_request(raw: Raw, ns: str, field: str, value: Any) -> None:
    body = deploy_body("types")
    body["spec"][field] = value
    st_ = assert_status(raw.post(deps(ns), body), 400, "BadRequest")
    assert 'Deployment in version "v1" cannot be handled as a Deployment' in st_["message"]
    assert_status(raw.get(f"{deps(ns)}/types"), 404)


def test_int64_overflow_is_bad_request(raw: Raw, ns: str) -> None:
    body = pod_body("overflow", activeDeadlineSeconds=2**63)
    assert_status(raw.post(pods(ns), body), 400, "BadRequest")


# --- fieldValidation ---------------------------------------------------------------------------

def with_unknown(name: str) -> dict[str, Any]:
    body = deploy_body(name)
    body["spec"]["foo"] = 1
    body["spec"]["template"]["spec"]["containers"][0]["bogus"] = True
    body["extraTop"] = "x"
    return body


def test_field_validation_strict(raw: Raw, ns: str) -> None:
    st_ = assert_status(raw.post(deps(ns), with_unknown("strict"), params={"fieldValidation": "Strict"}),
                        400, "BadRequest")
    msg = st_["message"]
    # upstream's transformDecodeError names the kind before the strict decoding errors
    assert msg.startswith('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ')
    for f in ("spec.foo", "spec.template.spec.containers[0].bogus", "extraTop"):
        assert f'unknown field "{f}"' in msg, msg
    assert_status(raw.get(f"{deps(ns)}/strict"), 404)


def test_field_validation_strict_single_message(raw: Raw, ns: str) -> None:
    body = cm_body("single")
    body["spec"] = {"foo": 1}
    st_ = assert_status(raw.post(cms(ns), body, params={"fieldValidation": "Strict"}), 400, "BadRequest")
    assert st_["message"] == ('ConfigMap in version "v1" cannot be handled as a ConfigMap: '
                              'strict decoding error: unknown field "spec"')


def test_field_validation_strict_on_update(raw: Raw, ns: str) -> None:
    d = raw.create(deps(ns), deploy_body("strictput"))
    d["spec"]["foo"] = 1
    st_ = assert_status(raw.put(f"{deps(ns)}/strictput", d, params={"fieldValidation": "Strict"}), 400, "BadRequest")
    assert st_["message"] == ('Deployment in version "v1" cannot be handled as a Deployment: '
                              'strict decoding error: unknown field "spec.foo"')


def test_field_validation_strict_duplicate_fields(raw: Raw, ns: str) -> None:
    data = b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dupe","name":"dupe2"},"data":{}}'
    st_ = assert_status(raw.post(cms(ns), data=data, ctype="application/json",
                                 params={"fieldValidation": "Strict"}), 400, "BadRequest")
    assert "duplicate field" in st_["message"]
    r = raw.post(cms(ns), data=data, ctype="application/json", params={"fieldValidation": "Warn"})
    assert r.status_code == 201
    assert r.json()["metadata"]["name"] == "dupe2"  # the last duplicate wins
    assert any("duplicate field" in w for w in warnings_of(r))


@pytest.mark.parametrize("mode", ["Warn", None])
def test_field_validation_warn(raw: Raw, ns: str, mode: str | None) -> None:
    name = f"warn-{(mode or 'default').lower()}"
    r = raw.post(deps(ns), with_unknown(name), params={"fieldValidation": mode} if mode else None)
    assert r.status_code == 201, r.text
    warns = warnings_of(r)
    assert 'unknown field "spec.foo"' in warns
    assert 'unknown field "spec.template.spec.containers[0].bogus"' in warns
    assert 'unknown field "extraTop"' in warns
    stored = raw.ok("GET", f"{deps(ns)}/{name}")
    assert "foo" not in stored["spec"] and "extraTop" not in stored
    assert "bogus" not in stored["spec"]["template"]["spec"]["containers"][0]


def test_field_validation_ignore(raw: Raw, ns: str) -> None:
    r = raw.post(deps(ns), with_unknown("ignore"), params={"fieldValidation": "Ignore"})
    assert r.status_code == 201
    assert warnings_of(r) == []
    assert "foo" not in r.json()["spec"]


def test_warning_header_format(raw: Raw, ns: str) -> None:
    body = cm_body("hdr")
    body["unknownThing"] = 1
    r = raw.post(cms(ns), body)
    raw_values = r.raw.headers.getlist("Warning")
    assert raw_values == ['299 - "unknown field \\"unknownThing\\""'], raw_values


def test_known_fields_are_not_warned(raw: Raw, ns: str) -> None:
    r = raw.post(deps(ns), deploy_body("clean"), params={"fieldValidation": "Strict"})
    assert r.status_code == 201
    assert warnings_of(r) == []
    body = json.loads(json.dumps(r.json()))
    body["status"] = {"replicas": 0}
    r = raw.put(f"{deps(ns)}/clean", body, params={"fieldValidation": "Strict"})
    assert r.status_code == 200, r.text


# --- per-kind name rules, encodings and sizes ---------------------------------------------------

def test_service_names_are_dns1035_labels(raw: Raw, ns: str) -> None:
    st_ = invalid(raw, svcs(ns), {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "1svc"},
                                  "spec": {"ports": [{"port": 80}]}}, "metadata.name")
    assert "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an " \
           "alphabetic character" in st_["message"]
    # a dotted name is a fine ConfigMap name (DNS-1123 subdomain) but not a Service name
    raw.create(cms(ns), cm_body("dotted.name"))
    invalid(raw, svcs(ns), {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "dotted.name"},
                            "spec": {"ports": [{"port": 80}]}}, "metadata.name")


def test_rbac_names_are_path_segments(raw: Raw, ns: str) -> None:
    roles = f"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles"
    out = raw.create(roles, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                             "metadata": {"name": "system:Test:Role_1"}, "rules": []})
    assert out["metadata"]["name"] == "system:Test:Role_1"
    raw.ok("GET", f"{roles}/system:Test:Role_1")
    invalid(raw, roles, {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                         "metadata": {"name": "has%percent"}, "rules": []}, "metadata.name")


def test_secret_data_must_be_base64(raw: Raw, ns: str) -> None:
    r = raw.post(f"/api/v1/namespaces/{ns}/secrets", {"apiVersion": "v1", "kind": "Secret",
                                                       "metadata": {"name": "b64"}, "data": {"a": "not base64!"}})
    st_ = assert_status(r, 400, "BadRequest")
    assert 'Secret in version "v1" cannot be handled as a Secret' in st_["message"]


def test_configmap_total_size_limit(raw: Raw, ns: str) -> None:
    body = cm_body("toobig", {"a": "x" * (600 * 1024), "b": "y" * (600 * 1024)})
    st_ = assert_status(raw.post(cms(ns), body), 422, "Invalid")
    assert "may not be more than 1048576 bytes" in st_["message"]
    assert_status(raw.get(f"{cms(ns)}/toobig"), 404)
