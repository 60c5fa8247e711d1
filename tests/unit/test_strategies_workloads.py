"""apps/v1 and batch/v1 workloads: defaults, template defaults, selectors, immutability."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kapi.machinery.errors import FieldError
from kapi.registry.strategies import strategy_for
from kapi.registry.strategies.cron import schedule_error
from kapi.registry.strategy import RequestContext

Obj = dict[str, Any]


def ctx(**kw: Any) -> RequestContext:
    return RequestContext(namespace="default", now="2025-01-01T00:00:00Z", **kw)


def msgs(errs: list[FieldError]) -> list[str]:
    return [str(e) for e in errs]


def create(group: str, plural: str, obj: Obj) -> tuple[Obj, list[str]]:
    s = strategy_for(group, plural)
    s.default(obj)
    s.prepare_for_create(ctx(), obj)
    return obj, msgs(s.validate(ctx(), obj))


def update(group: str, plural: str, new: Obj, old: Obj, **kw: Any) -> tuple[Obj, list[str]]:
    s = strategy_for(group, plural)
    s.default(new)
    s.prepare_for_update(ctx(**kw), new, old)
    return new, msgs(s.validate_update(ctx(**kw), new, old))


def template(labels: Obj | None = None, **spec: Any) -> Obj:
    return {"metadata": {"labels": labels if labels is not None else {"app": "x"}},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}], **spec}}


def deployment(**spec: Any) -> Obj:
    body: Obj = {"selector": {"matchLabels": {"app": "x"}}, "template": template()}
    body.update(spec)
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "default"},
            "spec": body}


def test_deployment_defaults() -> None:
    d, errs = create("apps", "deployments", deployment())
    assert errs == []
    spec = d["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%",
                                                                           "maxSurge": "25%"}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    pod_spec = spec["template"]["spec"]
    assert pod_spec["restartPolicy"] == "Always"
    assert pod_spec["dnsPolicy"] == "ClusterFirst"
    assert pod_spec["schedulerName"] == "default-scheduler"
    assert pod_spec["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    # admission-time pod fields are not added to templates
    for key in ("serviceAccountName", "tolerations", "priority", "enableServiceLinks"):
        assert key not in pod_spec
    again = copy.deepcopy(d)
    strategy_for("apps", "deployments").default(again)
    assert again == d


def test_deployment_recreate_has_no_rolling_update() -> None:
    d, errs = create("apps", "deployments", deployment(strategy={"type": "Recreate"}))
    assert errs == [] and d["spec"]["strategy"] == {"type": "Recreate"}
    _, errs = create("apps", "deployments", deployment(strategy={"type": "Recreate", "rollingUpdate": {}}))
    assert errs == ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is "
                    "'Recreate'"]


def test_deployment_validation_messages() -> None:
    _, errs = create("apps", "deployments", deployment(selector=None))
    assert errs == ["spec.selector: Required value"]
    _, errs = create("apps", "deployments", deployment(template=template({"app": "y"})))
    assert errs == ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"y"}: `selector` does '
                    'not match template `labels`']
    _, errs = create("apps", "deployments", deployment(replicas=-1))
    assert errs == ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]
    _, errs = create("apps", "deployments", deployment(template=template(restartPolicy="Never")))
    assert errs == ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']
    _, errs = create("apps", "deployments", deployment(
        strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}))
    assert errs == ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, '
                    'IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0']
    _, errs = create("apps", "deployments", deployment(
        strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "1", "maxUnavailable": "150%"}}))
    assert errs[0].startswith('spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, '
                              'IntVal:0, StrVal:"1"}: a valid percent string must be')
    assert errs[1] == ('spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, '
                       'IntVal:0, StrVal:"150%"}: must not be greater than 100%')
    _, errs = create("apps", "deployments", deployment(selector={}))
    assert errs[0].startswith("spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil)")
    assert errs[0].endswith("empty selector is invalid for deployment")


def test_selector_is_immutable() -> None:
    old, _ = create("apps", "deployments", deployment())
    new = copy.deepcopy(old)
    new["spec"]["selector"] = {"matchLabels": {"app": "x", "tier": "web"}}
    new["spec"]["template"]["metadata"]["labels"]["tier"] = "web"
    _, errs = update("apps", "deployments", new, old)
    assert errs == ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x", '
                    '"tier":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable']
    scaled = copy.deepcopy(old)
    scaled["spec"]["replicas"] = 5
    assert update("apps", "deployments", scaled, old)[1] == []


def test_replicaset_statefulset_daemonset_defaults() -> None:
    rs, errs = create("apps", "replicasets", {"metadata": {"name": "r"}, "spec": {
        "selector": {"matchLabels": {"app": "x"}}, "template": template()}})
    assert errs == [] and rs["spec"]["replicas"] == 1
    sts, errs = create("apps", "statefulsets", {"metadata": {"name": "s"}, "spec": {
        "serviceName": "s", "selector": {"matchLabels": {"app": "x"}}, "template": template(),
        "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}}]}})
    assert errs == []
    spec = sts["spec"]
    assert spec["replicas"] == 1
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert spec["volumeClaimTemplates"][0]["spec"]["volumeMode"] == "Filesystem"
    assert spec["volumeClaimTemplates"][0]["status"] == {"phase": "Pending"}
    ds, errs = create("apps", "daemonsets", {"metadata": {"name": "ds"}, "spec": {
        "selector": {"matchLabels": {"app": "x"}}, "template": template()}})
    assert errs == []
    assert ds["spec"]["updateStrategy"] == {"type": "RollingUpdate",
                                            "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    assert ds["spec"]["revisionHistoryLimit"] == 10


def test_statefulset_forbidden_update() -> None:
    old, _ = create("apps", "statefulsets", {"metadata": {"name": "s"}, "spec": {
        "serviceName": "s", "selector": {"matchLabels": {"app": "x"}}, "template": template()}})
    new = copy.deepcopy(old)
    new["spec"]["serviceName"] = "other"
    _, errs = update("apps", "statefulsets", new, old)
    assert errs == ["spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                    "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' "
                    "are forbidden"]


def test_replication_controller_defaults_from_template() -> None:
    rc, errs = create("", "replicationcontrollers", {"metadata": {"name": "rc"}, "spec": {"template": template()}})
    assert errs == []
    assert rc["spec"]["selector"] == {"app": "x"}
    assert rc["metadata"]["labels"] == {"app": "x"}
    assert rc["spec"]["replicas"] == 1
    assert strategy_for("", "replicationcontrollers").selectable_fields(rc) == {"status.replicas": "0"}


def job(**spec: Any) -> Obj:
    body: Obj = {"template": {"spec": {"restartPolicy": "Never",
                                       "containers": [{"name": "c", "image": "busybox"}]}}}
    body.update(spec)
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "namespace": "default",
                                                                  "uid": "0000-uid"}, "spec": body}


def test_job_defaults_and_generated_selector() -> None:
    j, errs = create("batch", "jobs", job())
    assert errs == []
    spec = j["spec"]
    assert (spec["parallelism"], spec["completions"], spec["backoffLimit"]) == (1, 1, 6)
    assert spec["completionMode"] == "NonIndexed"
    assert spec["suspend"] is False
    assert spec["podReplacementPolicy"] == "TerminatingOrFailed"
    assert spec["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": "0000-uid"}}
    labels = {"controller-uid": "0000-uid", "batch.kubernetes.io/controller-uid": "0000-uid",
              "job-name": "j", "batch.kubernetes.io/job-name": "j"}
    assert spec["template"]["metadata"]["labels"] == labels
    assert j["metadata"]["labels"] == labels
    again = copy.deepcopy(j)
    strategy_for("batch", "jobs").default(again)
    assert again == j


def test_job_validation() -> None:
    _, errs = create("batch", "jobs", job(template={"spec": {"containers": [{"name": "c", "image": "x"}]}}))
    assert errs == ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: '
                    '"OnFailure", "Never"']
    _, errs = create("batch", "jobs", job(parallelism=-1))
    assert errs == ["spec.parallelism: Invalid value: -1: must be greater than or equal to 0"]
    _, errs = create("batch", "jobs", job(manualSelector=True))
    assert "spec.selector: Required value" in errs
    _, errs = create("batch", "jobs", job(completionMode="Indexed", completions=None, parallelism=2))
    assert errs == ["spec.completions: Required value: when completion mode is Indexed"]


def test_job_template_and_selector_immutable() -> None:
    old, _ = create("batch", "jobs", job())
    new = copy.deepcopy(old)
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "busybox:2"
    _, errs = update("batch", "jobs", new, old)
    assert errs == ["spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable"]
    new = copy.deepcopy(old)
    new["spec"]["parallelism"] = 3
    new["spec"]["suspend"] = True
    assert update("batch", "jobs", new, old)[1] == []
    assert strategy_for("batch", "jobs").selectable_fields({"status": {"succeeded": 2}}) == {
        "status.successful": "2"}


def test_cronjob() -> None:
    cj = {"metadata": {"name": "c"}, "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": job()["spec"]}}}
    cj, errs = create("batch", "cronjobs", cj)
    assert errs == []
    spec = cj["spec"]
    assert (spec["concurrencyPolicy"], spec["suspend"]) == ("Allow", False)
    assert (spec["successfulJobsHistoryLimit"], spec["failedJobsHistoryLimit"]) == (3, 1)
    assert spec["jobTemplate"]["spec"]["template"]["spec"]["dnsPolicy"] == "ClusterFirst"
    assert "parallelism" not in spec["jobTemplate"]["spec"]
    bad = copy.deepcopy(cj)
    bad["metadata"]["name"] = "x" * 53
    bad["spec"]["schedule"] = "61 * * * *"
    _, errs = create("batch", "cronjobs", bad)
    assert errs == [f'metadata.name: Invalid value: "{"x" * 53}": must be no more than 52 characters',
                    'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']


@pytest.mark.parametrize(("schedule", "problem"), [
    ("* * * * *", None), ("0 0 1 jan mon", None), ("@hourly", None), ("@every 5m", None),
    ("0-59/15 1,2 * * 0-6", None), ("* * *", "expected exactly 5 fields, found 3: * * *"),
    ("a * * * *", 'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax'),
    ("@sometimes", "unrecognized descriptor: @sometimes"),
])
def test_cron_schedules(schedule: str, problem: str | None) -> None:
    assert schedule_error(schedule) == problem
