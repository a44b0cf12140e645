-- 002: devices. Idempotent: safe to apply again.
CREATE TABLE IF NOT EXISTS devices (
    device_id    text PRIMARY KEY,
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id),
    name         text NOT NULL,
    status       text NOT NULL DEFAULT 'ACTIVE',
    last_seen_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS devices_tenant_id_idx ON devices (tenant_id);

INSERT INTO devices (device_id, tenant_id, name) VALUES
    ('sensor-001', 'tenant-a', 'Cold room 1'),
    ('sensor-002', 'tenant-a', 'Cold room 2'),
    ('sensor-003', 'tenant-b', 'Loading dock')
ON CONFLICT (device_id) DO NOTHING;
