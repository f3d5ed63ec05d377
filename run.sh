#!/usr/bin/env bash
# Runs the Approvals services locally with demo data:
#   ApprovalService on http://127.0.0.1:8000 and UserService (the sample downstream) on http://127.0.0.1:8001.
# With no ConnectionStrings__Approvals set, it starts a throwaway PostgreSQL cluster under .data/ (as the postgres
# OS user when run as root, since initdb refuses root) and stops it again on Ctrl+C.
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)
pg_port=${PG_PORT:-55432}
api_url=${APPROVALS_URL:-http://127.0.0.1:8000}
usersvc_url=${USERSERVICE_URL:-http://127.0.0.1:8001}
pids=()
pg_data=""

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

find_pg_bin() {
  if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ]; then echo "$PG_BIN"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$pg_data" ]; then as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast stop >/dev/null 2>&1 || true; fi
  echo "Stopped."
}
trap cleanup INT TERM EXIT

if [ -z "${ConnectionStrings__Approvals:-}" ]; then
  pg_bin=$(find_pg_bin)
  if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
    echo "PostgreSQL server binaries not found: apt-get install postgresql, set PG_BIN, or set ConnectionStrings__Approvals." >&2
    exit 1
  fi
  cluster="$root/.data/pg"
  mkdir -p "$cluster"
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres:postgres "$cluster"
    # The postgres user must be able to reach the folder; a checkout under /root usually is not reachable.
    if ! runuser -u postgres -- test -w "$cluster"; then
      cluster="/tmp/approvals-run-$(echo "$root" | md5sum | cut -c1-8)/pg"
      mkdir -p "$cluster" && chown -R postgres:postgres "$(dirname "$cluster")"
    fi
  fi
  if [ ! -f "$cluster/data/PG_VERSION" ]; then
    echo "Creating a PostgreSQL cluster in $cluster"
    as_pg "$pg_bin/initdb" -D "$cluster/data" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  as_pg "$pg_bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w \
    -o "-p $pg_port -k $cluster -c listen_addresses=127.0.0.1" start >/dev/null
  pg_data="$cluster/data"
  for db in approvals user_service; do
    as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
      || as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE $db"
  done
  export ConnectionStrings__Approvals="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=approvals"
  export ConnectionStrings__UserService="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=user_service"
  echo "PostgreSQL on 127.0.0.1:$pg_port (data in $cluster)"
fi
export ConnectionStrings__UserService="${ConnectionStrings__UserService:-$ConnectionStrings__Approvals}"

# Demo configuration: the original's sample data, the demo API key and users (seeded with the demo data), and the
# downstream credentials. The JWT signing key is generated once and kept under .data/, so tokens survive restarts.
mkdir -p "$root/.data"
[ -s "$root/.data/jwt-signing-key" ] || head -c 48 /dev/urandom | base64 -w0 > "$root/.data/jwt-signing-key"
export Auth__Jwt__SigningKey="${Auth__Jwt__SigningKey:-$(cat "$root/.data/jwt-signing-key")}"
export Database__SeedDemoData="${Database__SeedDemoData:-true}"
export Demo__UserServiceUrl="${Demo__UserServiceUrl:-$usersvc_url/approval}"
export UserService__ApiKey="${UserService__ApiKey:-usersvcapikey}"
export UserService__SigningSecret="${UserService__SigningSecret:-whsec_ZGVtby1zaWduaW5nLXNlY3JldC1mb3ItdXNlcnN2Yw==}"

projects=(src/Approvals.Api)
[ -d src/UserService ] && projects+=(src/UserService)
for project in "${projects[@]}"; do dotnet build -c Release --nologo -v quiet "$project" >/dev/null; done

wait_for() {
  for _ in $(seq 1 120); do curl -fs "$1/status" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "$1 did not come up" >&2; return 1
}

if [ -d src/UserService ]; then
  dotnet run --no-build -c Release --project src/UserService -- --urls "$usersvc_url" &
  pids+=($!)
  wait_for "$usersvc_url"
fi
dotnet run --no-build -c Release --project src/Approvals.Api -- --urls "$api_url" &
pids+=($!)
wait_for "$api_url"

cat <<INFO

  ApprovalService  $api_url        (Swagger UI: $api_url/swagger)
  UserService      $usersvc_url
  Demo API key     stashapprovalapikey   (header: Authorization: stashapprovalapikey)
  Demo users       alice (requester), bob (approver), carol (admin); password: demo
                   POST $api_url/api/v1/auth/token {"username":"bob","password":"demo"}

  Ctrl+C stops everything.
INFO
wait -n "${pids[@]}"
