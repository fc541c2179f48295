# shellcheck shell=bash
# Shared helpers for .ci/run, .ci/rabbitmq-ctl.sh and .ci/postgres-ctl.sh.
# Sourced, never executed.

CI_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Where .ci/run records the current state directory, ports, etc. so that the
# ctl scripts also work from a separate shell (tests get EVENTER_CI_ENV_FILE).
CI_ENV_POINTER="$CI_DIR/tmp/ci.env"

# Logging must never fail: a closed output pipe would otherwise abort a
# stop/cleanup half-way (set -e, SIGPIPE).
log() { printf '[ci %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2 2>/dev/null || true; }
die() { log "ERROR: $*"; exit 1; }

# Run a command as a system user. Both servers refuse to run as root (postgres)
# or need their own user's file ownership/cookie (rabbitmq). setpriv is used
# instead of su/runuser because it does not go through PAM (which may be
# half-configured in containers) and keeps the environment we pass explicitly.
as_user() {
    local user=$1; shift
    if [ "$(id -un)" = "$user" ]; then
        "$@"
    elif [ "$(id -u)" = 0 ]; then
        setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"
    else
        die "must run as root or as '$user' to manage the $user server"
    fi
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

# Load the env file written by .ci/run (ports, state dir, ...).
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
