"""The default kube-scheduler (1.33) filter and score plugins as pure functions.

Pods and nodes are plain API dicts.  Resource amounts are integers: cpu in
millicores, everything else in whole units (bytes for memory).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kapi.machinery.quantity import resource_amount

MAX_NODE_SCORE = 100

ERR_NODE_NAME = "node(s) didn't match the requested node name"
ERR_UNSCHEDULABLE = "node(s) were unschedulable"
ERR_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
ERR_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports"
ERR_TOO_MANY_PODS = "Too many pods"
PREEMPTION_NOT_HELPFUL = "Preemption is not helpful for scheduling"

# Non-zero defaults used for scoring (pkg/scheduler/util/pod_resources.go).
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024

# Default score plugin weights of the 1.33 default profile.
SCORE_WEIGHTS = {
    "TaintToleration": 3,
    "NodeAffinity": 2,
    "NodeResourcesFit": 1,
    "NodeResourcesBalancedAllocation": 1,
}

Resources = dict[str, int]


def _spec(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("spec") or {}


def _labels(node: Mapping[str, Any]) -> Mapping[str, str]:
    return (node.get("metadata") or {}).get("labels") or {}


def _name(obj: Mapping[str, Any]) -> str:
    return (obj.get("metadata") or {}).get("name") or ""


# --- resources ---------------------------------------------------------------------------------


def _add(into: Resources, other: Mapping[str, int]) -> None:
    for k, v in other.items():
        into[k] = into.get(k, 0) + v


def _max(into: Resources, other: Mapping[str, int]) -> None:
    for k, v in other.items():
        if v > into.get(k, 0):
            into[k] = v


def _parse_list(rl: Mapping[str, Any] | None) -> Resources:
    return {k: resource_amount(k, v) for k, v in (rl or {}).items()}


def _container_requests(container: Mapping[str, Any], non_zero: bool) -> Resources:
    res = container.get("resources") or {}
    # API defaulting copies limits into missing requests.
    out = _parse_list(res.get("limits"))
    out.update(_parse_list(res.get("requests")))
    if non_zero:
        out.setdefault("cpu", DEFAULT_MILLI_CPU_REQUEST)
        out.setdefault("memory", DEFAULT_MEMORY_REQUEST)
    return out


def pod_requests(pod: Mapping[str, Any], non_zero: bool = False) -> Resources:
    """``resourcehelper.PodRequests``: containers summed, max'd against init containers
    (restartable "sidecar" init containers accumulate), plus overhead.  With
    ``non_zero`` containers missing a cpu/memory request count 100m/200Mi."""
    spec = _spec(pod)
    reqs: Resources = {}
    for c in spec.get("containers") or []:
        _add(reqs, _container_requests(c, non_zero))
    restartable: Resources = {}
    init_max: Resources = {}
    for c in spec.get("initContainers") or []:
        creqs = _container_requests(c, non_zero)
        if c.get("restartPolicy") == "Always":
            _add(reqs, creqs)
            _add(restartable, creqs)
            creqs = dict(restartable)
        else:
            tmp = dict(creqs)
            _add(tmp, restartable)
            creqs = tmp
        _max(init_max, creqs)
    _max(reqs, init_max)
    _add(reqs, _parse_list(spec.get("overhead")))
    return reqs


def node_requested(pods: Iterable[Mapping[str, Any]], non_zero: bool = False) -> Resources:
    total: Resources = {}
    for p in pods:
        _add(total, pod_requests(p, non_zero))
    return total


def node_allocatable(node: Mapping[str, Any]) -> Resources:
    status = node.get("status") or {}
    return _parse_list(status.get("allocatable") or status.get("capacity"))


# --- tolerations -------------------------------------------------------------------------------


def tolerates(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    """``Toleration.ToleratesTaint``."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    op = toleration.get("operator") or "Equal"
    if op == "Exists":
        return True
    if op == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return False


def _tolerated(tolerations: Sequence[Mapping[str, Any]], taint: Mapping[str, Any]) -> bool:
    return any(tolerates(t, taint) for t in tolerations)


def _tolerations(pod: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(_spec(pod).get("tolerations") or [])


def _taints(node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(_spec(node).get("taints") or [])


# --- node selector terms -----------------------------------------------------------------------


def _int_or_none(s: str) -> int | None:
    return int(s) if re.fullmatch(r"[+-]?[0-9]+", s) else None


def _requirement_matches(req: Mapping[str, Any], values_by_key: Mapping[str, str]) -> bool:
    key = req.get("key") or ""
    op = req.get("operator") or ""
    values = list(req.get("values") or [])
    present = key in values_by_key
    value = values_by_key.get(key, "")
    if op == "In":
        return present and value in values
    if op == "NotIn":
        return not present or value not in values
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    if op in ("Gt", "Lt"):
        if not present or len(values) != 1:
            return False
        have, want = _int_or_none(value), _int_or_none(values[0])
        if have is None or want is None:
            return False
        return have > want if op == "Gt" else have < want
    return False


def _term_is_empty(term: Mapping[str, Any]) -> bool:
    return not term.get("matchExpressions") and not term.get("matchFields")


def term_matches(term: Mapping[str, Any], node: Mapping[str, Any]) -> bool:
    """A ``NodeSelectorTerm``: expressions and fields ANDed; an empty term matches nothing."""
    if _term_is_empty(term):
        return False
    labels = _labels(node)
    if not all(_requirement_matches(r, labels) for r in term.get("matchExpressions") or []):
        return False
    fields = {"metadata.name": _name(node)}
    return all(_requirement_matches(r, fields) for r in term.get("matchFields") or [])


def _node_affinity(pod: Mapping[str, Any]) -> Mapping[str, Any]:
    return (_spec(pod).get("affinity") or {}).get("nodeAffinity") or {}


def required_node_affinity_matches(pod: Mapping[str, Any], node: Mapping[str, Any]) -> bool:
    labels = _labels(node)
    for k, v in (_spec(pod).get("nodeSelector") or {}).items():
        if labels.get(k) != v:
            return False
    required = _node_affinity(pod).get("requiredDuringSchedulingIgnoredDuringExecution")
    if required is None:
        return True
    return any(term_matches(t, node) for t in required.get("nodeSelectorTerms") or [])


# --- filters -----------------------------------------------------------------------------------


def filter_node_name(pod: Mapping[str, Any], node: Mapping[str, Any]) -> str | None:
    want = _spec(pod).get("nodeName")
    if want and want != _name(node):
        return ERR_NODE_NAME
    return None


def filter_node_unschedulable(pod: Mapping[str, Any], node: Mapping[str, Any]) -> str | None:
    if not _spec(node).get("unschedulable"):
        return None
    taint = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
    if _tolerated(_tolerations(pod), taint):
        return None
    return ERR_UNSCHEDULABLE


def filter_taint_toleration(pod: Mapping[str, Any], node: Mapping[str, Any]) -> str | None:
    tolerations = _tolerations(pod)
    for taint in _taints(node):
        if taint.get("effect") not in ("NoSchedule", "NoExecute"):
            continue
        if not _tolerated(tolerations, taint):
            key, value = taint.get("key") or "", taint.get("value") or ""
            return f"node(s) had untolerated taint {{{key}: {value}}}"
    return None


def filter_node_affinity(pod: Mapping[str, Any], node: Mapping[str, Any]) -> str | None:
    return None if required_node_affinity_matches(pod, node) else ERR_NODE_AFFINITY


def _host_ports(pod: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    out = []
    for c in _spec(pod).get("containers") or []:
        for p in c.get("ports") or []:
            port = int(p.get("hostPort") or 0)
            if port > 0:
                out.append((p.get("hostIP") or "0.0.0.0", p.get("protocol") or "TCP", port))
    return out


def filter_node_ports(
    pod: Mapping[str, Any], node: Mapping[str, Any], node_pods: Sequence[Mapping[str, Any]] = ()
) -> str | None:
    wanted = _host_ports(pod)
    if not wanted:
        return None
    used = [u for p in node_pods for u in _host_ports(p)]
    for ip, proto, port in wanted:
        for uip, uproto, uport in used:
            if port == uport and proto == uproto and (ip == uip or "0.0.0.0" in (ip, uip)):
                return ERR_NODE_PORTS
    return None


def insufficient_resources(
    pod: Mapping[str, Any], node: Mapping[str, Any], node_pods: Sequence[Mapping[str, Any]] = ()
) -> list[str]:
    """NodeResourcesFit's reasons, in upstream order (pods, cpu, memory, ephemeral-storage,
    then other resources sorted by name)."""
    alloc = node_allocatable(node)
    reasons: list[str] = []
    if len(node_pods) + 1 > alloc.get("pods", 0):
        reasons.append(ERR_TOO_MANY_PODS)
    req = {k: v for k, v in pod_requests(pod).items() if k != "pods"}
    if not any(req.values()):
        return reasons
    used = node_requested(node_pods)
    order = ["cpu", "memory", "ephemeral-storage"]
    order += sorted(k for k in req if k not in order)
    for name in order:
        want = req.get(name, 0)
        if want > 0 and want > alloc.get(name, 0) - used.get(name, 0):
            reasons.append(f"Insufficient {name}")
    return reasons


def filter_node_resources_fit(
    pod: Mapping[str, Any], node: Mapping[str, Any], node_pods: Sequence[Mapping[str, Any]] = ()
) -> list[str] | None:
    return insufficient_resources(pod, node, node_pods) or None


def run_filters(
    pod: Mapping[str, Any], node: Mapping[str, Any], node_pods: Sequence[Mapping[str, Any]] = ()
) -> list[str]:
    """The default profile's filters in order, stopping at the first that rejects.
    Returns the rejecting plugin's reasons (empty when the node fits)."""
    for check in (filter_node_unschedulable, filter_node_name, filter_taint_toleration, filter_node_affinity):
        reason = check(pod, node)
        if reason is not None:
            return [reason]
    reason = filter_node_ports(pod, node, node_pods)
    if reason is not None:
        return [reason]
    return insufficient_resources(pod, node, node_pods)


# --- scores ------------------------------------------------------------------------------------


def score_least_allocated(
    pod: Mapping[str, Any], node: Mapping[str, Any], node_pods: Sequence[Mapping[str, Any]] = ()
) -> int:
    """NodeResourcesFit with the LeastAllocated strategy (cpu and memory, weight 1)."""
    alloc = node_allocatable(node)
    requested = node_requested(node_pods, non_zero=True)
    _add(requested, pod_requests(pod, non_zero=True))
    total = weights = 0
    for name in ("cpu", "memory"):
        cap = alloc.get(name, 0)
        if cap == 0:
            continue
        req = requested.get(name, 0)
        total += 0 if req > cap else (cap - req) * MAX_NODE_SCORE // cap
        weights += 1
    return total // weights if weights else 0


def score_balanced_allocation(
    pod: Mapping[str, Any], node: Mapping[str, Any], node_pods: Sequence[Mapping[str, Any]] = ()
) -> int:
    """NodeResourcesBalancedAllocation over cpu and memory (actual requests)."""
    alloc = node_allocatable(node)
    requested = node_requested(node_pods)
    _add(requested, pod_requests(pod))
    fractions = []
    for name in ("cpu", "memory"):
        cap = alloc.get(name, 0)
        if cap == 0:
            continue
        fractions.append(min(requested.get(name, 0) / cap, 1.0))
    std = 0.0
    if len(fractions) == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    return int((1 - std) * MAX_NODE_SCORE)


def score_node_affinity(pod: Mapping[str, Any], node: Mapping[str, Any]) -> int:
    """Raw NodeAffinity score: sum of weights of matching preferred terms."""
    score = 0
    for pref in _node_affinity(pod).get("preferredDuringSchedulingIgnoredDuringExecution") or []:
        weight = int(pref.get("weight") or 0)
        term = pref.get("preference") or {}
        if weight == 0 or _term_is_empty(term):
            continue
        if term_matches(term, node):
            score += weight
    return score


def score_taint_toleration(pod: Mapping[str, Any], node: Mapping[str, Any]) -> int:
    """Raw TaintToleration score: count of untolerated PreferNoSchedule taints."""
    tolerations = [t for t in _tolerations(pod) if (t.get("effect") or "") in ("", "PreferNoSchedule")]
    return sum(
        1
        for taint in _taints(node)
        if taint.get("effect") == "PreferNoSchedule" and not _tolerated(tolerations, taint)
    )


def default_normalize_score(scores: dict[str, int], reverse: bool) -> dict[str, int]:
    """``helper.DefaultNormalizeScore`` with MaxNodeScore 100."""
    max_count = max(scores.values(), default=0)
    if max_count == 0:
        return {k: (MAX_NODE_SCORE if reverse else 0) for k in scores}
    out = {}
    for k, v in scores.items():
        s = MAX_NODE_SCORE * v // max_count
        out[k] = MAX_NODE_SCORE - s if reverse else s
    return out


def score_nodes(
    pod: Mapping[str, Any],
    nodes: Sequence[Mapping[str, Any]],
    pods_by_node: Mapping[str, Sequence[Mapping[str, Any]]],
) -> dict[str, dict[str, int]]:
    """Normalised 0-100 score per plugin per node (before weighting)."""
    names = [_name(n) for n in nodes]
    fit = {}
    balanced = {}
    affinity = {}
    taint = {}
    for n, name in zip(nodes, names, strict=True):
        node_pods = pods_by_node.get(name, ())
        fit[name] = score_least_allocated(pod, n, node_pods)
        balanced[name] = score_balanced_allocation(pod, n, node_pods)
        affinity[name] = score_node_affinity(pod, n)
        taint[name] = score_taint_toleration(pod, n)
    affinity = default_normalize_score(affinity, reverse=False)
    taint = default_normalize_score(taint, reverse=True)
    return {
        name: {
            "TaintToleration": taint[name],
            "NodeAffinity": affinity[name],
            "NodeResourcesFit": fit[name],
            "NodeResourcesBalancedAllocation": balanced[name],
        }
        for name in names
    }


def total_scores(per_plugin: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    return {
        name: sum(SCORE_WEIGHTS[p] * s for p, s in scores.items()) for name, scores in per_plugin.items()
    }


def select_node(
    pod: Mapping[str, Any],
    nodes: Sequence[Mapping[str, Any]],
    pods_by_node: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> tuple[str | None, dict[str, Any]]:
    """Filter then score; returns (chosen node name or None, diagnosis).

    The diagnosis holds ``node_reasons`` (node -> reasons for rejected nodes),
    ``reasons_count`` (reason -> number of nodes), ``feasible`` and ``scores``
    (node -> weighted total).  Ties go to the lexicographically smallest node
    name (upstream picks one at random)."""
    pods_by_node = pods_by_node or {}
    node_reasons: dict[str, list[str]] = {}
    feasible = []
    for n in nodes:
        reasons = run_filters(pod, n, pods_by_node.get(_name(n), ()))
        if reasons:
            node_reasons[_name(n)] = reasons
        else:
            feasible.append(n)
    counts: dict[str, int] = {}
    for reasons in node_reasons.values():
        for r in reasons:
            counts[r] = counts.get(r, 0) + 1
    diagnosis: dict[str, Any] = {
        "node_reasons": node_reasons,
        "reasons_count": counts,
        "feasible": [_name(n) for n in feasible],
        "scores": {},
    }
    if not feasible:
        return None, diagnosis
    if len(feasible) == 1:
        return _name(feasible[0]), diagnosis
    totals = total_scores(score_nodes(pod, feasible, pods_by_node))
    diagnosis["scores"] = totals
    best = min(totals, key=lambda name: (-totals[name], name))
    return best, diagnosis


# --- messages ----------------------------------------------------------------------------------


def _histogram(reasons_count: Mapping[str, int]) -> str:
    return ", ".join(sorted(f"{v} {k}" for k, v in reasons_count.items()))


def failed_scheduling_message(
    total_nodes: int, reasons_count: Mapping[str, int], preemption: str | None = None
) -> str:
    """``FitError.Error()``: ``0/N nodes are available: <sorted histogram>.`` followed, when
    given, by the PostFilter message ``preemption`` (as produced by
    :func:`preemption_message`, e.g. ``preemption: 0/3 nodes are available: 3 Preemption
    is not helpful for scheduling.``) in upstream's `` %v.`` separator format."""
    msg = f"0/{total_nodes} nodes are available:"
    hist = _histogram(reasons_count)
    if hist:
        msg += f" {hist}."
    if preemption:
        msg += f" {preemption}."
    return msg


def preemption_message(total_nodes: int, reasons_count: Mapping[str, int]) -> str:
    """DefaultPreemption's PostFilter message when there are no candidates."""
    return "preemption: " + failed_scheduling_message(total_nodes, reasons_count)


def preemption_not_helpful_message(total_nodes: int) -> str:
    """The PostFilter message when no node could be helped by preemption."""
    return preemption_message(total_nodes, {PREEMPTION_NOT_HELPFUL: total_nodes} if total_nodes else {})
