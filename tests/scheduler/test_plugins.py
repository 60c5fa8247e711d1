from kapi.scheduler.plugins import (
    ERR_NODE_AFFINITY,
    ERR_NODE_NAME,
    ERR_NODE_PORTS,
    ERR_UNSCHEDULABLE,
    default_normalize_score,
    failed_scheduling_message,
    filter_node_affinity,
    filter_node_name,
    filter_node_ports,
    filter_node_resources_fit,
    filter_node_unschedulable,
    filter_taint_toleration,
    insufficient_resources,
    pod_requests,
    preemption_not_helpful_message,
    score_balanced_allocation,
    score_least_allocated,
    score_node_affinity,
    score_taint_toleration,
    select_node,
)

GI = 2**30
MI = 2**20


def node(name, cpu="4", memory="8Gi", pods="110", labels=None, taints=None, unschedulable=False, extra=None):
    alloc = {"cpu": cpu, "memory": memory, "pods": pods, **(extra or {})}
    spec = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    return {
        "metadata": {"name": name, "labels": labels or {}},
        "spec": spec,
        "status": {"allocatable": alloc, "capacity": alloc},
    }


def pod(cpu=None, memory=None, **spec):
    requests = {}
    if cpu is not None:
        requests["cpu"] = cpu
    if memory is not None:
        requests["memory"] = memory
    container = {"name": "c", "image": "x", "resources": {"requests": requests} if requests else {}}
    return {"metadata": {"name": "p", "namespace": "default"}, "spec": {"containers": [container], **spec}}


# --- filters -----------------------------------------------------------------------------------


def test_node_name():
    assert filter_node_name(pod(), node("a")) is None
    assert filter_node_name(pod(nodeName="a"), node("a")) is None
    assert filter_node_name(pod(nodeName="b"), node("a")) == ERR_NODE_NAME


def test_node_unschedulable():
    assert filter_node_unschedulable(pod(), node("a")) is None
    assert filter_node_unschedulable(pod(), node("a", unschedulable=True)) == ERR_UNSCHEDULABLE
    tol = [{"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}]
    assert filter_node_unschedulable(pod(tolerations=tol), node("a", unschedulable=True)) is None


def test_taint_toleration_filter():
    cp = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
    n = node("a", taints=[cp])
    want = "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"
    assert filter_taint_toleration(pod(), n) == want
    assert filter_taint_toleration(pod(tolerations=[{"key": cp["key"], "operator": "Exists"}]), n) is None
    assert filter_taint_toleration(pod(tolerations=[{"operator": "Exists"}]), n) is None
    # wrong effect does not tolerate
    tol = [{"key": cp["key"], "operator": "Exists", "effect": "NoExecute"}]
    assert filter_taint_toleration(pod(tolerations=tol), n) is not None
    # Equal compares values
    t2 = {"key": "dedicated", "value": "gpu", "effect": "NoExecute"}
    n2 = node("b", taints=[t2])
    assert filter_taint_toleration(pod(), n2) == "node(s) had untolerated taint {dedicated: gpu}"
    assert filter_taint_toleration(pod(tolerations=[{"key": "dedicated", "value": "gpu"}]), n2) is None
    assert filter_taint_toleration(pod(tolerations=[{"key": "dedicated", "value": "cpu"}]), n2) is not None
    # PreferNoSchedule never filters
    assert filter_taint_toleration(pod(), node("c", taints=[{"key": "k", "effect": "PreferNoSchedule"}])) is None


def test_node_selector():
    n = node("a", labels={"disk": "ssd", "zone": "z1"})
    assert filter_node_affinity(pod(nodeSelector={"disk": "ssd"}), n) is None
    assert filter_node_affinity(pod(nodeSelector={"disk": "hdd"}), n) == ERR_NODE_AFFINITY
    assert filter_node_affinity(pod(nodeSelector={"gpu": "yes"}), n) == ERR_NODE_AFFINITY


def _required(*terms):
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


def test_required_node_affinity():
    n = node("a", labels={"disk": "ssd", "cores": "8"})
    expr = lambda k, op, *v: {"matchExpressions": [{"key": k, "operator": op, "values": list(v)}]}  # noqa: E731
    assert filter_node_affinity(pod(affinity=_required(expr("disk", "In", "ssd", "nvme"))), n) is None
    assert filter_node_affinity(pod(affinity=_required(expr("disk", "NotIn", "ssd"))), n) == ERR_NODE_AFFINITY
    assert filter_node_affinity(pod(affinity=_required(expr("gpu", "DoesNotExist"))), n) is None
    assert filter_node_affinity(pod(affinity=_required(expr("gpu", "Exists"))), n) == ERR_NODE_AFFINITY
    assert filter_node_affinity(pod(affinity=_required(expr("cores", "Gt", "4"))), n) is None
    assert filter_node_affinity(pod(affinity=_required(expr("cores", "Lt", "4"))), n) == ERR_NODE_AFFINITY
    # terms are ORed
    aff = _required(expr("gpu", "Exists"), expr("disk", "In", "ssd"))
    assert filter_node_affinity(pod(affinity=aff), n) is None
    # an empty term matches nothing
    assert filter_node_affinity(pod(affinity=_required({})), n) == ERR_NODE_AFFINITY
    # matchFields on metadata.name
    mf = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["a"]}]}
    assert filter_node_affinity(pod(affinity=_required(mf)), n) is None
    assert filter_node_affinity(pod(affinity=_required(mf)), node("b")) == ERR_NODE_AFFINITY
    # nodeSelector and affinity are ANDed
    p = pod(nodeSelector={"disk": "hdd"}, affinity=_required(expr("disk", "In", "ssd")))
    assert filter_node_affinity(p, n) == ERR_NODE_AFFINITY


def _port_pod(port, protocol="TCP", host_ip=None):
    p = pod()
    entry = {"containerPort": 80, "hostPort": port, "protocol": protocol}
    if host_ip:
        entry["hostIP"] = host_ip
    p["spec"]["containers"][0]["ports"] = [entry]
    return p


def test_node_ports():
    n = node("a")
    assert filter_node_ports(_port_pod(8080), n, []) is None
    assert filter_node_ports(_port_pod(8080), n, [_port_pod(8080)]) == ERR_NODE_PORTS
    assert filter_node_ports(_port_pod(8080), n, [_port_pod(8081)]) is None
    assert filter_node_ports(_port_pod(8080, "UDP"), n, [_port_pod(8080)]) is None
    assert filter_node_ports(_port_pod(8080, host_ip="10.0.0.1"), n, [_port_pod(8080, host_ip="10.0.0.2")]) is None
    assert filter_node_ports(_port_pod(8080, host_ip="10.0.0.1"), n, [_port_pod(8080)]) == ERR_NODE_PORTS
    assert filter_node_ports(_port_pod(0), n, [_port_pod(0)]) is None


def test_resources_fit_basic():
    n = node("a", cpu="2", memory="4Gi")
    assert filter_node_resources_fit(pod("1", "1Gi"), n) is None
    assert filter_node_resources_fit(pod("3", "1Gi"), n) == ["Insufficient cpu"]
    assert filter_node_resources_fit(pod("3", "5Gi"), n) == ["Insufficient cpu", "Insufficient memory"]
    existing = [pod("1500m", "3Gi")]
    assert filter_node_resources_fit(pod("500m", "1Gi"), n, existing) is None
    assert filter_node_resources_fit(pod("501m", "1Gi"), n, existing) == ["Insufficient cpu"]
    assert filter_node_resources_fit(pod("100m", "1025Mi"), n, existing) == ["Insufficient memory"]


def test_too_many_pods_and_extended():
    n = node("a", pods="1", extra={"example.com/gpu": "1"})
    assert insufficient_resources(pod(), n, [pod()]) == ["Too many pods"]
    assert insufficient_resources(pod(), n, []) == []
    p = pod()
    p["spec"]["containers"][0]["resources"] = {"limits": {"example.com/gpu": "2"}}
    assert insufficient_resources(p, n, []) == ["Insufficient example.com/gpu"]
    assert insufficient_resources(pod("1"), node("b", pods="0"), []) == ["Too many pods"]


def test_pod_requests_init_containers_and_overhead():
    p = pod("500m", "256Mi")
    p["spec"]["initContainers"] = [
        {"name": "i1", "resources": {"requests": {"cpu": "2", "memory": "64Mi"}}},
        {"name": "i2", "resources": {"requests": {"cpu": "100m", "memory": "1Gi"}}},
    ]
    p["spec"]["overhead"] = {"cpu": "250m", "memory": "10Mi"}
    assert pod_requests(p) == {"cpu": 2250, "memory": GI + 10 * MI}
    n = node("a", cpu="2", memory="8Gi")
    assert insufficient_resources(p, n) == ["Insufficient cpu"]
    assert insufficient_resources(p, node("b", cpu="2250m")) == []


def test_pod_requests_sidecars():
    p = pod("1")
    p["spec"]["initContainers"] = [
        {"name": "sidecar", "restartPolicy": "Always", "resources": {"requests": {"cpu": "500m"}}},
        {"name": "init", "resources": {"requests": {"cpu": "2"}}},
    ]
    # sidecar runs alongside both the later init container (2.5) and the app (1.5)
    assert pod_requests(p)["cpu"] == 2500


def test_non_zero_requests():
    assert pod_requests(pod()) == {}
    assert pod_requests(pod(), non_zero=True) == {"cpu": 100, "memory": 200 * MI}
    assert pod_requests(pod("1"), non_zero=True) == {"cpu": 1000, "memory": 200 * MI}


# --- scores ------------------------------------------------------------------------------------


def test_least_allocated():
    n = node("a", cpu="4", memory="8Gi")
    # cpu (4000-1000)/4000 -> 75, memory (8-2)/8 -> 75
    assert score_least_allocated(pod("1", "2Gi"), n) == 75
    assert score_least_allocated(pod("1", "2Gi"), n, [pod("2", "2Gi")]) == 37  # (25 + 50) // 2
    assert score_least_allocated(pod("8", "2Gi"), n) == 37  # cpu over capacity scores 0


def test_balanced_allocation():
    n = node("a", cpu="4", memory="8Gi")
    assert score_balanced_allocation(pod("2", "4Gi"), n) == 100
    assert score_balanced_allocation(pod("4", "0"), n) == 50


def test_normalize():
    assert default_normalize_score({"a": 0, "b": 5, "c": 10}, reverse=False) == {"a": 0, "b": 50, "c": 100}
    assert default_normalize_score({"a": 0, "b": 1, "c": 3}, reverse=True) == {"a": 100, "b": 67, "c": 0}
    assert default_normalize_score({"a": 0}, reverse=True) == {"a": 100}
    assert default_normalize_score({"a": 0}, reverse=False) == {"a": 0}


def _preferred(*pairs):
    return {
        "nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": w, "preference": {"matchExpressions": [{"key": k, "operator": "In", "values": [v]}]}}
                for w, k, v in pairs
            ]
        }
    }


def test_node_affinity_score_and_taint_score():
    p = pod(affinity=_preferred((10, "zone", "z1"), (5, "disk", "ssd")))
    assert score_node_affinity(p, node("a", labels={"zone": "z1", "disk": "ssd"})) == 15
    assert score_node_affinity(p, node("b", labels={"disk": "ssd"})) == 5
    assert score_node_affinity(p, node("c")) == 0
    t = [{"key": "k", "value": "v", "effect": "PreferNoSchedule"}, {"key": "h", "effect": "NoSchedule"}]
    assert score_taint_toleration(pod(), node("a", taints=t)) == 1
    assert score_taint_toleration(pod(tolerations=[{"key": "k", "operator": "Exists"}]), node("a", taints=t)) == 0


def test_select_prefers_emptier_node():
    nodes = [node("busy"), node("empty")]
    pods_by_node = {"busy": [pod("3", "6Gi")]}
    name, diag = select_node(pod("500m", "1Gi"), nodes, pods_by_node)
    assert name == "empty"
    assert diag["scores"]["empty"] > diag["scores"]["busy"]


def test_select_honours_affinity_preference():
    nodes = [node("a", labels={"zone": "z1"}), node("b", labels={"zone": "z2"})]
    p = pod("100m", affinity=_preferred((50, "zone", "z2")))
    assert select_node(p, nodes, {})[0] == "b"
    p = pod("100m", affinity=_preferred((50, "zone", "z1")))
    assert select_node(p, nodes, {})[0] == "a"


def test_select_avoids_prefer_no_schedule_and_ties_by_name():
    nodes = [node("a", taints=[{"key": "k", "effect": "PreferNoSchedule"}]), node("b"), node("c")]
    assert select_node(pod("100m"), nodes, {})[0] == "b"


def test_select_single_feasible_and_none():
    nodes = [node("a", cpu="1"), node("b", cpu="8")]
    name, diag = select_node(pod("2"), nodes, {})
    assert name == "b"
    assert diag["node_reasons"] == {"a": ["Insufficient cpu"]}
    name, diag = select_node(pod("16"), nodes, {})
    assert name is None
    assert diag["reasons_count"] == {"Insufficient cpu": 2}


# --- message -----------------------------------------------------------------------------------


def test_failed_scheduling_message_mixed():
    cp = [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
    nodes = [
        node("cp1", taints=cp),
        node("cp2", taints=cp),
        node("w1", cpu="1", memory="1Gi"),
        node("w2", cpu="1", memory="8Gi", unschedulable=True),
        node("w3", pods="1"),
    ]
    name, diag = select_node(pod("2", "2Gi"), nodes, {"w3": [pod()]})
    assert name is None
    msg = failed_scheduling_message(len(nodes), diag["reasons_count"], preemption_not_helpful_message(len(nodes)))
    assert msg == (
        "0/5 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 Too many pods, "
        "1 node(s) were unschedulable, "
        "2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. "
        "preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.."
    )


def test_failed_scheduling_message_brief_example():
    counts = {"node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }": 2, "Insufficient cpu": 1}
    post = "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling"
    assert failed_scheduling_message(3, counts, post) == (
        "0/3 nodes are available: 1 Insufficient cpu, "
        "2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    )
    assert failed_scheduling_message(0, {}) == "0/0 nodes are available:"
    # sorted as strings: "10 ..." sorts before "2 ..."
    assert failed_scheduling_message(12, {"b": 2, "a": 10}) == "0/12 nodes are available: 10 a, 2 b."
