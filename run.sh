#!/usr/bin/env bash
# Runs the Approvals services locally with demo data:
#   ApprovalService on http://127.0.0.1:8000 and UserService (the sample downstream) on http://127.0.0.1:8001.
# With no ConnectionStrings__Approvals set, it starts a throwaway PostgreSQL cluster under .data/ (as the postgres
# OS user when run as root, since initdb refuses root) and stops it again on Ctrl+C.
# With --broker it also starts a local RabbitMQ node under .data/rabbitmq (as the rabbitmq OS user when run as root;
# AMQP, distribution and epmd on 127.0.0.1 only, no plugins), runs ApprovalService with the rabbitmq transport and
# starts one worker process (--role worker) on http://127.0.0.1:8002.
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)
broker=""
for arg in "$@"; do
  case "$arg" in
    --broker) broker=1 ;;
    *) echo "usage: ./run.sh [--broker]" >&2; exit 2 ;;
  esac
done
pg_port=${PG_PORT:-55432}
api_url=${APPROVALS_URL:-http://127.0.0.1:8000}
usersvc_url=${USERSERVICE_URL:-http://127.0.0.1:8001}
worker_url=${WORKER_URL:-http://127.0.0.1:8002}
broker_port=${BROKER_PORT:-55672}
broker_dist_port=${BROKER_DIST_PORT:-55673}
broker_epmd_port=${BROKER_EPMD_PORT:-55674}
pids=()
pg_data=""
broker_dir=""
epmd_pid=""

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

find_pg_bin() {
  if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ]; then echo "$PG_BIN"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# A command prefix (not a function, so "${as_rabbitmq[@]}" cmd & gives the command's own pid).
as_rabbitmq=()
if [ "$(id -u)" = 0 ]; then as_rabbitmq=(setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups); fi

# The directory with rabbitmq-server, rabbitmqctl and rabbitmq-env (not Debian's /usr/sbin wrappers, which su).
find_rabbitmq_bin() {
  for dir in ${RABBITMQ_HOME:+"$RABBITMQ_HOME/sbin"} /usr/lib/rabbitmq/bin; do
    [ -x "$dir/rabbitmq-server" ] && [ -x "$dir/rabbitmq-env" ] && { echo "$dir"; return; }
  done
}

# Runs a RabbitMQ script with only the node's environment: its own folder, ports and epmd, everything on 127.0.0.1.
rabbitmq() {
  local script=$1; shift
  "${as_rabbitmq[@]}" env -i PATH="$PATH" HOME="$broker_dir/home" LANG=C.UTF-8 LC_ALL=C.UTF-8 \
    RABBITMQ_NODENAME="$broker_node" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$broker_port" \
    RABBITMQ_DIST_PORT="$broker_dist_port" ERL_EPMD_PORT="$broker_epmd_port" ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_MNESIA_BASE="$broker_dir/mnesia" RABBITMQ_LOG_BASE="$broker_dir/log" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$broker_dir/enabled_plugins" RABBITMQ_CONFIG_FILE="$broker_dir/rabbitmq.conf" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$broker_dir/advanced.config" RABBITMQ_CONF_ENV_FILE="$broker_dir/rabbitmq-env.conf" \
    RABBITMQ_PID_FILE="$broker_dir/node.pid" ERL_CRASH_DUMP="$broker_dir/erl_crash.dump" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    RABBITMQ_CTL_DIST_PORT_MIN=0 RABBITMQ_CTL_DIST_PORT_MAX=0 \
    "$rabbitmq_bin/$script" "$@"
}

# Kills the process in pid file $1 when its command line contains $2 (so a reused pid is never hit).
kill_recorded() {
  local pid command
  pid=$(cat "$1" 2>/dev/null) || return 0
  command=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) || return 0
  [[ "$command" == *"$2"* ]] && kill -KILL "$pid" 2>/dev/null || true
}

stop_broker() {
  rabbitmq rabbitmqctl -n "$broker_node" shutdown >/dev/null 2>&1 || kill_recorded "$broker_dir/node.pid" "$broker_dir/"
  if [ -n "$epmd_pid" ]; then kill "$epmd_pid" 2>/dev/null || true; fi
  # rabbitmqctl's own Erlang VM may start another epmd on the node's port as it exits: stop whatever is left there.
  sleep 0.5
  ss -ltnpH "sport = :$broker_epmd_port" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u | xargs -r kill 2>/dev/null || true
  rm -f "$broker_dir/owner.pid" "$broker_dir/epmd.pid"
}

cleanup() {
  # Further signals (a second Ctrl+C, or a supervisor signalling the whole group) must not cut the clean-up short.
  trap "" INT TERM
  trap - EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  if [ -n "$broker_dir" ]; then stop_broker; fi
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

if [ -n "$broker" ]; then
  rabbitmq_bin=$(find_rabbitmq_bin)
  if [ -z "$rabbitmq_bin" ]; then
    echo "RabbitMQ not found: apt-get install rabbitmq-server (or set RABBITMQ_HOME to an unpacked generic-unix release)." >&2
    exit 1
  fi
  dir="$root/.data/rabbitmq"
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    chown -R rabbitmq:rabbitmq "$dir"
    # The rabbitmq user must be able to reach the folder; a checkout under /root usually is not reachable.
    if ! runuser -u rabbitmq -- test -w "$dir"; then
      dir="/tmp/approvals-run-$(echo "$root" | md5sum | cut -c1-8)/rabbitmq"
      mkdir -p "$dir" && chown -R rabbitmq:rabbitmq "$dir"
    fi
  fi
  broker_node="approvals-run@localhost"
  owner=$(cat "$dir/owner.pid" 2>/dev/null || true)
  if [ -n "$owner" ] && [ "$owner" != $$ ] && kill -0 "$owner" 2>/dev/null; then
    echo "Another ./run.sh --broker (pid $owner) is using $dir." >&2
    exit 1
  fi
  # A node and epmd left by a run that was killed (SIGKILL skips the cleanup) hold the ports: stop them first.
  kill_recorded "$dir/node.pid" "$dir/"
  kill_recorded "$dir/epmd.pid" "epmd -port "
  echo $$ > "$dir/owner.pid"
  broker_dir="$dir"
  "${as_rabbitmq[@]}" mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
  "${as_rabbitmq[@]}" sh -c 'cd "$1" && echo "[]." > enabled_plugins && : > rabbitmq.conf && : > rabbitmq-env.conf
    [ -s home/.erlang.cookie ] || { head -c 24 /dev/urandom | base64 | tr -dc A-Za-z > home/.erlang.cookie; chmod 400 home/.erlang.cookie; }' sh "$dir"
  # The node's own epmd, a child of this script (so it is stopped with it); it also listens on [::1], loopback too.
  "${as_rabbitmq[@]}" epmd -port "$broker_epmd_port" -address 127.0.0.1 </dev/null >/dev/null 2>&1 &
  epmd_pid=$!
  echo "$epmd_pid" > "$dir/epmd.pid"
  rm -f "$dir/node.pid"
  rabbitmq rabbitmq-server -detached
  if ! rabbitmq rabbitmqctl -n "$broker_node" wait --timeout 60 "$dir/node.pid" >/dev/null; then
    echo "RabbitMQ did not start; see $dir/log/$broker_node.log" >&2
    tail -n 20 "$dir/log/$broker_node.log" >&2 || true
    exit 1
  fi
  export Messaging__Transport=rabbitmq
  export Messaging__RabbitMQ__Uri="amqp://guest:guest@127.0.0.1:$broker_port/"
  echo "RabbitMQ on 127.0.0.1:$broker_port (data in $dir)"
fi

# Demo configuration: the original's sample data, the demo API key and users (seeded with the demo data), and the
# downstream credentials. The JWT signing key is generated once and kept under .data/, so tokens survive restarts.
mkdir -p "$root/.data"
[ -s "$root/.data/jwt-signing-key" ] || head -c 48 /dev/urandom | base64 -w0 > "$root/.data/jwt-signing-key"
export Auth__Jwt__SigningKey="${Auth__Jwt__SigningKey:-$(cat "$root/.data/jwt-signing-key")}"
export Database__SeedDemoData="${Database__SeedDemoData:-true}"
# The demo serves the web pages over plain HTTP on 127.0.0.1, so their cookies cannot be HTTPS-only here; anywhere
# else they are (docs/web.md).
export Web__SecureCookie="${Web__SecureCookie:-false}"
export Demo__UserServiceUrl="${Demo__UserServiceUrl:-$usersvc_url/approval}"
# The demo's downstream UserService runs on 127.0.0.1, and webhooks to loopback and private addresses are refused by
# default (server-side request forgery; docs/security.md). The demo allows them; a deployment should not.
export Delivery__AllowPrivateNetworks="${Delivery__AllowPrivateNetworks:-true}"
export UserService__ApiKey="${UserService__ApiKey:-usersvcapikey}"
export UserService__SigningSecret="${UserService__SigningSecret:-whsec_ZGVtby1zaWduaW5nLXNlY3JldC1mb3ItdXNlcnN2Yw==}"

projects=(src/Approvals.Api)
[ -d src/UserService ] && projects+=(src/UserService)
for project in "${projects[@]}"; do dotnet build -c Release --nologo -v quiet "$project" >/dev/null; done

# Waits until $1 answers $2 (/status; a worker answers only the health checks), giving up if the process exits.
wait_for() {
  for _ in $(seq 1 120); do
    curl -fs "$1$2" >/dev/null 2>&1 && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || { echo "$1 exited while starting" >&2; return 1; }
    sleep 0.5
  done
  echo "$1 did not come up" >&2; return 1
}

if [ -d src/UserService ]; then
  dotnet run --no-build -c Release --project src/UserService -- --urls "$usersvc_url" &
  pids+=($!)
  wait_for "$usersvc_url" /status
fi
dotnet run --no-build -c Release --project src/Approvals.Api -- --urls "$api_url" &
pids+=($!)
wait_for "$api_url" /status
broker_info=""
if [ -n "$broker" ]; then
  # Started once the API has migrated the database.
  dotnet run --no-build -c Release --project src/Approvals.Api -- --role worker --urls "$worker_url" &
  pids+=($!)
  wait_for "$worker_url" /healthz
  broker_info="
  RabbitMQ         $Messaging__RabbitMQ__Uri   (node $broker_node, data in $broker_dir)
  Worker           $worker_url        (--role worker; answers /healthz and /readyz)"
fi

cat <<INFO

  ApprovalService  $api_url        (Swagger UI: $api_url/swagger; metrics: $api_url/metrics)
  Web inbox        $api_url/        (sign in as a demo user below)
  UserService      $usersvc_url$broker_info
  Telemetry        traces and metrics on; set OTEL_EXPORTER_OTLP_ENDPOINT (e.g. http://127.0.0.1:4317, OTLP/gRPC) to send them to a collector
  Webhooks         may go to private addresses (Delivery__AllowPrivateNetworks=$Delivery__AllowPrivateNetworks; off by default)
  Demo API key     stashapprovalapikey   (header: Authorization: stashapprovalapikey)
  Demo users       alice (requester), bob and dave (approvers), carol (admin); password: demo
                   group finance: bob, carol
                   POST $api_url/api/v1/auth/token {"username":"bob","password":"demo"}

  Ctrl+C stops everything.
INFO
wait -n "${pids[@]}"
