#!/bin/bash
# marb, after systemd is up: runs INSIDE the sandbox as root (sandbox.sh start runs it).
# Builds the mARB 2.0 shape of shared/seeds/001_5d2d1dc3706be0a8.txt, really working:
# PostgreSQL + Redis (Debian packages) + a FastAPI app under uvicorn (marb@prod) + nginx with
# TLS in front, and a Celery queue in Redis. See EXPECTED.md; ctl.sh changes it for tests.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

log() { printf 'marb-populate: %s %s\n' "$EPOCHREALTIME" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
wait_for() { # WHAT MAX CMD...
    local what=$1; shift
    marb_wait_for "$@" || { log "timed out after ${1}s waiting for: $what"; return 1; }
}

marb_assert_sandbox
[[ "$(findmnt -n -o FSTYPE --mountpoint /var/lib/postgresql)" == tmpfs ]] \
    || die "/var/lib/postgresql is not the sandbox's tmpfs (prepare.sh did not run?)"

repo=$(cd "$here/../../.." && pwd -P)
venv=$repo/.build-fixtures/marb-venv
[[ -x $venv/bin/uvicorn && -x $venv/bin/python ]] \
    || die "no venv at $venv: build it on the host first: bash Tests/Scenarios/marb/build-venv.sh .build-fixtures/marb-venv"
pgv=$(marb_pg_version)
cluster=$pgv-main

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---------------------------------------------------------------------------
# 1. units: installed and enabled first, with one daemon-reload (nothing else may reload
#    systemd while the PostgreSQL set-up below runs in the background). The links are what
#    `systemctl enable` makes; it is not used because for units with an /etc/init.d script it
#    also runs update-rc.d, which reloads systemd once more per unit (~1.3 s here).
# ---------------------------------------------------------------------------
log "units"
sed "s|@VENV@|$venv|g" "$here/units/marb@.service" >/etc/systemd/system/marb@.service
chmod 0644 /etc/systemd/system/marb@.service
# The Celery worker beside the API (seed 001's marb2.0-celery.service), from a stand-in module.
sed -e "s|@VENV@|$venv|g" -e "s|@STANDIN@|$here/celery-standin|g" "$here/units/marb-celery@.service" \
    >/etc/systemd/system/marb-celery@.service
chmod 0644 /etc/systemd/system/marb-celery@.service
wants=/etc/systemd/system/multi-user.target.wants
mkdir -p "$wants" /etc/systemd/system/postgresql.service.wants
for u in postgresql.service redis-server.service nginx.service; do
    ln -sfn "/lib/systemd/system/$u" "$wants/$u"
done
ln -sfn /lib/systemd/system/postgresql@.service "$wants/postgresql@$cluster.service"
ln -sfn /etc/systemd/system/marb@.service "$wants/marb@$MARB_INSTANCE.service"
ln -sfn /etc/systemd/system/marb-celery@.service "$wants/marb-celery@$MARB_INSTANCE.service"
ln -sfn /lib/systemd/system/redis-server.service /etc/systemd/system/redis.service # its Alias=
# What Debian's postgresql-generator (masked in the sandbox) would link: postgresql.service
# starts and stops the cluster.
ln -sfn /lib/systemd/system/postgresql@.service \
    "/etc/systemd/system/postgresql.service.wants/postgresql@$cluster.service"
systemctl daemon-reload

# ---------------------------------------------------------------------------
# 2. PostgreSQL: a fresh Debian cluster <version>/main on 127.0.0.1:5432 (initdb is the slowest
#    step: it runs in the background while the rest is set up).
# ---------------------------------------------------------------------------
log "postgresql $cluster (background)"
# (setpriv, not runuser or su: no PAM session lines in the journal)
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }
as_marb() { setpriv --reuid=marb --regid=marb --init-groups -- "$@"; }
pg_setup() {
    pg_createcluster "$pgv" main --port 5432 --start-conf auto \
        -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null
    # Loopback only (Debian's default, 'localhost', would also take ::1).
    printf "# mARB 2.0\nlisten_addresses = '127.0.0.1'\n" >"/etc/postgresql/$pgv/main/conf.d/marb.conf"
    chown postgres:postgres "/etc/postgresql/$pgv/main/conf.d/marb.conf"
    systemctl start postgresql.service
    marb_wait_for 30 pg_isready -q -h 127.0.0.1 -p 5432 || {
        echo "postgresql@$cluster is not accepting connections on 127.0.0.1:5432"
        systemctl status --no-pager -n 20 "postgresql@$cluster.service"
        return 1
    }
    as_postgres psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE ROLE $MARB_DB_USER LOGIN PASSWORD '$MARB_DB_PASSWORD';
CREATE DATABASE $MARB_DB_NAME OWNER $MARB_DB_USER;
SQL
    # As the app connects: TCP, password (scram-sha-256).
    PGPASSWORD=$MARB_DB_PASSWORD psql -X -q -v ON_ERROR_STOP=1 \
        -h 127.0.0.1 -p 5432 -U "$MARB_DB_USER" -d "$MARB_DB_NAME" <<'SQL'
CREATE TABLE claims (
    id           serial PRIMARY KEY,
    claim_number text NOT NULL UNIQUE,
    payer        text NOT NULL,
    amount       numeric(10,2) NOT NULL,
    status       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO claims (claim_number, payer, amount, status) VALUES
    ('CLM-2024-0001', 'Aetna',            1250.00, 'paid'),
    ('CLM-2024-0002', 'BlueCross',         830.50, 'pending'),
    ('CLM-2024-0003', 'Cigna',            2100.75, 'denied'),
    ('CLM-2024-0004', 'UnitedHealthcare',  410.00, 'paid'),
    ('CLM-2024-0005', 'Medicare',          999.99, 'pending');
SQL
}
pg_setup >"$tmp/pg.log" 2>&1 &
pg_pid=$!

# ---------------------------------------------------------------------------
# 3. user marb, the app in /opt/marb/prod and its env file
# ---------------------------------------------------------------------------
log "user marb, app, unit"
useradd --system --user-group --create-home --home-dir /home/marb --shell /bin/bash \
    --comment "mARB 2.0 application" marb
as_marb test -x "$venv/bin/python" -a -r "$venv/bin/uvicorn" -a -r "$venv/pyvenv.cfg" \
    || die "user marb cannot read the venv at $venv (is every directory above it world-searchable?)"
install -d -m 0755 -o marb -g marb /opt/marb "/opt/marb/$MARB_INSTANCE" "/opt/marb/$MARB_INSTANCE/app"
install -m 0644 -o marb -g marb "$here/app/main.py" "/opt/marb/$MARB_INSTANCE/app/main.py"
install -d -m 0755 -o root -g root /etc/marb
(
    umask 077
    cat >"$MARB_ENV_FILE" <<EOF
PORT=$MARB_PORT
ENVIRONMENT=production
DATABASE_URL=postgresql://$MARB_DB_USER:$MARB_DB_PASSWORD@127.0.0.1:5432/$MARB_DB_NAME
REDIS_URL=redis://:$MARB_REDIS_PASSWORD@127.0.0.1:6379/0
EOF
)
chown root:root "$MARB_ENV_FILE"
chmod 0600 "$MARB_ENV_FILE"

# ---------------------------------------------------------------------------
# 4. Redis: Debian's unit and config, bound to 127.0.0.1, with a password
# ---------------------------------------------------------------------------
log "redis"
cat >>/etc/redis/redis.conf <<EOF

# --- mARB 2.0 ---
bind 127.0.0.1
requirepass $MARB_REDIS_PASSWORD
EOF

# ---------------------------------------------------------------------------
# 5. TLS certificates for marb.example.org (one EC key, three certificates) and the nginx site
# ---------------------------------------------------------------------------
log "certificates, nginx site"
install -d -m 0755 "$MARB_SSL_DIR"
(umask 077 && openssl ecparam -name prime256v1 -genkey -noout -out "$MARB_KEY")
openssl req -new -key "$MARB_KEY" -subj "/O=mARB/CN=$MARB_DOMAIN" -out "$tmp/req.csr"
mkdir -p "$tmp/ca"
: >"$tmp/ca/index.txt"
cat >"$tmp/ca.cnf" <<EOF
[ ca ]
default_ca = sandbox
[ sandbox ]
database = $tmp/ca/index.txt
new_certs_dir = $tmp/ca
serial = $tmp/ca/serial
default_md = sha256
policy = anything
unique_subject = no
x509_extensions = ext
[ anything ]
organizationName = optional
commonName = supplied
[ ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = DNS:$MARB_DOMAIN
EOF
now=$(date -u +%s)
ts() { date -u -d "@$((now + $1))" +%Y%m%d%H%M%SZ; }
cert() { # NAME NOT_BEFORE_OFFSET NOT_AFTER_OFFSET (seconds from now)
    openssl rand -hex 8 >"$tmp/ca/serial"
    openssl ca -batch -notext -config "$tmp/ca.cnf" -selfsign -keyfile "$MARB_KEY" -in "$tmp/req.csr" \
        -startdate "$(ts "$2")" -enddate "$(ts "$3")" -out "$MARB_SSL_DIR/$MARB_DOMAIN.$1.crt" 2>"$tmp/ca.log" \
        || { cat "$tmp/ca.log" >&2; die "openssl ca ($1) failed"; }
}
day=86400
cert valid -3600 $((365 * day))                  # valid for 365 days
cert expiring $((-360 * day)) $((5 * day + 3600))  # notAfter in 5 days + 1 hour
cert expired $((-30 * day)) $((-1 * day))          # notAfter yesterday
chmod 0644 "$MARB_SSL_DIR"/*.crt
install -m 0644 "$MARB_SSL_DIR/$MARB_DOMAIN.valid.crt" "$MARB_CERT"

install -m 0644 "$here/nginx-site.conf" "$MARB_SITE"
ln -sfn ../sites-available/marb /etc/nginx/sites-enabled/marb
nginx -t -q || die "nginx -t failed"

# ---------------------------------------------------------------------------
# 6. start Redis (then the queue), nginx and the app; the app waits for nobody
# ---------------------------------------------------------------------------
log "start redis, nginx, marb@$MARB_INSTANCE"
systemctl start --no-block "marb@$MARB_INSTANCE.service" "marb-celery@$MARB_INSTANCE.service"
systemctl start redis-server.service nginx.service
wait_for "redis answering PING with the password" 30 marb_redis ping
marb_reset_queue

log "waiting for postgresql"
wait "$pg_pid" || { cat "$tmp/pg.log" >&2; die "setting up PostgreSQL failed"; }

# ---------------------------------------------------------------------------
# 7. wait for the final state: healthy through nginx
# ---------------------------------------------------------------------------
log "waiting for $MARB_HEALTH_URL"
healthy() { [[ "$(marb_health_status "$tmp/health.json")" == 200 ]] && grep -q '"status":"healthy"' "$tmp/health.json"; }
if ! marb_wait_for 60 healthy; then
    log "health: HTTP $(marb_health_status "$tmp/health.json") $(cat "$tmp/health.json" 2>/dev/null)"
    systemctl status --no-pager -n 20 "marb@$MARB_INSTANCE.service" "postgresql@$cluster.service" \
        redis-server.service nginx.service >&2 || true
    ss -Hltnp >&2 || true
    tail -n 20 /var/log/nginx/marb.error.log >&2 || true
    die "$MARB_HEALTH_URL did not answer 200 healthy within 60 s"
fi

# ---------------------------------------------------------------------------
# 8. check the result
# ---------------------------------------------------------------------------
check() { # WHAT EXPECTED ACTUAL
    [[ "$2" == "$3" ]] || die "$1: expected '$2', got '$3'"
}
for u in postgresql.service "postgresql@$cluster.service" redis-server.service nginx.service "marb@$MARB_INSTANCE.service" \
    "marb-celery@$MARB_INSTANCE.service"; do
    check "$u ActiveState" active "$(systemctl show -P ActiveState "$u")"
    check "$u UnitFileState" enabled "$(systemctl show -P UnitFileState "$u")"
done
check "health body" '{"status":"healthy","database":"connected","redis":"connected","version":"2.0.0"}' "$(cat "$tmp/health.json")"
check "GET / through nginx" 200 "$(marb_http_status "https://$MARB_DOMAIN/")"
check "http redirect" 301 "$(marb_http_status "http://$MARB_DOMAIN/api/v1/health")"
check "listeners" "127.0.0.1:443 127.0.0.1:5432 127.0.0.1:6379 127.0.0.1:80 127.0.0.1:8000" \
    "$(ss -Hltn | awk '{ print $4 }' | sort | xargs)"
check "celery queue length" "$MARB_QUEUE_BASELINE" "$(marb_redis llen "$MARB_QUEUE")"
check "redis without password" NOAUTH "$(env -u REDISCLI_AUTH redis-cli -h 127.0.0.1 ping 2>&1 | awk '{ print $1 }')"
check "claims rows" 5 "$(PGPASSWORD=$MARB_DB_PASSWORD psql -X -At -h 127.0.0.1 -U "$MARB_DB_USER" -d "$MARB_DB_NAME" -c 'SELECT count(*) FROM claims')"
served=$(openssl s_client -connect 127.0.0.1:443 -servername "$MARB_DOMAIN" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256)
check "served certificate" "$(openssl x509 -in "$MARB_CERT" -noout -fingerprint -sha256)" "$served"

log "ready: https://$MARB_DOMAIN (127.0.0.1:443) -> marb@$MARB_INSTANCE on 127.0.0.1:$MARB_PORT; postgresql@$cluster on 127.0.0.1:5432; redis on 127.0.0.1:6379; $MARB_QUEUE length $MARB_QUEUE_BASELINE"
