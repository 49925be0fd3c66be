#!/usr/bin/env bash
# Install b2a on Debian or Ubuntu. Idempotent: run it again after a `git pull`.
#
#   ./setup.sh               development: .venv, redis-server, `b2a init` (SQLite in ~/.local/share/b2a)
#   ./setup.sh --test        development plus test tools and PostgreSQL, for the test suite
#   ./setup.sh --production  b2a user, /opt/b2a, /etc/b2a/b2a.env, PostgreSQL, Redis, nginx, systemd
set -euo pipefail

MODE=dev
case "${1:-}" in
  "") ;;
  --test) MODE=test ;;
  --production) MODE=production ;;
  -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
  *) echo "setup.sh: unknown option $1 (use --test, --production or nothing)" >&2; exit 2 ;;
esac

HERE="$(cd "$(dirname "$0")" && pwd)"
say() { printf '\033[1;32m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31msetup.sh:\033[0m %s\n' "$*" >&2; exit 1; }

check_os() {
  [ -r /etc/os-release ] || die "cannot tell which OS this is (no /etc/os-release); b2a supports Debian 12+ and Ubuntu 22.04+."
  # shellcheck disable=SC1091
  . /etc/os-release
  case " ${ID:-} ${ID_LIKE:-} " in
    *" debian "*|*" ubuntu "*) ;;
    *) die "this is ${PRETTY_NAME:-an unknown OS}; setup.sh supports Debian 12+ and Ubuntu 22.04+ only. See docs/install.md for a manual install." ;;
  esac
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=0
installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

apt_install() {  # apt_install [--apt-get-option ...] PACKAGE...: install those missing
  local missing=() options=()
  for arg in "$@"; do
    case "$arg" in
      --*) options+=("$arg") ;;
      *) installed "$arg" || missing+=("$arg") ;;
    esac
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  say "installing ${missing[*]}"
  if [ "$APT_UPDATED" -eq 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${options[@]}" "${missing[@]}" >/dev/null
}

find_python() {  # find_python [system]: with "system", only interpreters every user can run
  local candidates="python3.13 python3.12 python3.11 python3"
  [ "${1:-}" = system ] && candidates="/usr/bin/python3.13 /usr/bin/python3.12 /usr/bin/python3.11 /usr/bin/python3"
  for candidate in $candidates; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  die "b2a needs Python 3.11 or newer; install python3 (Debian 12 and Ubuntu 24.04 ship it)."
}

make_venv() {  # make_venv DIR EXTRAS [system]
  local venv="$1" extras="$2" python
  python="$(find_python "${3:-}")"
  if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
    apt_install python3-venv
  fi
  if [ ! -x "$venv/bin/python" ]; then
    say "creating virtualenv $venv"
    "$python" -m venv "$venv"
  fi
  say "installing b2a into $venv"
  "$venv/bin/pip" install -q --upgrade pip 2>/dev/null || true
  "$venv/bin/pip" install -q "$HERE$extras"
}

redis_running() {
  command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG
}

start_redis() {
  redis_running && return 0
  say "starting redis-server"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    as_root systemctl enable --now redis-server
  else
    as_root redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no >/dev/null
  fi
}

postgres_running() {
  command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432
}

start_postgres() {
  postgres_running && return 0
  say "starting PostgreSQL"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    as_root systemctl enable --now postgresql
  else
    local version
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || as_root pg_ctlcluster "$version" main start
  fi
}

setup_dev() {
  apt_install redis-server redis-tools ca-certificates
  make_venv "$HERE/.venv" ""
  start_redis
  say "preparing the appliance (b2a init)"
  "$HERE/.venv/bin/b2a" init
  say "ready: start it with  $HERE/.venv/bin/b2a up"
}

install_test_prometheus() {
  # tests/reliability/test_dashboard.py starts its own prometheus on a free port with its own
  # config and storage in a temporary directory. The package's service (port 9090, scraping only
  # itself) is not wanted: it is disabled and stopped on the run that installs it, so a service an
  # operator enables later is left alone. Without recommends: no node exporter on port 9100.
  installed prometheus && return 0
  apt_install --no-install-recommends prometheus
  if [ -d /run/systemd/system ]; then
    as_root systemctl disable --now prometheus >/dev/null 2>&1 || true
  else
    as_root systemctl disable prometheus >/dev/null 2>&1 || true
    as_root update-rc.d prometheus disable >/dev/null 2>&1 || true
    as_root /etc/init.d/prometheus stop >/dev/null 2>&1 || true
  fi
}

setup_test() {
  # chromium: the browser tests drive Debian's build through Playwright (never `playwright install`).
  # pgbouncer: tests/reliability/test_pgbouncer.py starts its own on a free port (the package's
  # service, where systemd starts it, listens on 6432 with no database and is never used).
  # [otel]: tests/reliability/test_tracing_run.py traces a real run (B2A_TRACING is off by default).
  apt_install redis-server redis-tools postgresql postgresql-client systemd nginx ca-certificates chromium pgbouncer
  install_test_prometheus
  make_venv "$HERE/.venv" "[test,otel]"
  start_redis
  start_postgres || say "PostgreSQL did not start; the tests will start a private cluster"
  say "ready: run the tests with  $HERE/.venv/bin/python -m pytest"
}

PROD_HOME=/var/lib/b2a
PROD_VENV=/opt/b2a/venv
PROD_ENV=/etc/b2a/b2a.env

set_env() {  # set_env KEY VALUE: set KEY in the production env file unless it is already set
  grep -q "^$1=" "$PROD_ENV" || printf '%s=%s\n' "$1" "$2" >>"$PROD_ENV"
}

setup_production() {
  [ "$(id -u)" -eq 0 ] || die "--production installs system services: run it as root (sudo ./setup.sh --production)."
  apt_install redis-server redis-tools postgresql postgresql-client nginx ca-certificates
  id b2a >/dev/null 2>&1 || { say "creating system user b2a"; useradd --system --home-dir "$PROD_HOME" --shell /usr/sbin/nologin b2a; }
  install -d -o b2a -g b2a -m 0750 "$PROD_HOME"
  install -d -m 0755 /opt/b2a /etc/b2a
  # The service user must be able to run the interpreter: use the system's, not root's own.
  make_venv "$PROD_VENV" "" system

  say "configuring Redis (noeviction, append-only persistence)"
  local redis_conf=/etc/redis/redis.conf
  sed -i -E 's/^#? *maxmemory-policy .*/maxmemory-policy noeviction/; s/^appendonly .*/appendonly yes/' "$redis_conf"
  grep -q '^maxmemory-policy' "$redis_conf" || echo 'maxmemory-policy noeviction' >>"$redis_conf"
  systemctl enable redis-server >/dev/null 2>&1 || true
  systemctl restart redis-server 2>/dev/null || start_redis
  redis-cli config set maxmemory-policy noeviction >/dev/null
  redis-cli config set appendonly yes >/dev/null

  start_postgres
  if [ ! -f "$PROD_ENV" ]; then
    say "writing $PROD_ENV"
    install -m 0600 -o b2a -g b2a /dev/null "$PROD_ENV"
    echo "# b2a configuration; see docs/configuration.md" >>"$PROD_ENV"
  fi
  local db_password
  if ! grep -q '^B2A_DB_URL=' "$PROD_ENV"; then
    db_password="$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)"
    runuser -u postgres -- psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname='b2a'" | grep -q 1 ||
      runuser -u postgres -- psql -qc "CREATE ROLE b2a LOGIN"
    runuser -u postgres -- psql -qc "ALTER ROLE b2a PASSWORD '$db_password'"
    runuser -u postgres -- psql -qtAc "SELECT 1 FROM pg_database WHERE datname='b2a'" | grep -q 1 ||
      runuser -u postgres -- createdb -O b2a b2a
    set_env B2A_DB_URL "postgresql://b2a:$db_password@127.0.0.1:5432/b2a"
  fi
  set_env B2A_ENV production
  set_env B2A_HOME "$PROD_HOME"
  set_env B2A_REDIS_URL "redis://127.0.0.1:6379/0"
  chown b2a:b2a "$PROD_ENV"; chmod 0600 "$PROD_ENV"
  ln -sf "$PROD_VENV/bin/b2a" /usr/local/bin/b2a

  say "preparing the appliance (b2a init)"
  runuser -u b2a -- env B2A_CONFIG="$PROD_ENV" "$PROD_VENV/bin/b2a" init

  say "installing nginx site and systemd units"
  [ -f /etc/nginx/sites-available/b2a.conf ] || install -m 0644 "$HERE/deploy/nginx/b2a.conf" /etc/nginx/sites-available/b2a.conf
  ln -sf /etc/nginx/sites-available/b2a.conf /etc/nginx/sites-enabled/b2a.conf
  install -m 0644 "$HERE"/deploy/systemd/b2a-*.service "$HERE"/deploy/systemd/b2a-*.timer /etc/systemd/system/
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable --now b2a-server b2a-worker b2a-whatsapp b2a-cleanup.timer b2a-backup.timer
    nginx -t && systemctl reload nginx
  else
    say "no systemd running here: units installed but not started"
  fi
  say "checking the installation (b2a doctor)"
  runuser -u b2a -- env B2A_CONFIG="$PROD_ENV" "$PROD_VENV/bin/b2a" doctor || true
  say "done: set server_name in /etc/nginx/sites-available/b2a.conf and B2A_SERVER_PUBLIC_URL in $PROD_ENV, then get TLS with certbot (docs/install.md)"
}

check_os
case "$MODE" in
  dev) setup_dev ;;
  test) setup_test ;;
  production) setup_production ;;
esac
