"""CRDs through kubectl: apply, wait for Established, custom objects, printer columns, explain, scale."""

from __future__ import annotations

import json
from pathlib import Path

from tests.kubectl.conftest import Kubectl, manifest

CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.kubectl.example.com
spec:
  group: kubectl.example.com
  scope: Namespaced
  names:
    plural: gadgets
    singular: gadget
    kind: Gadget
    shortNames: [gdg]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
    additionalPrinterColumns:
    - name: Color
      type: string
      jsonPath: .spec.color
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    schema:
      openAPIV3Schema:
        type: object
        description: A Gadget is a thing for tests.
        properties:
          spec:
            type: object
            description: What the gadget should be.
            required: [color]
            properties:
              color:
                type: string
                description: The colour of the gadget.
                enum: [red, green, blue]
              replicas:
                type: integer
                minimum: 0
                default: 1
          status:
            type: object
            properties:
              replicas: {type: integer}
"""


def test_crd_lifecycle_with_kubectl(kubectl: Kubectl, kns: str, tmp_path: Path) -> None:
    kubectl("apply", "-f", manifest(tmp_path, CRD, "crd.yaml"))
    kubectl("wait", "--for=condition=Established", "crd/gadgets.kubectl.example.com", "--timeout=10s")
    kubectl("apply", "-n", kns, "-f", manifest(
        tmp_path, "apiVersion: kubectl.example.com/v1\nkind: Gadget\nmetadata:\n  name: g1\nspec:\n  color: red\n",
        "g1.yaml"))
    table = kubectl("get", "gadgets", "-n", kns).stdout.splitlines()
    assert table[0].split() == ["NAME", "COLOR", "REPLICAS", "AGE"]
    assert table[1].split()[:3] == ["g1", "red", "1"]  # replicas defaulted by the schema
    assert kubectl("get", "gdg", "-n", kns, "-o", "name").stdout.strip() == "gadget.kubectl.example.com/g1"
    assert "gadget.kubectl.example.com/g1" in kubectl("get", "all", "-n", kns, "-o", "name").stdout
    explained = kubectl("explain", "gadget.spec").stdout
    assert "The colour of the gadget." in explained and "replicas" in explained
    kubectl("scale", "-n", kns, "gadget/g1", "--replicas=3")
    got = json.loads(kubectl("get", "gadget", "g1", "-n", kns, "-o", "json").stdout)
    assert got["spec"]["replicas"] == 3
    assert got["metadata"]["generation"] == 2
    bad = kubectl("apply", "-n", kns, "-f", manifest(
        tmp_path, "apiVersion: kubectl.example.com/v1\nkind: Gadget\nmetadata:\n  name: g2\nspec:\n  color: pink\n",
        "g2.yaml"), check=False)
    assert bad.returncode != 0
    assert 'spec.color: Unsupported value: "pink": supported values: "red", "green", "blue"' in bad.stderr
    unknown = kubectl("apply", "-n", kns, "-f", manifest(
        tmp_path, "apiVersion: kubectl.example.com/v1\nkind: Gadget\nmetadata:\n  name: g3\nspec:\n  color: red\n"
        "  shape: round\n", "g3.yaml"), check=False)
    assert unknown.returncode != 0 and 'unknown field "spec.shape"' in unknown.stderr
    kubectl("delete", "crd", "gadgets.kubectl.example.com", "--timeout=20s")
    gone = kubectl("get", "gadgets", "-n", kns, check=False)
    assert gone.returncode != 0
