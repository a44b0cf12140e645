-- 001: tenants. Idempotent: safe to apply again.
CREATE TABLE IF NOT EXISTS tenants (
    tenant_id  text PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO tenants (tenant_id, name) VALUES
    ('tenant-a', 'Tenant A'),
    ('tenant-b', 'Tenant B')
ON CONFLICT (tenant_id) DO NOTHING;
