#!/bin/bash
# The 100 checks of bench/marb-100.checks.yml (same ids, same expectations) as a bash script in the style of
# the seed's scripts/health_check.sh (shared/seeds/001: systemctl is-active, curl | jq, psql $DATABASE_URL,
# redis-cli ping): systemctl, ss, stat, grep, curl + jq, psql, redis-cli, one command per expectation.
#
# Run inside the marb sandbox, as root (it reads /etc/marb/prod.env and /etc/shadow's mode):
#   Tests/Scenarios/sandbox.sh exec STATE -- bash bench/marb-100.sh
# Prints one line per check and a summary; exits 1 when any check failed, 0 when all passed.
set -u

ENV_FILE=/etc/marb/prod.env
NGINX_HOST="Host: marb.example.org"

passed=0
failed=0
failures=()

# check NAME CMD ARGS...: runs CMD, quietly; ✓ when it succeeds.
check() {
    local name=$1
    shift
    if "$@" >/dev/null 2>&1; then
        echo "  ✓ $name"
        passed=$((passed + 1))
    else
        echo "  ✗ $name"
        failed=$((failed + 1))
        failures+=("$name")
    fi
}

# --- helpers: each is what one would type by hand ----------------------------------------------------------------

# svc UNIT [enabled] [sub=STATE] [restarts<=N] [user=U]: active, plus the expectations given.
svc() {
    local unit=$1 want
    shift
    systemctl is-active --quiet "$unit" || return 1
    for want in "$@"; do
        case $want in
            enabled) [[ $(systemctl is-enabled "$unit") == enabled ]] || return 1 ;;
            sub=*) [[ $(systemctl show -p SubState --value "$unit") == "${want#sub=}" ]] || return 1 ;;
            restarts\<=*) (($(systemctl show -p NRestarts --value "$unit") <= ${want#restarts<=})) || return 1 ;;
            user=*) local u
                u=$(systemctl show -p User --value "$unit")
                [[ ${u:-root} == "${want#user=}" ]] || return 1 ;;
            *) return 2 ;;
        esac
    done
}

# listening PORT [ADDRESS]: something listens on the TCP port (on ADDRESS when given).
listening() {
    local lines
    lines=$(ss -Hltn "sport = :$1") || return 1
    [[ -n $lines ]] || return 1
    [[ $# -lt 2 ]] || grep -qF " $2:$1 " <<<"$lines"
}

# closed PORT: nothing listens on the TCP port.
closed() { [[ -z $(ss -Hltn "sport = :$1") ]]; }

# held_by PORT PROCESS: the port's socket belongs to a process named PROCESS.
held_by() { ss -Hltnp "sport = :$1" | grep -qF "(\"$2\","; }

# owned_by PORT UNIT: the process holding the port runs in UNIT.
owned_by() {
    local pid
    pid=$(ss -Hltnp "sport = :$1" | grep -o 'pid=[0-9]*' | head -n 1) || return 1
    [[ -n $pid ]] && [[ $(ps -o unit= -p "${pid#pid=}") == "$2" ]]
}

# file_is PATH MODE OWNER [GROUP]: stat; "-" skips a field.
file_is() {
    local got
    got=$(stat -c '%a %U %G' "$1") || return 1
    local mode owner group
    read -r mode owner group <<<"$got"
    [[ $2 == - || $mode == "$2" ]] && [[ $3 == - || $owner == "$3" ]] && [[ ${4:--} == - || $group == "$4" ]]
}

# has PATH TEXT...: the file contains each text (fixed strings).
has() {
    local f=$1 text
    shift
    for text in "$@"; do grep -qF -- "$text" "$f" || return 1; done
}

# fetch METHOD URL [CURL OPTIONS...]: sets code, secs, body; redirects are not followed.
fetch() {
    local out
    out=$(curl -s -m 5 -X "$1" -w '\n%{http_code} %{time_total}' "${@:3}" "$2") || return 1
    body=${out%$'\n'*}
    code=${out##*$'\n'}
    secs=${code#* }
    code=${code% *}
}

# http STATUS JQ_EXPR|- BODY_TEXT|- MAX_SECONDS|- METHOD URL [CURL OPTIONS...]
http() {
    local want_status=$1 expr=$2 text=$3 max=$4 s
    shift 4
    fetch "$@" || return 1
    local ok=1
    for s in ${want_status//,/ }; do [[ $code == "$s" ]] && ok=0; done
    ((ok == 0)) || return 1
    [[ $expr == - ]] || jq -e "$expr" <<<"$body" >/dev/null || return 1
    [[ $text == - || $body == *"$text"* ]] || return 1
    [[ $max == - ]] || awk -v t="$secs" -v m="$max" 'BEGIN { exit !(t <= m) }'
}

echo "=== mARB 2.0 Health Check (100 checks) ==="
echo ""

echo "1. Service Status:"
check "s01 marb api healthy unit" svc marb@prod.service enabled sub=running 'restarts<=3' user=marb
check "s02 marb api active" systemctl is-active --quiet marb@prod.service
check "s03 marb api enabled" svc marb@prod.service enabled
check "s04 marb api runs as marb" svc marb@prod.service user=marb
check "s05 marb api never restarted" svc marb@prod.service 'restarts<=0'
check "s06 nginx running and enabled" svc nginx.service enabled sub=running
check "s07 nginx master runs as root" svc nginx.service user=root
check "s08 nginx never restarted" svc nginx.service 'restarts<=0'
check "s09 nginx enabled" svc nginx.service enabled
check "s10 redis running and enabled" svc redis-server.service enabled sub=running
check "s11 redis runs as redis" svc redis-server.service user=redis
check "s12 redis never restarted" svc redis-server.service 'restarts<=0'
check "s13 redis enabled" svc redis-server.service enabled
check "s14 postgresql cluster running and enabled" svc postgresql@15-main.service enabled sub=running
check "s15 postgresql cluster never restarted" svc postgresql@15-main.service 'restarts<=0'
check "s16 postgresql cluster enabled" svc postgresql@15-main.service enabled
check "s17 postgresql meta unit exited" svc postgresql.service enabled sub=exited
check "s18 journald running" svc systemd-journald.service sub=running
check "s19 journald runs as root" svc systemd-journald.service user=root
check "s20 journald socket" svc systemd-journald.socket sub=running
check "s21 dbus running" svc dbus.service sub=running
check "s22 dbus socket" svc dbus.socket sub=running
check "s23 logind running" svc systemd-logind.service sub=running
check "s24 initctl socket listening" svc systemd-initctl.socket sub=listening
check "s25 tmpfiles setup done" svc systemd-tmpfiles-setup.service sub=exited
check "s26 journal flushed" svc systemd-journal-flush.service sub=exited
check "s27 user sessions allowed" svc systemd-user-sessions.service sub=exited
check "s28 utmp updated" svc systemd-update-utmp.service sub=exited
check "s29 sysusers done" svc systemd-sysusers.service sub=exited
echo ""

echo "2. Ports:"
check "p01 api on loopback 8000 owned by its unit" eval 'listening 8000 127.0.0.1 && owned_by 8000 marb@prod.service'
check "p02 api port held by uvicorn" eval 'listening 8000 && held_by 8000 uvicorn'
check "p03 api port listening" listening 8000
check "p04 https on loopback owned by nginx" eval 'listening 443 127.0.0.1 && owned_by 443 nginx.service'
check "p05 https held by nginx" eval 'listening 443 && held_by 443 nginx'
check "p06 http on loopback owned by nginx" eval 'listening 80 127.0.0.1 && owned_by 80 nginx.service'
check "p07 http held by nginx" eval 'listening 80 && held_by 80 nginx'
check "p08 postgresql on loopback owned by the cluster" eval 'listening 5432 127.0.0.1 && owned_by 5432 postgresql@15-main.service'
check "p09 postgresql port held by postgres" eval 'listening 5432 && held_by 5432 postgres'
check "p10 redis on loopback owned by its unit" eval 'listening 6379 127.0.0.1 && owned_by 6379 redis-server.service'
check "p11 redis port held by redis-server" eval 'listening 6379 && held_by 6379 redis-server'
check "p12 no ssh" closed 22
check "p13 no smtp" closed 25
check "p14 no mysql" closed 3306
check "p15 no second postgresql" closed 5433
check "p16 no flower" closed 5555
check "p17 no second redis" closed 6380
check "p18 no second api worker" closed 8001
check "p19 no dev server" closed 8080
check "p20 no alternate https" closed 8443
check "p21 no node dev server" closed 3000
check "p22 no prometheus" closed 9090
check "p23 no elasticsearch" closed 9200
check "p24 no memcached" closed 11211
check "p25 no mongodb" closed 27017
echo ""

echo "3. Files:"
check "f01 env file private" eval 'file_is /etc/marb/prod.env 600 root root && has /etc/marb/prod.env DATABASE_URL= REDIS_URL='
check "f02 env file sets the port" has /etc/marb/prod.env PORT=8000
check "f03 env directory" file_is /etc/marb 755 root
check "f04 passwd has marb" eval 'file_is /etc/passwd 644 root && has /etc/passwd marb:'
check "f05 group has marb" has /etc/group marb:
check "f06 shadow protected" file_is /etc/shadow 640 root shadow
check "f07 nginx main config" eval "file_is /etc/nginx/nginx.conf 644 root && has /etc/nginx/nginx.conf 'include /etc/nginx/sites-enabled/*;'"
check "f08 nginx site proxies to the api" eval "file_is /etc/nginx/sites-available/marb - root && has /etc/nginx/sites-available/marb 'proxy_pass http://127.0.0.1:8000;'"
check "f09 nginx site enabled with tls" has /etc/nginx/sites-enabled/marb 'listen 127.0.0.1:443 ssl;' 'server_name marb.example.org;'
check "f10 nginx default site removed" test ! -e /etc/nginx/sites-enabled/default
check "f11 tls key private" file_is /etc/nginx/ssl/marb.example.org.key 600 root
check "f12 tls certificate" eval "file_is /etc/nginx/ssl/marb.example.org.crt 644 root && has /etc/nginx/ssl/marb.example.org.crt -----BEGIN\ CERTIFICATE-----"
check "f13 valid certificate kept" file_is /etc/nginx/ssl/marb.example.org.valid.crt 644 -
check "f14 app code" eval 'file_is /opt/marb/prod/app/main.py 644 marb marb && has /opt/marb/prod/app/main.py /api/v1/health'
check "f15 app instance directory" file_is /opt/marb/prod 755 marb
check "f16 app code directory" file_is /opt/marb/prod/app 755 marb
check "f17 no env file in the code" test ! -e /opt/marb/prod/app/.env
check "f18 api unit file" eval "file_is /etc/systemd/system/marb@.service - root && has /etc/systemd/system/marb@.service User=marb 'EnvironmentFile=/etc/marb/%i.env'"
check "f19 api enabled at boot" test -e /etc/systemd/system/multi-user.target.wants/marb@prod.service
check "f20 redis config" eval "file_is /etc/redis/redis.conf 640 redis redis && has /etc/redis/redis.conf 'bind 127.0.0.1' 'requirepass '"
check "f21 postgresql listens on loopback" eval "file_is /etc/postgresql/15/main/conf.d/marb.conf - postgres && has /etc/postgresql/15/main/conf.d/marb.conf \"listen_addresses = '127.0.0.1'\""
check "f22 postgresql uses scram" eval 'file_is /etc/postgresql/15/main/pg_hba.conf 640 postgres && has /etc/postgresql/15/main/pg_hba.conf scram-sha-256'
check "f23 postgresql data directory" file_is /var/lib/postgresql - postgres
check "f24 nginx access log" file_is /var/log/nginx/marb.access.log - root
check "f25 marb home" file_is /home/marb 755 marb
echo ""

echo "4. API Health:"
check "h01 api health" http 200 '.status == "healthy" and .database == "connected" and .redis == "connected" and .version == "2.0.0"' - 2 \
    GET http://127.0.0.1:8000/api/v1/health
check "h02 api health says healthy" http 200 - '"status":"healthy"' - GET http://127.0.0.1:8000/api/v1/health
check "h03 api root" http 200 '.name == "mARB 2.0" and .version == "2.0.0"' - - GET http://127.0.0.1:8000/
check "h04 api schema" http 200 '.info.title == "mARB 2.0" and .info.version == "2.0.0"' - - GET http://127.0.0.1:8000/openapi.json
check "h05 api docs" http 200 - swagger-ui - GET http://127.0.0.1:8000/docs
check "h06 api unknown path" http 404 '.detail == "Not Found"' - - GET http://127.0.0.1:8000/no-such-page
check "h07 api health is read-only" http 405 - - - POST http://127.0.0.1:8000/api/v1/health
check "h08 health through nginx" http 200 '.status == "healthy" and .database == "connected" and .redis == "connected"' - - \
    GET https://127.0.0.1/api/v1/health -k -H "$NGINX_HOST"
check "h09 root through nginx" http 200 '.name == "mARB 2.0"' - - GET https://127.0.0.1/ -k -H "$NGINX_HOST"
check "h10 schema through nginx" http 200 '.info.version == "2.0.0"' - - GET https://127.0.0.1/openapi.json -k -H "$NGINX_HOST"
check "h11 docs through nginx" http 200 - swagger-ui - GET https://127.0.0.1/docs -k -H "$NGINX_HOST"
check "h12 unknown path through nginx" http 404 - - - GET https://127.0.0.1/no-such-page -k -H "$NGINX_HOST"
check "h13 http redirects to https" http 301 - '301 Moved Permanently' - GET http://127.0.0.1/ -H "$NGINX_HOST"
check "h14 health over http redirects" http 301,308 - - - GET http://127.0.0.1/api/v1/health -H "$NGINX_HOST"
check "h15 health through nginx is fast" http 200 - - 1 GET https://127.0.0.1/api/v1/health -k -H "$NGINX_HOST"
echo ""

echo "5. Database and Redis:"
set -a
# shellcheck disable=SC1090
. "$ENV_FILE"
set +a
# redis-cli 7.0 sends AUTH with an empty user name for redis://:PASSWORD@host (WRONGPASS): name the default user.
REDIS_CLI_URL=${REDIS_URL/#redis:\/\/:/redis://default:}
check "d01 claims table" eval '[[ $(psql "$DATABASE_URL" -tAc "SELECT count(*) FROM claims") == 5 ]]'
check "d02 celery queue" eval '[[ $(redis-cli --no-auth-warning -u "$REDIS_CLI_URL" ping) == PONG ]] && (($(redis-cli --no-auth-warning -u "$REDIS_CLI_URL" llen celery) <= 100))'
echo ""

echo "6. Other:"
check "x01 postgresql accepts tcp" timeout 5 bash -c ': </dev/tcp/127.0.0.1/5432'
check "x02 nginx config valid" /usr/sbin/nginx -t -q
check "x03 postgresql ready" eval '[[ $(pg_isready -h 127.0.0.1 -p 5432) == *"accepting connections"* ]]'
check "x04 root filesystem" eval '(($(df --output=pcent / | tail -n 1 | tr -dc 0-9) < 90))'
echo ""

echo "=== Health Check Complete ==="
if ((failed > 0)); then
    echo "failed:"
    printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
((failed == 0))
