#!/usr/bin/env bash
# Manage a throwaway PostgreSQL cluster: CI's, a fault test's, deploy/local/up.sh's.
#
#   postgres-ctl.sh init          initdb into the state dir (done by servers.sh)
#   postgres-ctl.sh start         start; blocks until it accepts connections
#   postgres-ctl.sh stop          fast shutdown (clients disconnected); blocks until stopped
#   postgres-ctl.sh kill          immediate shutdown (crash-like, WAL recovery on next start)
#   postgres-ctl.sh restart       stop + start
#   postgres-ctl.sh status        exit 0 if accepting connections, 3 otherwise
#   postgres-ctl.sh logs          print the tail of the server log
#   postgres-ctl.sh psql ARGS...  psql as superuser postgres over TCP
#
# start/stop/kill are idempotent and serialized with a lock. Port and state
# directory come from the env file written by servers.sh ($EVENTER_CI_ENV_FILE,
# default .ci/tmp/ci.env). The data directory survives stop/start. The server
# runs as $EVENTER_CI_POSTGRES_USER: postgres (we are root), or the user we are.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_ci_env

BIN=$EVENTER_CI_PG_BIN
P="$EVENTER_CI_STATE_DIR/postgres"
DATA="$P/data"
SOCK="$P/run"
LOG="$P/log/postgres.log"
PORT=$EVENTER_CI_POSTGRES_PORT
START_TIMEOUT=${EVENTER_CI_POSTGRES_START_TIMEOUT:-60}
PG_USER=${EVENTER_CI_POSTGRES_USER:-postgres}

pg() { # run a postgres binary as the server's user (it refuses to run as root)
    local tool=$1; shift
    # 9>&- / </dev/null: the postmaster must not inherit the lock fd or the
    # caller's stdin (pg_ctl already sends the server's output to $LOG).
    (cd "$P" && as_user "$PG_USER" env -i PATH=/usr/bin:/bin LANG=C.UTF-8 \
        "$BIN/$tool" "$@" 9>&- </dev/null)
}

running() { pg pg_ctl -D "$DATA" status >/dev/null 2>&1; }
answering() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 2; }

show_logs() {
    echo "----- $LOG (last 80 lines) -----" >&2
    tail -n 80 "$LOG" >&2 2>/dev/null || true
}

lock() { # serialize start/stop between concurrent callers (parallel tests)
    exec 9>"$P/ctl.lock"
    flock 9
}

do_init() {
    mkdir -p "$P/log" "$SOCK"
    printf 'postgres\n' >"$P/pwfile"
    chown -R "$PG_USER:" "$P" 2>/dev/null || [ "$(id -un)" = "$PG_USER" ]
    # Password auth over TCP (postgres/postgres, like production-ish setups),
    # trust on our private unix socket for admin use. --no-sync: throwaway data.
    pg initdb -D "$DATA" -U postgres --pwfile="$P/pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C --no-sync >"$P/log/initdb.log" 2>&1 ||
        { cat "$P/log/initdb.log" >&2; die "initdb failed"; }
    rm -f "$P/pwfile"
    # Settings go into postgresql.conf (not pg_ctl -o) so that every start,
    # including the ones done by fault tests, uses exactly the same ones.
    cat >>"$DATA/postgresql.conf" <<EOF

# ---- added by postgres-ctl.sh (deploy/local/servers) ----
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK'
max_connections = 300
# Throwaway cluster: durability across OS crashes is irrelevant, speed is not.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

do_start() {
    lock
    if running && answering; then log "postgres already running"; return 0; fi
    log "starting postgres (127.0.0.1:$PORT)"
    # pg_ctl start fails if a postmaster is already up (e.g. still starting);
    # -w waits for "ready to accept connections".
    if ! running; then
        pg pg_ctl -D "$DATA" -l "$LOG" -w -t "$START_TIMEOUT" start >/dev/null ||
            { show_logs; die "postgres failed to start"; }
    fi
    local deadline=$((SECONDS + START_TIMEOUT))
    until answering; do
        [ "$SECONDS" -lt "$deadline" ] || { show_logs; die "postgres not ready after ${START_TIMEOUT}s"; }
        sleep 0.2
    done
    log "postgres ready"
}

# $1 = pg_ctl shutdown mode: fast (clean) or immediate (crash-like).
do_stop() {
    local mode=${1:-fast}
    trap '' PIPE # a caller closing our output must not abort the stop half-way
    lock
    if ! running; then log "postgres already stopped"; return 0; fi
    log "stopping postgres (-m $mode)"
    pg pg_ctl -D "$DATA" -m "$mode" -w -t 60 stop >/dev/null ||
        { show_logs; die "postgres failed to stop"; }
    log "postgres stopped"
}

case "${1:-}" in
    init) do_init ;;
    start) do_start ;;
    stop) do_stop fast ;;
    kill) do_stop immediate ;;
    restart) do_stop fast && do_start ;;
    status) if answering; then echo running; else echo stopped; exit 3; fi ;;
    logs) show_logs ;;
    psql) shift; PGPASSWORD=postgres exec "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -X "$@" ;;
    *) echo "usage: $0 init|start|stop|kill|restart|status|logs|psql ARGS" >&2; exit 2 ;;
esac
