"""``kubectl create <generator>``: the typed commands that send protobuf bodies (and never fall back).

Not covered, because kapi does not serve what they need yet: ``kubectl create token`` (the
``serviceaccounts/token`` subresource, TokenRequest) and ``kubectl auth can-i``
(SelfSubjectAccessReview).
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.kubectl.conftest import Kubectl


def get(kubectl: Kubectl, *args: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(kubectl("get", *args, "-o", "json").stdout)
    return out


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def test_configmap(kubectl: Kubectl, kns: str, tmp_path: Path) -> None:
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"\x00\x01\xfe\xff")
    out = kubectl("create", "configmap", "c1", "-n", kns, "--from-literal=a=b", "--from-literal=empty=",
                  f"--from-file={blob}").stdout
    assert "configmap/c1 created" in out
    cm = get(kubectl, "configmap", "c1", "-n", kns)
    assert cm["data"] == {"a": "b", "empty": ""}
    assert cm["binaryData"] == {"blob.bin": b64(b"\x00\x01\xfe\xff")}
    assert cm["metadata"]["namespace"] == kns and cm["metadata"]["uid"]


def test_configmap_server_dry_run_stores_nothing(kubectl: Kubectl, kns: str) -> None:
    out = kubectl("create", "configmap", "dry", "-n", kns, "--from-literal=a=b", "--dry-run=server",
                  "-o", "json").stdout
    assert json.loads(out)["data"] == {"a": "b"}
    assert kubectl("get", "configmap", "dry", "-n", kns, check=False).returncode != 0


def test_secrets(kubectl: Kubectl, kns: str) -> None:
    kubectl("create", "secret", "generic", "g", "-n", kns, "--from-literal=user=admin", "--from-literal=pw=s3 cr=t")
    generic = get(kubectl, "secret", "g", "-n", kns)
    assert generic["type"] == "Opaque"
    assert generic["data"] == {"user": b64("admin"), "pw": b64("s3 cr=t")}

    kubectl("create", "secret", "docker-registry", "d", "-n", kns, "--docker-server=r.example.com",
            "--docker-username=u", "--docker-password=p", "--docker-email=u@example.com")
    docker = get(kubectl, "secret", "d", "-n", kns)
    assert docker["type"] == "kubernetes.io/dockerconfigjson"
    config = json.loads(base64.b64decode(docker["data"][".dockerconfigjson"]))
    assert config["auths"]["r.example.com"]["username"] == "u"
    assert config["auths"]["r.example.com"]["auth"] == b64("u:p")


def test_secret_tls_with_a_real_pair(kubectl: Kubectl, kns: str, tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("openssl is needed to make a TLS pair (Debian package openssl)")
    cert, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=kapi.test"], check=True, capture_output=True, timeout=60)
    kubectl("create", "secret", "tls", "t", "-n", kns, f"--cert={cert}", f"--key={key}")
    tls = get(kubectl, "secret", "t", "-n", kns)
    assert tls["type"] == "kubernetes.io/tls"
    assert base64.b64decode(tls["data"]["tls.crt"]) == cert.read_bytes()
    assert base64.b64decode(tls["data"]["tls.key"]) == key.read_bytes()


def test_deployment(kubectl: Kubectl, kns: str) -> None:
    kubectl("create", "deployment", "web", "-n", kns, "--image=nginx:1.27", "--replicas=3", "--port=8080")
    dep = get(kubectl, "deployment", "web", "-n", kns)
    assert dep["spec"]["replicas"] == 3
    assert dep["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    container = dep["spec"]["template"]["spec"]["containers"][0]
    assert container["name"] == "nginx" and container["image"] == "nginx:1.27"
    assert container["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]


def test_deployment_with_zero_replicas_keeps_zero(kubectl: Kubectl, kns: str) -> None:
    kubectl("create", "deployment", "idle", "-n", kns, "--image=nginx", "--replicas=0")
    assert get(kubectl, "deployment", "idle", "-n", kns)["spec"]["replicas"] == 0


def test_deployment_server_dry_run(kubectl: Kubectl, kns: str) -> None:
    out = kubectl("create", "deployment", "dry", "-n", kns, "--image=nginx", "--dry-run=server", "-o", "json").stdout
    assert json.loads(out)["spec"]["replicas"] == 1
    assert kubectl("get", "deployment", "dry", "-n", kns, check=False).returncode != 0


def test_job_cronjob_and_job_from_cronjob(kubectl: Kubectl, kns: str) -> None:
    kubectl("create", "job", "j1", "-n", kns, "--image=busybox", "--", "echo", "hi")
    job = get(kubectl, "job", "j1", "-n", kns)
    pod_spec = job["spec"]["template"]["spec"]
    assert pod_spec["restartPolicy"] == "Never"
    assert pod_spec["containers"][0]["command"] == ["echo", "hi"]

    kubectl("create", "cronjob", "cj", "-n", kns, "--image=busybox", "--schedule=*/5 * * * *", "--", "date")
    cj = get(kubectl, "cronjob", "cj", "-n", kns)
    assert cj["spec"]["schedule"] == "*/5 * * * *"
    template = cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert template["restartPolicy"] == "OnFailure" and template["containers"][0]["command"] == ["date"]

    kubectl("create", "job", "manual", "-n", kns, "--from=cronjob/cj")
    manual = get(kubectl, "job", "manual", "-n", kns)
    assert manual["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
    assert manual["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    assert manual["spec"]["template"]["spec"]["containers"][0]["command"] == ["date"]


def test_namespace(kubectl: Kubectl, kns: str) -> None:
    name = f"{kns}-extra"[:63]
    assert f"namespace/{name} created" in kubectl("create", "namespace", name).stdout
    ns = get(kubectl, "namespace", name)
    assert ns["status"]["phase"] == "Active"
    kubectl("delete", "namespace", name, "--wait=false")


def test_serviceaccount(kubectl: Kubectl, kns: str) -> None:
    kubectl("create", "serviceaccount", "robot", "-n", kns)
    sa = get(kubectl, "serviceaccount", "robot", "-n", kns)
    assert sa["metadata"]["name"] == "robot" and sa["metadata"]["namespace"] == kns


def test_services(kubectl: Kubectl, kns: str) -> None:
    kubectl("create", "service", "clusterip", "web", "-n", kns, "--tcp=80:8080")
    web = get(kubectl, "service", "web", "-n", kns)
    assert web["spec"]["type"] == "ClusterIP" and web["spec"]["clusterIP"]
    assert web["spec"]["ports"] == [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}]
    assert web["spec"]["selector"] == {"app": "web"}

    kubectl("create", "service", "clusterip", "headless", "-n", kns, "--clusterip=None")
    assert get(kubectl, "service", "headless", "-n", kns)["spec"]["clusterIP"] == "None"

    kubectl("create", "service", "nodeport", "np", "-n", kns, "--tcp=80:http")
    np = get(kubectl, "service", "np", "-n", kns)
    assert np["spec"]["type"] == "NodePort"
    port = np["spec"]["ports"][0]
    assert port["targetPort"] == "http" and 30000 <= port["nodePort"] <= 32767

    kubectl("create", "service", "loadbalancer", "lb", "-n", kns, "--tcp=443:8443")
    assert get(kubectl, "service", "lb", "-n", kns)["spec"]["type"] == "LoadBalancer"

    kubectl("create", "service", "externalname", "ext", "-n", kns, "--external-name=example.com")
    ext = get(kubectl, "service", "ext", "-n", kns)
    assert ext["spec"]["type"] == "ExternalName" and ext["spec"]["externalName"] == "example.com"


def test_rbac(kubectl: Kubectl, kns: str) -> None:
    kubectl("create", "role", "reader", "-n", kns, "--verb=get,list", "--resource=pods,deployments.apps",
            "--resource-name=x")
    role = get(kubectl, "role", "reader", "-n", kns)
    assert role["rules"] == [
        {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["x"]},
        {"verbs": ["get", "list"], "apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["x"]},
    ]

    kubectl("create", "rolebinding", "rb", "-n", kns, "--role=reader", "--user=alice",
            f"--serviceaccount={kns}:robot")
    rb = get(kubectl, "rolebinding", "rb", "-n", kns)
    assert rb["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"}
    assert {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"} in rb["subjects"]
    sa = next(s for s in rb["subjects"] if s["kind"] == "ServiceAccount")
    assert sa["name"] == "robot" and sa["namespace"] == kns and not sa.get("apiGroup")

    cr_name = f"{kns}-logs"
    kubectl("create", "clusterrole", cr_name, "--verb=get", "--non-resource-url=/logs/*")
    cr = get(kubectl, "clusterrole", cr_name)
    assert cr["rules"] == [{"verbs": ["get"], "nonResourceURLs": ["/logs/*"]}]

    agg_name = f"{kns}-agg"
    kubectl("create", "clusterrole", agg_name, "--aggregation-rule=rbac.example.com/aggregate=true")
    agg = get(kubectl, "clusterrole", agg_name)
    assert agg["aggregationRule"] == {
        "clusterRoleSelectors": [{"matchLabels": {"rbac.example.com/aggregate": "true"}}]}

    crb_name = f"{kns}-crb"
    kubectl("create", "clusterrolebinding", crb_name, f"--clusterrole={cr_name}", "--group=ops")
    crb = get(kubectl, "clusterrolebinding", crb_name)
    assert crb["subjects"] == [{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "ops"}]
    kubectl("delete", "clusterrolebinding", crb_name)
    kubectl("delete", "clusterrole", cr_name, agg_name)


def test_quota(kubectl: Kubectl, kns: str) -> None:
    kubectl("create", "quota", "q", "-n", kns, "--hard=cpu=1500m,memory=1Gi,pods=2", "--scopes=BestEffort")
    quota = get(kubectl, "resourcequota", "q", "-n", kns)
    assert quota["spec"]["hard"] == {"cpu": "1500m", "memory": "1Gi", "pods": "2"}
    assert quota["spec"]["scopes"] == ["BestEffort"]


def test_pdb(kubectl: Kubectl, kns: str) -> None:
    kubectl("create", "pdb", "min0", "-n", kns, "--selector=app=web", "--min-available=0")
    min0 = get(kubectl, "pdb", "min0", "-n", kns)
    assert min0["spec"]["minAvailable"] == 0
    assert min0["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    kubectl("create", "pdb", "half", "-n", kns, "--selector=app=web", "--max-unavailable=50%")
    assert get(kubectl, "pdb", "half", "-n", kns)["spec"]["maxUnavailable"] == "50%"


def test_priorityclass(kubectl: Kubectl, kns: str) -> None:
    name = f"{kns}-pc"
    kubectl("create", "priorityclass", name, "--value=0", "--description=zero", "--preemption-policy=Never")
    pc = get(kubectl, "priorityclass", name)
    assert pc["value"] == 0 and pc["description"] == "zero" and pc["preemptionPolicy"] == "Never"
    assert not pc.get("globalDefault")
    kubectl("delete", "priorityclass", name)


def test_ingress(kubectl: Kubectl, kns: str) -> None:
    kubectl("create", "ingress", "ing", "-n", kns, "--class=nginx", "--rule=foo.com/bar=svc1:8080,tls=foo-tls",
            "--rule=foo.com/prefix*=svc2:http")
    ing = get(kubectl, "ingress", "ing", "-n", kns)
    spec = ing["spec"]
    assert spec["ingressClassName"] == "nginx"
    assert spec["tls"] == [{"hosts": ["foo.com"], "secretName": "foo-tls"}]
    paths = spec["rules"][0]["http"]["paths"]
    assert {"path": "/bar", "pathType": "Exact",
            "backend": {"service": {"name": "svc1", "port": {"number": 8080}}}} in paths
    assert {"path": "/prefix", "pathType": "Prefix",
            "backend": {"service": {"name": "svc2", "port": {"name": "http"}}}} in paths


def test_autoscale(kubectl: Kubectl, kns: str) -> None:
    kubectl("create", "deployment", "web", "-n", kns, "--image=nginx")
    kubectl("autoscale", "deployment", "web", "-n", kns, "--min=2", "--max=5", "--cpu-percent=60")
    hpa = get(kubectl, "hpa", "web", "-n", kns)
    assert hpa["spec"]["minReplicas"] == 2 and hpa["spec"]["maxReplicas"] == 5
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
