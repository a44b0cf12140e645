"""Telemetry message parsing, shared by the ingest workers."""

import json


def parse(topic, payload):
    """devices/<tenant>/<device>/telemetry + {"metrics": {...}} -> one row."""
    _, tenant, device, kind = topic.split("/")
    if kind != "telemetry":
        raise ValueError(f"not a telemetry topic: {topic}")
    return {"tenant_id": tenant, "device_id": device, "metrics": json.loads(payload)["metrics"]}
