"""Printers of ``apps/v1`` and ``batch/v1``, after upstream ``printers.go``."""

from __future__ import annotations

from kapi.registry.printers._base import (
    CONTAINERS,
    IMAGES,
    Cell,
    Column,
    Obj,
    Printer,
    age,
    age_column,
    bool_ptr,
    container_cells,
    format_label_selector,
    format_labels,
    get,
    human_duration,
    int_of,
    items,
    mapping,
    meta,
    name_column,
    name_of,
    selector_string,
    since,
    timestamp,
)


def _template_cells(o: Obj, *path: str) -> tuple[str, str]:
    return container_cells(items(o, *path, "spec", "containers"))


def _deployment_row(o: Obj, now: float) -> list[Cell]:
    status = mapping(o, "status")
    names, images = _template_cells(o, "spec", "template")
    return [name_of(o), f"{int_of(status.get('readyReplicas'))}/{int_of(get(o, 'spec', 'replicas'), 1)}",
            int_of(status.get("updatedReplicas")), int_of(status.get("availableReplicas")), age(o, now),
            names, images, selector_string(get(o, "spec", "selector"))]


DEPLOYMENTS = Printer((
    name_column(),
    Column("Ready", description="Number of the pod with ready state"),
    Column("Up-to-date", ref=("apps.v1.DeploymentStatus", "updatedReplicas")),
    Column("Available", ref=("apps.v1.DeploymentStatus", "availableReplicas")),
    age_column(), CONTAINERS, IMAGES,
    Column("Selector", priority=1, ref=("apps.v1.DeploymentSpec", "selector")),
), _deployment_row)


def _replicaset_row(o: Obj, now: float) -> list[Cell]:
    status = mapping(o, "status")
    names, images = _template_cells(o, "spec", "template")
    return [name_of(o), int_of(get(o, "spec", "replicas"), 1), int_of(status.get("replicas")),
            int_of(status.get("readyReplicas")), age(o, now), names, images,
            format_label_selector(get(o, "spec", "selector"))]


REPLICASETS = Printer((
    name_column(),
    Column("Desired", "integer", ref=("apps.v1.ReplicaSetSpec", "replicas")),
    Column("Current", "integer", ref=("apps.v1.ReplicaSetStatus", "replicas")),
    Column("Ready", "integer", ref=("apps.v1.ReplicaSetStatus", "readyReplicas")),
    age_column(), CONTAINERS, IMAGES,
    Column("Selector", priority=1, ref=("apps.v1.ReplicaSetSpec", "selector")),
), _replicaset_row)


def _statefulset_row(o: Obj, now: float) -> list[Cell]:
    names, images = _template_cells(o, "spec", "template")
    return [name_of(o), f"{int_of(get(o, 'status', 'readyReplicas'))}/{int_of(get(o, 'spec', 'replicas'), 1)}",
            age(o, now), names, images]


STATEFULSETS = Printer((
    name_column(),
    Column("Ready", description="Number of the pod with ready state"),
    age_column(), CONTAINERS, IMAGES,
), _statefulset_row)


def _daemonset_row(o: Obj, now: float) -> list[Cell]:
    status = mapping(o, "status")
    names, images = _template_cells(o, "spec", "template")
    return [name_of(o), int_of(status.get("desiredNumberScheduled")), int_of(status.get("currentNumberScheduled")),
            int_of(status.get("numberReady")), int_of(status.get("updatedNumberScheduled")),
            int_of(status.get("numberAvailable")),
            format_labels(mapping(o, "spec", "template", "spec", "nodeSelector")), age(o, now), names, images,
            format_label_selector(get(o, "spec", "selector"))]


DAEMONSETS = Printer((
    name_column(),
    Column("Desired", "integer", ref=("apps.v1.DaemonSetStatus", "desiredNumberScheduled")),
    Column("Current", "integer", ref=("apps.v1.DaemonSetStatus", "currentNumberScheduled")),
    Column("Ready", "integer", ref=("apps.v1.DaemonSetStatus", "numberReady")),
    Column("Up-to-date", "integer", ref=("apps.v1.DaemonSetStatus", "updatedNumberScheduled")),
    Column("Available", "integer", ref=("apps.v1.DaemonSetStatus", "numberAvailable")),
    Column("Node Selector", ref=("core.v1.PodSpec", "nodeSelector")),
    age_column(), CONTAINERS, IMAGES,
    Column("Selector", priority=1, ref=("apps.v1.DaemonSetSpec", "selector")),
), _daemonset_row)


def _controller_of(o: Obj) -> str:
    for ref in items(o, "metadata", "ownerReferences"):
        if isinstance(ref, dict) and ref.get("controller") is True:
            api_version = str(ref.get("apiVersion") or "")
            group = api_version.split("/", 1)[0] if "/" in api_version else ""
            kind = str(ref.get("kind") or "")
            gk = f"{kind}.{group}" if group else kind
            return f"{gk.lower()}/{ref.get('name') or ''}" if gk else str(ref.get("name") or "")
    return "<none>"


CONTROLLERREVISIONS = Printer((
    name_column(),
    Column("Controller", description="Controller of the object"),
    Column("Revision", ref=("apps.v1.ControllerRevision", "revision")),
    age_column(),
), lambda o, now: [name_of(o), _controller_of(o), int_of(o.get("revision")), age(o, now)])


# --- batch -------------------------------------------------------------------------------------------
def _job_condition(o: Obj, ctype: str) -> bool:
    for c in items(o, "status", "conditions"):
        if isinstance(c, dict) and c.get("type") == ctype:
            return c.get("status") == "True"
    return False


def job_status(o: Obj) -> str:
    if _job_condition(o, "Complete"):
        return "Complete"
    if _job_condition(o, "Failed"):
        return "Failed"
    if meta(o).get("deletionTimestamp") is not None:
        return "Terminating"
    for ctype in ("Suspended", "FailureTarget", "SuccessCriteriaMet"):
        if _job_condition(o, ctype):
            return ctype
    return "Running"


def _job_row(o: Obj, now: float) -> list[Cell]:
    spec = mapping(o, "spec")
    succeeded = int_of(get(o, "status", "succeeded"))
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{int_of(spec.get('completions'))}"
    else:
        parallelism = int_of(spec.get("parallelism"))
        completions = f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"
    start = timestamp(get(o, "status", "startTime"))
    end = timestamp(get(o, "status", "completionTime"))
    if start is None:
        duration = ""
    elif end is None:
        duration = human_duration(now - start)
    else:
        duration = human_duration(end - start)
    names, images = _template_cells(o, "spec", "template")
    return [name_of(o), job_status(o), completions, duration, age(o, now), names, images,
            format_label_selector(spec.get("selector"))]


JOBS = Printer((
    name_column(),
    Column("Status", description="Status of the job."),
    Column("Completions", ref=("batch.v1.JobStatus", "succeeded")),
    Column("Duration", description="Time required to complete the job."),
    age_column(), CONTAINERS, IMAGES,
    Column("Selector", priority=1, ref=("batch.v1.JobSpec", "selector")),
), _job_row)


def _cronjob_row(o: Obj, now: float) -> list[Cell]:
    spec = mapping(o, "spec")
    last = get(o, "status", "lastScheduleTime")
    names, images = _template_cells(o, "spec", "jobTemplate", "spec", "template")
    return [name_of(o), str(spec.get("schedule") or ""), str(spec.get("timeZone") or "<none>"),
            bool_ptr(spec.get("suspend")), len(items(o, "status", "active")),
            since(last, now) if last else "<none>", age(o, now), names, images,
            format_label_selector(get(spec, "jobTemplate", "spec", "selector"))]


CRONJOBS = Printer((
    name_column(),
    Column("Schedule", ref=("batch.v1.CronJobSpec", "schedule")),
    Column("Timezone", ref=("batch.v1.CronJobSpec", "timeZone")),
    Column("Suspend", "boolean", ref=("batch.v1.CronJobSpec", "suspend")),
    Column("Active", "integer", ref=("batch.v1.CronJobStatus", "active")),
    Column("Last Schedule", ref=("batch.v1.CronJobStatus", "lastScheduleTime")),
    age_column(), CONTAINERS, IMAGES,
    Column("Selector", priority=1, ref=("batch.v1.JobSpec", "selector")),
), _cronjob_row)


APPS: dict[str, Printer] = {
    "Deployment": DEPLOYMENTS,
    "ReplicaSet": REPLICASETS,
    "StatefulSet": STATEFULSETS,
    "DaemonSet": DAEMONSETS,
    "ControllerRevision": CONTROLLERREVISIONS,
}
BATCH: dict[str, Printer] = {"Job": JOBS, "CronJob": CRONJOBS}
