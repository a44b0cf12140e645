#!/bin/bash
# compose, after systemd is up: runs INSIDE the sandbox as root (sandbox.sh start runs it).
# Builds OpsConductor-Pulse of shared/seeds/003_d8c04520fc1f0b31.txt as a real Docker Compose
# project: Debian's Docker engine under its own units, base images made from the host's own files
# (no registry is reachable), and /opt/pulse brought up with `docker-compose up -d --build` as the
# seed's runbook does, with its faults planted: default credentials in .env, PostgreSQL published
# on every address, a migration the database has not seen, and the ingest image missing a
# package its code imports (ModuleNotFoundError, restarting forever). See EXPECTED.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

log() { printf 'compose-populate: %s %s\n' "$EPOCHREALTIME" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
wait_for() { # WHAT MAX CMD...
    local what=$1; shift
    pulse_wait_for "$@" || { log "timed out after ${1}s waiting for: $what"; return 1; }
}

pulse_assert_sandbox
[[ "$(findmnt -n -o FSTYPE --mountpoint /var/lib/docker)" == tmpfs ]] \
    || die "/var/lib/docker is not the sandbox's tmpfs (prepare.sh did not run?)"
getent group docker >/dev/null || die "no group docker: is the Debian package docker.io installed?"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---------------------------------------------------------------------------
# 1. Docker: Debian's docker.socket, docker.service and containerd.service, enabled (the links
#    `systemctl enable` makes) and started, with the sandbox's dockerd flags in a drop-in.
# ---------------------------------------------------------------------------
log "docker units"
install -d -m 0755 /etc/systemd/system/docker.service.d /etc/systemd/system/sockets.target.wants
install -m 0644 "$here/units/docker-sandbox.conf" /etc/systemd/system/docker.service.d/sandbox.conf
wants=/etc/systemd/system/multi-user.target.wants
ln -sfn /lib/systemd/system/docker.service "$wants/docker.service"
ln -sfn /lib/systemd/system/containerd.service "$wants/containerd.service"
ln -sfn /lib/systemd/system/docker.socket /etc/systemd/system/sockets.target.wants/docker.socket
# Docker does not use containerd's CRI plugin (Kubernetes'); Debian's config.toml enables it, and
# it listens on a random loopback port. docker-ce's containerd.io ships it disabled, as here.
install -d -m 0755 /etc/containerd
printf 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n' >/etc/containerd/config.toml
systemctl daemon-reload
systemctl start docker.service
wait_for "docker info" 30 docker info
log "docker up: $(docker version -f '{{.Server.Version}}') ($(docker info -f '{{.Driver}}'))"

# ---------------------------------------------------------------------------
# 2. Base images from the host's own files (rootfs.py: binaries + their ldd libraries), both at
#    once. Their Dockerfile-level settings come with `docker import --change`.
# ---------------------------------------------------------------------------
log "base images $PULSE_PYTHON_IMAGE, $PULSE_POSTGRES_IMAGE (background)"
path_env="ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
python_image() {
    # Python 3.11 with its standard library (less what no service imports: tests, IDLE, Tk,
    # build configuration), dash as /bin/sh, a few coreutils; users root and app (1000).
    local py=/usr/lib/python3.11
    /usr/bin/python3 "$here/rootfs.py" --tree "$here/images/python" \
        --exclude "$py/config-*" --exclude "$py/test" --exclude "$py/idlelib" --exclude "$py/tkinter" \
        --exclude "$py/turtledemo" --exclude "$py/ensurepip" --exclude "$py/lib2to3" \
        --exclude "$py/pydoc_data" --exclude "$py/distutils" \
        --dir /tmp:1777:0:0 \
        /usr/bin/python3 "$py" /bin/sh /usr/bin/cat /usr/bin/env /usr/bin/sleep /usr/bin/ls /usr/bin/id \
        | docker import -c "$path_env" -c "ENV LANG=C.UTF-8" -c 'CMD ["/usr/bin/python3.11"]' \
            - "$PULSE_PYTHON_IMAGE" >/dev/null
}
postgres_image() {
    # PostgreSQL 15's server and client binaries (not its JIT: LLVM alone is 100+ MB), share/ and
    # extension libraries, the UTC zone, dash, setpriv (the entrypoint drops to postgres with it),
    # locale (initdb runs `locale -a`), a few coreutils; users root and postgres (999); the
    # entrypoint (images/postgres/usr/local/bin/docker-entrypoint.sh).
    local b=/usr/lib/postgresql/15/bin
    /usr/bin/python3 "$here/rootfs.py" --tree "$here/images/postgres" \
        --exclude /usr/lib/postgresql/15/lib/bitcode --exclude "/usr/lib/postgresql/15/lib/llvmjit*" \
        --exclude /usr/share/postgresql/15/man \
        --dir /tmp:1777:0:0 --dir /var/lib/postgresql:755:999:999 \
        --dir /var/lib/postgresql/data:700:999:999 --dir /var/run/postgresql:2775:999:999 \
        "$b/postgres" "$b/initdb" "$b/pg_ctl" "$b/psql" "$b/pg_dump" "$b/pg_restore" "$b/pg_isready" \
        /usr/lib/postgresql/15/lib /usr/share/postgresql/15 /usr/share/zoneinfo/UTC /usr/share/zoneinfo/Etc/UTC \
        /bin/sh /usr/bin/setpriv /usr/bin/locale /usr/bin/id /usr/bin/mkdir /usr/bin/chown /usr/bin/chmod /usr/bin/rm /usr/bin/cat /usr/bin/ls \
        | docker import -c "ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
            -c "ENV LANG=C.UTF-8" -c "ENV TZ=UTC" -c "ENV PGDATA=/var/lib/postgresql/data" \
            -c "VOLUME /var/lib/postgresql/data" -c "EXPOSE 5432" \
            -c 'ENTRYPOINT ["docker-entrypoint.sh"]' -c 'CMD ["postgres"]' \
            - "$PULSE_POSTGRES_IMAGE" >/dev/null
}
python_image >"$tmp/python-image.log" 2>&1 &
python_pid=$!
postgres_image >"$tmp/postgres-image.log" 2>&1 &
postgres_pid=$!

# ---------------------------------------------------------------------------
# 3. user pulse and the project in /opt/pulse: a git checkout whose first commit is tagged
#    v1.0.0 (everything working) and whose HEAD adds the telemetry package (imported by ingest,
#    but not copied by its Dockerfile) and migration 003. .env is not committed (.gitignore).
# ---------------------------------------------------------------------------
log "user $PULSE_USER, $PULSE_DIR (git: $PULSE_TAG + 1 commit)"
useradd --uid "$PULSE_UID" --user-group --groups docker --create-home --home-dir "/home/$PULSE_USER" \
    --shell /bin/bash --comment "OpsConductor-Pulse operator" "$PULSE_USER"
install -d -m 0755 -o "$PULSE_USER" -g "$PULSE_USER" "$PULSE_DIR"
pulse_as_user git config --global user.name "Pulse Ops"
pulse_as_user git config --global user.email "ops@opsconductor-pulse.example"
pulse_as_user git config --global init.defaultBranch main
cp -R "$here/pulse/." "$PULSE_DIR/"
chown -R "$PULSE_USER:$PULSE_USER" "$PULSE_DIR"
# Fixed dates: the commit ids are the same in every sandbox.
git_at() { # DATE GIT-ARGS...
    local date=$1; shift
    pulse_as_user env GIT_AUTHOR_DATE="$date" GIT_COMMITTER_DATE="$date" git -C "$PULSE_DIR" "$@"
}
git_at 2024-05-06T09:00:00Z init -q
git_at 2024-05-06T09:00:00Z add -A
git_at 2024-05-06T09:00:00Z commit -q -m "OpsConductor-Pulse 1.0.0: ui, ingest, postgres"
git_at 2024-05-06T09:05:00Z tag -a "$PULSE_TAG" -m "Release $PULSE_TAG"
cp -R "$here/pulse-telemetry/." "$PULSE_DIR/"
chown -R "$PULSE_USER:$PULSE_USER" "$PULSE_DIR"
git_at 2024-06-03T14:30:00Z add -A
git_at 2024-06-03T14:30:00Z commit -q -m "ingest: move payload parsing into the telemetry package; alerts table (003)"
# The seed's defaults (planted): readable by the operator's group, not by everyone.
cat >"$PULSE_ENV_FILE" <<EOF
# OpsConductor-Pulse: read by docker-compose (not committed)
POSTGRES_USER=$PULSE_DB_USER
POSTGRES_PASSWORD=$PULSE_DB_PASSWORD
POSTGRES_DB=$PULSE_DB_NAME
DATABASE_URL=postgresql://$PULSE_DB_USER:$PULSE_DB_PASSWORD@postgres:5432/$PULSE_DB_NAME
ADMIN_PASSWORD=$PULSE_ADMIN_PASSWORD
EOF
chown "root:$PULSE_USER" "$PULSE_ENV_FILE"
chmod 0640 "$PULSE_ENV_FILE"

log "waiting for the base images"
wait "$python_pid" || { cat "$tmp/python-image.log" >&2; die "building $PULSE_PYTHON_IMAGE failed"; }
wait "$postgres_pid" || { cat "$tmp/postgres-image.log" >&2; die "building $PULSE_POSTGRES_IMAGE failed"; }

# ---------------------------------------------------------------------------
# 4. docker-compose up -d --build, as the seed's runbook does (as pulse, from the project)
# ---------------------------------------------------------------------------
log "docker-compose up -d --build"
pulse_compose up -d --build >"$tmp/up.log" 2>&1 || { cat "$tmp/up.log" >&2; die "docker-compose up failed"; }
sed 's/^/  | /' "$tmp/up.log" >&2

# ---------------------------------------------------------------------------
# 5. the database: migrations 001 and 002 applied as the runbook does, by hand (there is no
#    tracking table); 003 stays unapplied.
# ---------------------------------------------------------------------------
log "waiting for $PULSE_POSTGRES healthy"
show_state() {
    docker ps -a --format '{{.Names}}\t{{.Status}}' >&2 || true
    local c
    for c in "$@"; do docker logs --tail 15 "$c" 2>&1 | sed "s/^/  $c | /" >&2 || true; done
}
wait_for "$PULSE_POSTGRES healthy" 30 pulse_is_healthy "$PULSE_POSTGRES" \
    || { show_state "$PULSE_POSTGRES"; die "$PULSE_POSTGRES is not healthy"; }
log "migrations 001, 002"
for m in 001_init 002_devices; do
    docker exec -i "$PULSE_POSTGRES" psql -X -q -v ON_ERROR_STOP=1 -U "$PULSE_DB_USER" -d "$PULSE_DB_NAME" -f - \
        <"$PULSE_DIR/db/migrations/$m.sql" || die "migration $m failed"
done

# ---------------------------------------------------------------------------
# 6. the final state: ui healthy, ingest crash-looping
# ---------------------------------------------------------------------------
log "waiting for $PULSE_UI healthy and $PULSE_INGEST restarted twice"
restarted_twice() { local n; n=$(pulse_restart_count "$1"); [[ $n =~ ^[0-9]+$ ]] && ((n >= 2)); }
wait_for "$PULSE_UI healthy" 30 pulse_is_healthy "$PULSE_UI" \
    || { show_state "$PULSE_UI"; die "$PULSE_UI is not healthy"; }
wait_for "$PULSE_INGEST RestartCount >= 2" 30 restarted_twice "$PULSE_INGEST" \
    || { show_state "$PULSE_INGEST"; die "$PULSE_INGEST did not restart twice"; }

# ---------------------------------------------------------------------------
# 7. check the result
# ---------------------------------------------------------------------------
check() { # WHAT EXPECTED ACTUAL
    [[ "$2" == "$3" ]] || die "$1: expected '$2', got '$3'"
}
label() { docker inspect -f "{{index .Config.Labels \"com.docker.compose.$2\"}}" "$1"; }
for c in "$PULSE_UI" "$PULSE_INGEST" "$PULSE_POSTGRES"; do
    check "$c project label" "$PULSE_PROJECT" "$(label "$c" project)"
    check "$c working_dir label" "$PULSE_DIR" "$(label "$c" project.working_dir)"
done
check "containers" "$PULSE_INGEST $PULSE_POSTGRES $PULSE_UI" \
    "$(docker ps -a --filter "label=com.docker.compose.project=$PULSE_PROJECT" --format '{{.Names}}' | sort | xargs)"
check "$PULSE_UI restart policy" unless-stopped "$(docker inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$PULSE_UI")"
check "$PULSE_INGEST restart policy" unless-stopped "$(docker inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$PULSE_INGEST")"
# Not `| grep -q`: grep's early exit gives docker a SIGPIPE, and pipefail makes that a failure.
[[ $'\n'"$(docker logs "$PULSE_INGEST" 2>&1)" == *$'\n'"ModuleNotFoundError: No module named 'telemetry'"* ]] \
    || { show_state "$PULSE_INGEST"; die "$PULSE_INGEST logs show no ModuleNotFoundError for telemetry"; }
check "health body" "$PULSE_HEALTH_BODY" "$(pulse_http_status "$PULSE_HEALTH_URL" "$tmp/health.json" >/dev/null; cat "$tmp/health.json")"
check "health status" 200 "$(pulse_http_status "$PULSE_HEALTH_URL")"
check "tables (003's alerts missing)" "devices tenants" \
    "$(pulse_psql "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1" | xargs)"
check "migration files" "001_init.sql 002_devices.sql 003_alerts.sql" "$(cd "$PULSE_DIR/db/migrations" && echo *.sql)"
# The planted port: docker-proxy on every address (IPv4 and IPv6), the ui on loopback only.
check "listeners" "0.0.0.0:$PULSE_PG_PORT 127.0.0.1:$PULSE_UI_PORT [::]:$PULSE_PG_PORT" \
    "$(ss -Hltn | awk '{ print $4 }' | sort | xargs)"
# And the defaults let anyone in through it.
check "login with the default password through 0.0.0.0:$PULSE_PG_PORT" 1 \
    "$(PGPASSWORD=$PULSE_DB_PASSWORD /usr/lib/postgresql/15/bin/psql -X -At -h 127.0.0.1 -p "$PULSE_PG_PORT" \
        -U "$PULSE_DB_USER" -d "$PULSE_DB_NAME" -c 'SELECT 1')"
check "git status (.env ignored)" "" "$(pulse_as_user git -C "$PULSE_DIR" status --porcelain)"
check "git tags" "$PULSE_TAG" "$(pulse_as_user git -C "$PULSE_DIR" tag)"
check "git commits" 2 "$(pulse_as_user git -C "$PULSE_DIR" rev-list --count HEAD)"

images=$(docker images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | sort | paste -sd, | sed 's/,/, /g')
log "images: $images; /var/lib/docker holds $(df -h --output=used /var/lib/docker | tail -n1 | xargs)"
log "ready: $PULSE_DIR (project $PULSE_PROJECT, HEAD $(pulse_as_user git -C "$PULSE_DIR" describe --tags)): $PULSE_UI healthy on 127.0.0.1:$PULSE_UI_PORT; $PULSE_POSTGRES healthy on 0.0.0.0:$PULSE_PG_PORT (migrations 001-002 applied, 003 not); $PULSE_INGEST $(docker inspect -f '{{.State.Status}}' "$PULSE_INGEST"), RestartCount $(pulse_restart_count "$PULSE_INGEST"), ModuleNotFoundError: No module named 'telemetry'"
