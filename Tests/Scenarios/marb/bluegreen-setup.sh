#!/bin/bash
# marb@live, deployed blue-green (issue 14), as an operator adopting the strategy leaves it: the releases tree
# /srv/marb/live with release v2.0.0 in slot 8101 (slots/8101 -> ../releases/…), marb-slot@8101 running on its own
# database (marb_live, a copy of marb at Alembic 0001), Steward's upstream file naming it, and a TLS site
# (live.marb.example.org on 127.0.0.1:443) proxying to that upstream; slot 8201 idle. Runs INSIDE the sandbox as
# root, after make-origin.sh (which makes the origin /srv/git/marb.git and its tags).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"
marb_assert_sandbox
as_marb() { setpriv --reuid=marb --regid=marb --init-groups -- env HOME=/home/marb "$@"; }
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }
venv=$(cd "$here/../../.." && pwd -P)/.build-fixtures/marb-venv
base=/srv/marb/live
first=releases/v2.0.0-20260101T000000.000
slots=(8101 8201)
domain=live.$MARB_DOMAIN
cd /tmp

as_postgres createdb -O "$MARB_DB_USER" marb_live
as_postgres pg_dump "$MARB_DB_NAME" | as_postgres psql -qX -v ON_ERROR_STOP=1 -d marb_live >/dev/null
install -d -m 0755 /etc/marb-bg
(
    umask 077
    printf 'ENVIRONMENT=production\nDATABASE_URL=postgresql://%s:%s@127.0.0.1:5432/marb_live\nREDIS_URL=redis://:%s@127.0.0.1:6379/1\n' \
        "$MARB_DB_USER" "$MARB_DB_PASSWORD" "$MARB_REDIS_PASSWORD" >/etc/marb-bg/live.env
)

install -d -m 0755 -o marb -g marb /srv/marb "$base" "$base/releases" "$base/shared" "$base/slots" "$base/$first"
as_marb git clone -q --bare /srv/git/marb.git "$base/repo.git"
as_marb git -C "$base/repo.git" archive --format=tar --output="$base/first.tar" v2.0.0
as_marb tar -xf "$base/first.tar" -C "$base/$first"
rm -f "$base/first.tar"
as_marb ln -sfn "$first" "$base/current"
as_marb ln -sfn "../$first" "$base/slots/${slots[0]}"

sed "s|@VENV@|$venv|g" "$here/units/marb-slot@.service" >/etc/systemd/system/marb-slot@.service
systemctl daemon-reload
systemctl enable --quiet --now "marb-slot@${slots[0]}.service"
# The slot answers before nginx is pointed at it: nginx's old workers still answer this domain through the default
# TLS site (marb.service on 8000) for a moment after the reload, so a wait through nginx alone can pass too early.
marb_wait_for 30 bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:${slots[0]}/api/v1/health) == 200 ]]" || {
    journalctl -u "marb-slot@${slots[0]}" -n 30 --no-pager >&2
    echo "marb bluegreen-setup: marb@live's slot ${slots[0]} does not answer" >&2
    exit 1
}

install -d -m 0755 /etc/nginx/steward
cat >/etc/nginx/steward/marb-live.conf <<UPSTREAM
upstream steward_marb_live {
    server 127.0.0.1:${slots[0]};
    keepalive 16;
}
UPSTREAM
# Upstream keep-alive (HTTP/1.1, no Connection header), TLS with the sandbox's certificate.
cat >/etc/nginx/sites-enabled/marb-live <<SITE
include /etc/nginx/steward/marb-live.conf;
server {
    listen 127.0.0.1:443 ssl;
    server_name $domain;
    ssl_certificate     $MARB_CERT;
    ssl_certificate_key $MARB_KEY;
    ssl_protocols       TLSv1.2 TLSv1.3;
    location / {
        proxy_pass http://steward_marb_live;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host \$host;
        proxy_set_header X-Forwarded-Proto \$scheme;
    }
}
SITE
nginx -t -q
systemctl reload nginx.service
marb_wait_for 30 bash -c "[[ \$(curl -sk -o /dev/null -w '%{http_code}' --resolve $domain:443:127.0.0.1 https://$domain/api/v1/health) == 200 ]]" || {
    journalctl -u "marb-slot@${slots[0]}" -n 30 --no-pager >&2
    echo "marb bluegreen-setup: nginx does not reach marb@live's slot ${slots[0]}" >&2
    exit 1
}
