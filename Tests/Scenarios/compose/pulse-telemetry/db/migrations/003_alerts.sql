-- 003: alerts raised from telemetry. Idempotent: safe to apply again.
CREATE TABLE IF NOT EXISTS alerts (
    id         bigserial PRIMARY KEY,
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id),
    device_id  text NOT NULL REFERENCES devices (device_id),
    severity   text NOT NULL CHECK (severity IN ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW')),
    status     text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'ACKNOWLEDGED', 'CLOSED')),
    message    text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS alerts_tenant_status_idx ON alerts (tenant_id, status);
