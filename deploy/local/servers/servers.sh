# shellcheck shell=bash
# A pair of throwaway servers, RabbitMQ (with its management API) and
# PostgreSQL, on 127.0.0.1 with all their state in one directory: what .ci/run
# runs the tests against and what deploy/local/up.sh runs eventer on. One
# implementation for both, so the servers a person tries eventer on are the
# ones CI tests it on. Sourced, never executed:
#
#   install_server_packages      rabbitmq-server, postgresql, curl from the distribution
#   write_servers_env FILE NAME  pick free ports, write the env file the ctl scripts read
#   init_servers / start_servers / stop_servers FILE kill|stop / stop_epmd_if_ours FILE
#
# The servers run as their own users (rabbitmq, postgres) when we are root, as
# the user we are otherwise. Each is driven by its ctl script (rabbitmq-ctl.sh,
# postgres-ctl.sh), which reads the env file named by $EVENTER_CI_ENV_FILE.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Installs what is missing of rabbitmq-server, postgresql and curl from the
# distribution's packages (Debian, Ubuntu). That needs root; anyone else is
# told what to install.
install_server_packages() {
    local need=() own_policy=0
    [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need+=(rabbitmq-server)
    compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || need+=(postgresql)
    command -v curl >/dev/null || need+=(curl)
    [ ${#need[@]} -gt 0 ] || return 0
    [ "$(id -u)" = 0 ] || die "missing: ${need[*]}. Install them first" \
        "(sudo apt-get install --no-install-recommends ${need[*]}), or run this as root, which installs them"
    command -v apt-get >/dev/null || die "missing: ${need[*]}, and no apt-get to install them with (Debian or Ubuntu only)"
    log "installing: ${need[*]}"
    # Package postinst scripts try to start the services via invoke-rc.d,
    # which fails without systemd (and would start the distribution's own
    # servers with it); a policy-rc.d returning 101 tells them not to. Only
    # added if absent, and removed again afterwards.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        own_policy=1
    fi
    # Tolerate failures of unrelated (unreachable third-party) sources; the
    # install below fails loudly if the distribution's mirror is the problem.
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || log "apt-get update reported errors, trying to install anyway"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    [ "$own_policy" = 0 ] || rm -f /usr/sbin/policy-rc.d
}

# The PostgreSQL binaries: 15 (Debian 12's) when installed, else the newest.
postgres_bin() {
    if [ -x /usr/lib/postgresql/15/bin/pg_ctl ]; then
        echo /usr/lib/postgresql/15/bin
    else
        dirname "$(compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' | sort -V | tail -n1)"
    fi
}

# The user a server runs as: its own system user $1 (rabbitmq, postgres) when
# we are root, else the user we are.
server_user() {
    if [ "$(id -u)" = 0 ]; then echo "$1"; else id -un; fi
}

# Writes the env file $1 of a new pair of servers whose state lives in the
# file's directory: the standard ports unless taken (then the next free ones),
# RabbitMQ node $2-<amqp port>@localhost, the users the servers run as, and
# whether epmd was already running (if not, the node starts it, and
# stop_epmd_if_ours stops it again).
write_servers_env() {
    local file=$1 name=$2 state rmq mgmt dist pg started_epmd=0
    state=$(cd "$(dirname "$file")" && pwd)
    rmq=$(pick_port 5672)
    mgmt=$(pick_port 15672 "$rmq")
    dist=$(pick_port $((rmq + 20000)) "$rmq" "$mgmt")
    pg=$(pick_port 5432 "$rmq" "$mgmt" "$dist")
    epmd -names >/dev/null 2>&1 || started_epmd=1
    cat >"$file" <<EOF
export EVENTER_CI_STATE_DIR='$state'
export EVENTER_CI_STARTED_EPMD=$started_epmd
export EVENTER_CI_ENV_FILE='$state/${file##*/}'
export EVENTER_CI_PG_BIN='$(postgres_bin)'
export EVENTER_CI_RABBITMQ_NODE='$name-$rmq@localhost'
export EVENTER_CI_RABBITMQ_USER=$(server_user rabbitmq)
export EVENTER_CI_RABBITMQ_PORT=$rmq
export EVENTER_CI_RABBITMQ_MGMT_PORT=$mgmt
export EVENTER_CI_RABBITMQ_DIST_PORT=$dist
export EVENTER_CI_POSTGRES_USER=$(server_user postgres)
export EVENTER_CI_POSTGRES_PORT=$pg
EOF
    chmod 644 "$file"
}

# Creates both servers' state (RabbitMQ config and cookie, initdb) under the
# state dir of $EVENTER_CI_ENV_FILE.
init_servers() {
    "$SERVERS_DIR/rabbitmq-ctl.sh" init
    "$SERVERS_DIR/postgres-ctl.sh" init
}

# Starts both; returns when both answer.
start_servers() {
    local rmq_start_pid
    # RabbitMQ takes several seconds to boot, so start it in the background and
    # bring PostgreSQL up meanwhile.
    "$SERVERS_DIR/rabbitmq-ctl.sh" start &
    rmq_start_pid=$!
    "$SERVERS_DIR/postgres-ctl.sh" start
    wait "$rmq_start_pid" || die "rabbitmq failed to start"
}

# Stops both servers of env file $1. $2 = kill: RabbitMQ at once, for data
# that is thrown away (a graceful RabbitMQ 3.10 stop spends ~5 s in a
# management plugin timeout); stop: gracefully, for data that is kept.
stop_servers() {
    local file=$1 rmq_how=${2:-kill} rc=0
    [ -f "$file" ] || return 0
    EVENTER_CI_ENV_FILE="$file" "$SERVERS_DIR/rabbitmq-ctl.sh" "$rmq_how" || rc=1
    EVENTER_CI_ENV_FILE="$file" "$SERVERS_DIR/postgres-ctl.sh" stop || rc=1
    return "$rc"
}

# The Erlang VM spawns epmd as a daemon that outlives the node. Stops it if
# the servers of env file $1 started it (epmd refuses -kill while any node is
# still registered, so this never disturbs somebody else's node).
stop_epmd_if_ours() {
    local started
    # shellcheck disable=SC1090
    started=$(. "$1" 2>/dev/null && echo "${EVENTER_CI_STARTED_EPMD:-0}") || return 0
    [ "$started" = 0 ] || epmd -kill >/dev/null 2>&1 || true
}
