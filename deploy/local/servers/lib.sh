# shellcheck shell=bash
# Shared helpers of the throwaway RabbitMQ and PostgreSQL servers that CI
# (.ci/run, .ci/dedicated.sh) and deploy/local/up.sh run: servers.sh and the
# two ctl scripts. Sourced, never executed.

SERVERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Where .ci/run records the current state directory, ports, etc. so that the
# ctl scripts also work from a separate shell (tests get EVENTER_CI_ENV_FILE).
CI_ENV_POINTER="$(cd "$SERVERS_DIR/../../.." && pwd)/.ci/tmp/ci.env"

# Logging must never fail: a closed output pipe would otherwise abort a
# stop/cleanup half-way (set -e, SIGPIPE). The tag says whose servers these
# are: ci (the default) or up (deploy/local/up.sh).
log() { printf '[%s %s] %s\n' "${EVENTER_LOG_TAG:-ci}" "$(date +%H:%M:%S)" "$*" >&2 2>/dev/null || true; }
die() { log "ERROR: $*"; exit 1; }

# The command prefix that runs a command as the system user $1: nothing when
# we are that user, setpriv when we are root. Both servers refuse to run as
# root (postgres) or need their own user's file ownership/cookie (rabbitmq).
# setpriv is used instead of su/runuser because it does not go through PAM
# (which may be half-configured in containers) and keeps the environment we
# pass explicitly. Sets the array AS_USER.
as_user_prefix() {
    local user=$1
    if [ "$(id -un)" = "$user" ]; then
        AS_USER=()
    elif [ "$(id -u)" = 0 ]; then
        AS_USER=(setpriv --reuid="$user" --regid="$user" --init-groups --)
    else
        die "must run as root or as '$user' to manage the $user server"
    fi
}

# Run a command as the system user $1 (see as_user_prefix).
as_user() {
    as_user_prefix "$1"
    shift
    "${AS_USER[@]}" "$@"
}

# True if something listens on 127.0.0.1:$1 (or on a wildcard address).
port_in_use() {
    if command -v ss >/dev/null 2>&1; then
        [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

# Print $1 if it is free, otherwise the first free port above it. Ports in
# $2.. are treated as taken (already picked for something else in this run).
pick_port() {
    local p=$1; shift
    local taken=" $* "
    while port_in_use "$p" || [[ $taken == *" $p "* ]]; do
        p=$((p + 1))
        [ "$p" -lt 65000 ] || die "no free port found"
    done
    echo "$p"
}

# Load the env file of the servers to work on (ports, state dir, ...):
# $EVENTER_CI_ENV_FILE, else the one of the running .ci/run.
load_ci_env() {
    local f=${EVENTER_CI_ENV_FILE:-$CI_ENV_POINTER}
    [ -r "$f" ] || die "no CI env file at $f (is .ci/run running?)"
    # shellcheck disable=SC1090
    . "$f"
}

# Is the process $1 alive (and not a zombie)?
pid_alive() {
    [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null &&
        ! grep -qs '^State:[[:space:]]*Z' "/proc/$1/status"
}

# Wait until process $1 is gone, at most $2 seconds. Returns 1 on timeout.
wait_pid_gone() {
    local pid=$1 deadline=$((SECONDS + $2))
    while pid_alive "$pid"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}
