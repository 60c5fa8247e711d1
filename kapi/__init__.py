"""kapi: a Kubernetes-API-compatible server in one Python process."""

__version__ = "0.1.0"
