"""The 100 checks of bench/marb-100.checks.yml, written for pytest-testinfra (same ids, same expectations).

Run inside the marb sandbox (Tests/Scenarios/marb), from the repository, with the venv that
bench/check-bench.sh builds (pytest-testinfra, requests, psycopg[binary], redis):

    Tests/Scenarios/sandbox.sh exec STATE -- \
        .build-fixtures/bench-venv/bin/pytest -q -p no:cacheprovider bench/marb_100_test.py

Local backend (testinfra.get_host("local://")): each service, port, file and command expectation
runs the commands testinfra runs for it (systemctl, ss, stat, cat, ...). HTTP goes through
requests (verify=False: the certificate is self-signed), PostgreSQL through psycopg and Redis
through redis-py, both with the URL read from /etc/marb/prod.env.
"""

import socket

import psycopg
import pytest
import redis
import requests
import testinfra
import urllib3

# verify=False is deliberate (self-signed certificate): keep urllib3's warning out of the report.
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")

ENV_FILE = "/etc/marb/prod.env"
TIMEOUT = 5


@pytest.fixture(scope="module")
def host():
    return testinfra.get_host("local://")


@pytest.fixture(scope="module")
def env(host):
    values = {}
    for line in host.file(ENV_FILE).content_string.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip().strip("'\"")
    return values


def ids(table):
    return [row[0] for row in table]


# --- services (29) -----------------------------------------------------------------------------------------------
# (id, unit, expectations); active is always expected, as in steward's service check.
SERVICES = [
    ("s01 marb api healthy unit", "marb@prod.service",
     dict(enabled=True, sub_state="running", max_restarts=3, user="marb")),
    ("s02 marb api active", "marb@prod.service", {}),
    ("s03 marb api enabled", "marb@prod.service", dict(enabled=True)),
    ("s04 marb api runs as marb", "marb@prod.service", dict(user="marb")),
    ("s05 marb api never restarted", "marb@prod.service", dict(max_restarts=0)),
    ("s06 nginx running and enabled", "nginx.service", dict(enabled=True, sub_state="running")),
    ("s07 nginx master runs as root", "nginx.service", dict(user="root")),
    ("s08 nginx never restarted", "nginx.service", dict(max_restarts=0)),
    ("s09 nginx enabled", "nginx.service", dict(enabled=True)),
    ("s10 redis running and enabled", "redis-server.service", dict(enabled=True, sub_state="running")),
    ("s11 redis runs as redis", "redis-server.service", dict(user="redis")),
    ("s12 redis never restarted", "redis-server.service", dict(max_restarts=0)),
    ("s13 redis enabled", "redis-server.service", dict(enabled=True)),
    ("s14 postgresql cluster running and enabled", "postgresql@15-main.service",
     dict(enabled=True, sub_state="running")),
    ("s15 postgresql cluster never restarted", "postgresql@15-main.service", dict(max_restarts=0)),
    ("s16 postgresql cluster enabled", "postgresql@15-main.service", dict(enabled=True)),
    ("s17 postgresql meta unit exited", "postgresql.service", dict(enabled=True, sub_state="exited")),
    ("s18 journald running", "systemd-journald.service", dict(sub_state="running")),
    ("s19 journald runs as root", "systemd-journald.service", dict(user="root")),
    ("s20 journald socket", "systemd-journald.socket", dict(sub_state="running")),
    ("s21 dbus running", "dbus.service", dict(sub_state="running")),
    ("s22 dbus socket", "dbus.socket", dict(sub_state="running")),
    ("s23 logind running", "systemd-logind.service", dict(sub_state="running")),
    ("s24 initctl socket listening", "systemd-initctl.socket", dict(sub_state="listening")),
    ("s25 tmpfiles setup done", "systemd-tmpfiles-setup.service", dict(sub_state="exited")),
    ("s26 journal flushed", "systemd-journal-flush.service", dict(sub_state="exited")),
    ("s27 user sessions allowed", "systemd-user-sessions.service", dict(sub_state="exited")),
    ("s28 utmp updated", "systemd-update-utmp.service", dict(sub_state="exited")),
    ("s29 sysusers done", "systemd-sysusers.service", dict(sub_state="exited")),
]


@pytest.mark.parametrize("name,unit,want", SERVICES, ids=ids(SERVICES))
def test_service(host, name, unit, want):
    service = host.service(unit)
    assert service.is_running
    if "enabled" in want:
        assert service.is_enabled == want["enabled"]
    if {"sub_state", "max_restarts", "user"} & want.keys():
        props = service.systemd_properties  # systemctl show; empty properties are left out
        if "sub_state" in want:
            assert props["SubState"] == want["sub_state"]
        if "max_restarts" in want:
            assert int(props.get("NRestarts", "0")) <= want["max_restarts"]
        if "user" in want:
            assert (props.get("User") or "root") == want["user"]


# --- ports (25) --------------------------------------------------------------------------------------------------
# (id, port, address or None for any, owner unit, owner process)
LISTENING = [
    ("p01 api on loopback 8000 owned by its unit", 8000, "127.0.0.1", "marb@prod.service", None),
    ("p02 api port held by uvicorn", 8000, None, None, "uvicorn"),
    ("p03 api port listening", 8000, None, None, None),
    ("p04 https on loopback owned by nginx", 443, "127.0.0.1", "nginx.service", None),
    ("p05 https held by nginx", 443, None, None, "nginx"),
    ("p06 http on loopback owned by nginx", 80, "127.0.0.1", "nginx.service", None),
    ("p07 http held by nginx", 80, None, None, "nginx"),
    ("p08 postgresql on loopback owned by the cluster", 5432, "127.0.0.1", "postgresql@15-main.service", None),
    ("p09 postgresql port held by postgres", 5432, None, None, "postgres"),
    ("p10 redis on loopback owned by its unit", 6379, "127.0.0.1", "redis-server.service", None),
    ("p11 redis port held by redis-server", 6379, None, None, "redis-server"),
]
CLOSED = [
    ("p12 no ssh", 22), ("p13 no smtp", 25), ("p14 no mysql", 3306), ("p15 no second postgresql", 5433),
    ("p16 no flower", 5555), ("p17 no second redis", 6380), ("p18 no second api worker", 8001),
    ("p19 no dev server", 8080), ("p20 no alternate https", 8443), ("p21 no node dev server", 3000),
    ("p22 no prometheus", 9090), ("p23 no elasticsearch", 9200), ("p24 no memcached", 11211),
    ("p25 no mongodb", 27017),
]


def listening_on(host, port):
    """Addresses listening on a TCP port, any address (testinfra's tcp://PORT means the wildcard only)."""
    return [s for s in host.socket.get_listening_sockets() if s.startswith("tcp://") and s.endswith(":%d" % port)]


def port_owners(host, port):
    """(process name, pid) pairs holding a listening TCP port, from ss -p."""
    out = host.check_output("ss -Hltnp 'sport = :%s'", str(port))
    owners = []
    for field in out.split("users:((")[1:]:
        for entry in field.split("),("):
            parts = entry.strip("()").split(",")
            name = parts[0].strip('"')
            pid = next(p.split("=", 1)[1] for p in parts if p.startswith("pid="))
            owners.append((name, int(pid)))
    return owners


@pytest.mark.parametrize("name,port,address,unit,process", LISTENING, ids=ids(LISTENING))
def test_port_listening(host, name, port, address, unit, process):
    if address:
        assert host.socket("tcp://%s:%d" % (address, port)).is_listening
    else:
        assert listening_on(host, port)
    if unit or process:
        owners = port_owners(host, port)
        if process:
            assert process in [n for n, _ in owners]
        if unit:
            cgroups = [host.file("/proc/%d/cgroup" % pid).content_string for _, pid in owners]
            assert any(line.rstrip().endswith("/" + unit) for c in cgroups for line in c.splitlines())


@pytest.mark.parametrize("name,port", CLOSED, ids=ids(CLOSED))
def test_port_closed(host, name, port):
    assert not listening_on(host, port)


# --- files (25) --------------------------------------------------------------------------------------------------
# (id, path, expectations); exists is expected unless exists=False.
FILES = [
    ("f01 env file private", "/etc/marb/prod.env",
     dict(mode=0o600, owner="root", group="root", contains=["DATABASE_URL=", "REDIS_URL="])),
    ("f02 env file sets the port", "/etc/marb/prod.env", dict(contains=["PORT=8000"])),
    ("f03 env directory", "/etc/marb", dict(mode=0o755, owner="root")),
    ("f04 passwd has marb", "/etc/passwd", dict(mode=0o644, owner="root", contains=["marb:"])),
    ("f05 group has marb", "/etc/group", dict(contains=["marb:"])),
    ("f06 shadow protected", "/etc/shadow", dict(mode=0o640, owner="root", group="shadow")),
    ("f07 nginx main config", "/etc/nginx/nginx.conf",
     dict(mode=0o644, owner="root", contains=["include /etc/nginx/sites-enabled/*;"])),
    ("f08 nginx site proxies to the api", "/etc/nginx/sites-available/marb",
     dict(owner="root", contains=["proxy_pass http://127.0.0.1:8000;"])),
    ("f09 nginx site enabled with tls", "/etc/nginx/sites-enabled/marb",
     dict(contains=["listen 127.0.0.1:443 ssl;", "server_name marb.example.org;"])),
    ("f10 nginx default site removed", "/etc/nginx/sites-enabled/default", dict(exists=False)),
    ("f11 tls key private", "/etc/nginx/ssl/marb.example.org.key", dict(mode=0o600, owner="root")),
    ("f12 tls certificate", "/etc/nginx/ssl/marb.example.org.crt",
     dict(mode=0o644, owner="root", contains=["-----BEGIN CERTIFICATE-----"])),
    ("f13 valid certificate kept", "/etc/nginx/ssl/marb.example.org.valid.crt", dict(mode=0o644)),
    ("f14 app code", "/opt/marb/prod/app/main.py",
     dict(mode=0o644, owner="marb", group="marb", contains=["/api/v1/health"])),
    ("f15 app instance directory", "/opt/marb/prod", dict(mode=0o755, owner="marb")),
    ("f16 app code directory", "/opt/marb/prod/app", dict(mode=0o755, owner="marb")),
    ("f17 no env file in the code", "/opt/marb/prod/app/.env", dict(exists=False)),
    ("f18 api unit file", "/etc/systemd/system/marb@.service",
     dict(owner="root", contains=["User=marb", "EnvironmentFile=/etc/marb/%i.env"])),
    ("f19 api enabled at boot", "/etc/systemd/system/multi-user.target.wants/marb@prod.service", {}),
    ("f20 redis config", "/etc/redis/redis.conf",
     dict(mode=0o640, owner="redis", group="redis", contains=["bind 127.0.0.1", "requirepass "])),
    ("f21 postgresql listens on loopback", "/etc/postgresql/15/main/conf.d/marb.conf",
     dict(owner="postgres", contains=["listen_addresses = '127.0.0.1'"])),
    ("f22 postgresql uses scram", "/etc/postgresql/15/main/pg_hba.conf",
     dict(mode=0o640, owner="postgres", contains=["scram-sha-256"])),
    ("f23 postgresql data directory", "/var/lib/postgresql", dict(owner="postgres")),
    ("f24 nginx access log", "/var/log/nginx/marb.access.log", dict(owner="root")),
    ("f25 marb home", "/home/marb", dict(mode=0o755, owner="marb")),
]


@pytest.mark.parametrize("name,path,want", FILES, ids=ids(FILES))
def test_file(host, name, path, want):
    f = host.file(path)
    if not want.get("exists", True):
        assert not f.exists
        return
    assert f.exists
    if "mode" in want:
        assert f.mode == want["mode"]
    if "owner" in want:
        assert f.user == want["owner"]
    if "group" in want:
        assert f.group == want["group"]
    if "contains" in want:
        content = f.content_string
        for needle in want["contains"]:
            assert needle in content


# --- http on loopback (15) ---------------------------------------------------------------------------------------
NGINX = {"Host": "marb.example.org"}
# (id, method, url, headers, expectations); status 200 unless given, TLS verified unless verify=False,
# redirects never followed.
HTTP = [
    ("h01 api health", "GET", "http://127.0.0.1:8000/api/v1/health", {},
     dict(json={"status": "healthy", "database": "connected", "redis": "connected", "version": "2.0.0"},
          max_latency=2.0)),
    ("h02 api health says healthy", "GET", "http://127.0.0.1:8000/api/v1/health", {},
     dict(body_contains=['"status":"healthy"'])),
    ("h03 api root", "GET", "http://127.0.0.1:8000/", {}, dict(json={"name": "mARB 2.0", "version": "2.0.0"})),
    ("h04 api schema", "GET", "http://127.0.0.1:8000/openapi.json", {},
     dict(json={"info.title": "mARB 2.0", "info.version": "2.0.0"})),
    ("h05 api docs", "GET", "http://127.0.0.1:8000/docs", {}, dict(body_contains=["swagger-ui"])),
    ("h06 api unknown path", "GET", "http://127.0.0.1:8000/no-such-page", {},
     dict(status=[404], json={"detail": "Not Found"})),
    ("h07 api health is read-only", "POST", "http://127.0.0.1:8000/api/v1/health", {}, dict(status=[405])),
    ("h08 health through nginx", "GET", "https://127.0.0.1/api/v1/health", NGINX,
     dict(verify=False, json={"status": "healthy", "database": "connected", "redis": "connected"})),
    ("h09 root through nginx", "GET", "https://127.0.0.1/", NGINX, dict(verify=False, json={"name": "mARB 2.0"})),
    ("h10 schema through nginx", "GET", "https://127.0.0.1/openapi.json", NGINX,
     dict(verify=False, json={"info.version": "2.0.0"})),
    ("h11 docs through nginx", "GET", "https://127.0.0.1/docs", NGINX,
     dict(verify=False, body_contains=["swagger-ui"])),
    ("h12 unknown path through nginx", "GET", "https://127.0.0.1/no-such-page", NGINX,
     dict(verify=False, status=[404])),
    ("h13 http redirects to https", "GET", "http://127.0.0.1/", NGINX,
     dict(status=[301], body_contains=["301 Moved Permanently"])),
    ("h14 health over http redirects", "GET", "http://127.0.0.1/api/v1/health", NGINX, dict(status=[301, 308])),
    ("h15 health through nginx is fast", "GET", "https://127.0.0.1/api/v1/health", NGINX,
     dict(verify=False, max_latency=1.0)),
]


def json_path(document, dotted):
    for key in dotted.split("."):
        document = document[key]
    return document


@pytest.mark.parametrize("name,method,url,headers,want", HTTP, ids=ids(HTTP))
def test_http(name, method, url, headers, want):
    r = requests.request(method, url, headers=headers, verify=want.get("verify", True),
                         allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code in want.get("status", [200])
    for needle in want.get("body_contains", []):
        assert needle in r.text
    if "json" in want:
        body = r.json()
        for path, value in want["json"].items():
            assert str(json_path(body, path)) == value
    if "max_latency" in want:
        assert r.elapsed.total_seconds() <= want["max_latency"]


# --- databases (2) -----------------------------------------------------------------------------------------------
def test_d01_claims_table(env):
    with psycopg.connect(env["DATABASE_URL"], connect_timeout=TIMEOUT) as conn:
        assert str(conn.execute("SELECT count(*) FROM claims").fetchone()[0]) == "5"


def test_d02_celery_queue(env):
    r = redis.Redis.from_url(env["REDIS_URL"], socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
    try:
        assert r.ping()
        assert r.llen("celery") <= 100
    finally:
        r.close()


# --- the rest (4) ------------------------------------------------------------------------------------------------
def test_x01_postgresql_accepts_tcp():
    socket.create_connection(("127.0.0.1", 5432), timeout=TIMEOUT).close()


def test_x02_nginx_config_valid(host):
    assert host.run("/usr/sbin/nginx -t -q").rc == 0


def test_x03_postgresql_ready(host):
    cmd = host.run("/usr/bin/pg_isready -h 127.0.0.1 -p 5432")
    assert cmd.rc == 0
    assert "accepting connections" in cmd.stdout


def test_x04_root_filesystem(host):
    used = int(host.check_output("df --output=pcent /").splitlines()[-1].strip().rstrip("%"))
    assert used < 90
