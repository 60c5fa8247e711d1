"""ClusterIPs and NodePorts stay taken across a restart: the allocators are rebuilt from storage."""

from __future__ import annotations

from pathlib import Path

import requests

from kapi.testing import ServerThread


def _service(name: str, **spec: object) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"type": "NodePort", "selector": {"app": name},
                     "ports": [{"port": 80, "targetPort": 8080}], **spec}}


def test_allocations_survive_a_restart(tmp_path: Path) -> None:
    with ServerThread(data_dir=str(tmp_path)) as server:
        base = f"{server.url}/api/v1/namespaces/default/services"
        first = requests.post(base, json=_service("first"), timeout=5).json()
        ip = first["spec"]["clusterIP"]
        port = first["spec"]["ports"][0]["nodePort"]
    with ServerThread(data_dir=str(tmp_path)) as server:
        base = f"{server.url}/api/v1/namespaces/default/services"
        kubernetes = requests.get(f"{base}/kubernetes", timeout=5).json()
        assert kubernetes["spec"]["clusterIP"] == "10.96.0.1"
        taken_ip = requests.post(base, json=_service("same-ip", clusterIP=ip), timeout=5)
        assert taken_ip.status_code == 422, taken_ip.text
        assert "provided IP is already allocated" in taken_ip.json()["message"]
        taken_port = requests.post(base, json=_service("same-port", ports=[
            {"port": 80, "targetPort": 8080, "nodePort": port}]), timeout=5)
        assert taken_port.status_code == 422, taken_port.text
        assert "provided port is already allocated" in taken_port.json()["message"]
        second = requests.post(base, json=_service("second"), timeout=5).json()
        assert second["spec"]["clusterIP"] not in (ip, "10.96.0.1")
        assert second["spec"]["ports"][0]["nodePort"] != port
        # released on delete: the port can be asked for again
        assert requests.delete(f"{base}/first", timeout=5).status_code == 200
        again = requests.post(base, json=_service("reuse", ports=[
            {"port": 80, "targetPort": 8080, "nodePort": port}]), timeout=5)
        assert again.status_code == 201, again.text
