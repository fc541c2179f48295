#!/usr/bin/env bash
# Dedicated servers for fault tests that stop, kill and restart a real server
# process: each one is a RabbitMQ node or PostgreSQL cluster of its own (state
# dir, ports, node name), so the servers shared by all other tests are never
# touched. Used by tests/Eventer.Testing (RabbitMqServer/PostgresServer
# .StartDedicatedAsync), which .ci/run points here (EVENTER_TEST_DEDICATED_CTL).
# The servers are deploy/local/servers' (the ctl scripts), like the shared ones.
#
#   dedicated.sh new rabbitmq|postgres OWNER_PID
#                       create and init one; prints the path of its env file.
#                       Drive it with the ctl scripts: EVENTER_CI_ENV_FILE=<that
#                       file> deploy/local/servers/rabbitmq-ctl.sh|postgres-ctl.sh
#                       start|stop|kill|...
#   dedicated.sh remove ENV_FILE
#                       kill its server and delete its state
#   dedicated.sh sweep  remove every dedicated server whose owner process is gone
#
# The owner is the test process. A test process that dies without disposing
# its servers leaves them running until the next sweep: the next `new`, and
# .ci/run (at its start and in its cleanup) sweep.
set -eEuo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/servers/servers.sh"
# set -e alone would exit without a word.
trap 'log "dedicated.sh failed at line $LINENO: $BASH_COMMAND"' ERR

PREFIX=/tmp/eventer-ft.    # + mktemp suffix; the ctl users must be able to traverse it
LOCK=/tmp/eventer-ft-lock  # serializes port picking and sweeping between processes

# Field 22 of /proc/PID/stat, the process's start time: a pid alone may have
# been reused by an unrelated process since.
proc_start_time() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) } # comm (field 2) may contain spaces; fields 3.. follow ") "
    # shellcheck disable=SC2086
    set -- $stat
    echo "${20}"
}

owner_alive() { # $1 = state dir
    local pid start
    read -r pid start 2>/dev/null <"$1/owner" || return 1
    [ "$(proc_start_time "$pid" || true)" = "$start" ]
}

remove_dir() { # $1 = state dir; kills whatever runs from it, then deletes it
    local d=$1
    if [ -f "$d/ci.env" ]; then
        # A dedicated env file sets every variable the ctl scripts read, so
        # values inherited from .ci/run's environment cannot leak in.
        if [ -d "$d/rabbitmq" ]; then
            EVENTER_CI_ENV_FILE="$d/ci.env" "$SERVERS_DIR/rabbitmq-ctl.sh" kill || true
        fi
        if [ -d "$d/postgres/data" ]; then
            EVENTER_CI_ENV_FILE="$d/ci.env" "$SERVERS_DIR/postgres-ctl.sh" kill || true
        fi
    fi
    rm -rf "$d"
}

sweep_locked() {
    local d
    for d in "$PREFIX"*/; do
        [ -d "$d" ] || continue
        d=${d%/}
        owner_alive "$d" && continue
        log "removing leftover dedicated server $d"
        remove_dir "$d"
    done
}

lock() {
    exec 8>>"$LOCK"
    flock 8
}

# Ports of every dedicated server, started or not: one that is still booting
# (or stopped by its test) does not listen, yet its ports are taken.
taken_ports() {
    local f
    for f in "$PREFIX"*/ci.env; do
        [ -f "$f" ] || continue
        sed -n 's/^export EVENTER_CI_[A-Z_]*PORT=\([0-9]*\)$/\1/p' "$f"
    done | tr '\n' ' '
}

do_new() {
    local kind=${1:-} owner=${2:-} start d taken base
    case "$kind" in rabbitmq | postgres) ;; *) die "usage: $0 new rabbitmq|postgres OWNER_PID" ;; esac
    start=$(proc_start_time "$owner") || die "no process with pid '$owner'"
    chmod +x "$SERVERS_DIR/rabbitmq-ctl.sh" "$SERVERS_DIR/postgres-ctl.sh"

    lock
    sweep_locked
    d=$(mktemp -d "${PREFIX}XXXXXX")
    # shellcheck disable=SC2064
    trap "remove_dir '$d'" EXIT # until it is complete
    chmod 755 "$d"
    echo "$owner $start" >"$d/owner"
    # Below the kernel's ephemeral range (32768+), so no outgoing connection
    # holds the port; a random base keeps parallel servers apart.
    taken=$(taken_ports)
    base=$((20000 + RANDOM % 10000))
    {
        echo "# Dedicated $kind for a fault test (owner pid $owner), see .ci/dedicated.sh"
        echo "export EVENTER_CI_STATE_DIR='$d'"
        echo "export EVENTER_CI_ENV_FILE='$d/ci.env'"
        echo "export EVENTER_CI_STARTED_EPMD=0"
        if [ "$kind" = rabbitmq ]; then
            local amqp mgmt dist
            # shellcheck disable=SC2086
            amqp=$(pick_port "$base" $taken)
            # shellcheck disable=SC2086
            mgmt=$(pick_port $((amqp + 1)) $taken)
            # shellcheck disable=SC2086
            dist=$(pick_port $((mgmt + 1)) $taken)
            echo "export EVENTER_CI_RABBITMQ_NODE='eventer-ft-${d##*.}@localhost'"
            echo "export EVENTER_CI_RABBITMQ_USER=$(server_user rabbitmq)"
            echo "export EVENTER_CI_RABBITMQ_PORT=$amqp"
            echo "export EVENTER_CI_RABBITMQ_MGMT_PORT=$mgmt"
            echo "export EVENTER_CI_RABBITMQ_DIST_PORT=$dist"
            echo "export EVENTER_TEST_RABBITMQ='amqp://guest:guest@127.0.0.1:$amqp/'"
            echo "export EVENTER_TEST_RABBITMQ_MANAGEMENT='http://127.0.0.1:$mgmt/'"
        else
            local pg_bin=${EVENTER_CI_PG_BIN:-} port
            [ -n "$pg_bin" ] || pg_bin=$(postgres_bin) # as .ci/run chooses it
            # shellcheck disable=SC2086
            port=$(pick_port "$base" $taken)
            echo "export EVENTER_CI_PG_BIN='$pg_bin'"
            echo "export EVENTER_CI_POSTGRES_USER=$(server_user postgres)"
            echo "export EVENTER_CI_POSTGRES_PORT=$port"
            echo "export EVENTER_TEST_POSTGRES='Host=127.0.0.1;Port=$port;Username=postgres;Password=postgres;Database=postgres'"
        fi
    } >"$d/ci.env"
    chmod 644 "$d/ci.env"
    exec 8>&- # init takes a while (initdb); others may pick ports meanwhile

    EVENTER_CI_ENV_FILE="$d/ci.env" "$SERVERS_DIR/$kind-ctl.sh" init >&2 || die "init of dedicated $kind failed"
    if [ "$kind" = postgres ]; then
        # The shared cluster trades durability for speed. A dedicated one is for
        # crash tests: a commit acknowledged must survive a kill (fsync stays
        # off, it only matters when the OS itself crashes).
        echo 'synchronous_commit = on' >>"$d/postgres/data/postgresql.conf"
    fi
    trap - EXIT
    log "dedicated $kind ready to start: $d/ci.env"
    echo "$d/ci.env"
}

do_remove() {
    local f=${1:-} d
    d=$(dirname "$f")
    case "$d" in "$PREFIX"*) ;; *) die "not a dedicated server's env file: '$f'" ;; esac
    [ -d "$d" ] || return 0
    remove_dir "$d"
}

do_sweep() {
    compgen -G "$PREFIX*" >/dev/null || return 0 # nothing to do: not even a lock file
    lock
    sweep_locked
}

case "${1:-}" in
    new) shift; do_new "$@" ;;
    remove) shift; do_remove "$@" ;;
    sweep) do_sweep ;;
    *) echo "usage: $0 new rabbitmq|postgres OWNER_PID | remove ENV_FILE | sweep" >&2; exit 2 ;;
esac
