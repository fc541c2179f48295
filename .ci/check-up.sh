#!/usr/bin/env bash
# Runs deploy/local/up.sh on this clone for a short while and checks what it
# promises (issue 13):
#   - archive rows appear within a minute of it being ready (archive API),
#   - the dry-run DingTalk messages are in the notifier's log and on its console,
#   - /health/ready answers 200 on every service it started (and it started
#     archive, collector, dingtalk-notifier and webhook-notifier),
#   - after SIGINT it exits 0, no process it started remains, no port it used
#     still listens, its state directory is gone.
# up.sh picks free ports and has its own state directory, so the servers of a
# running .ci/run are not touched. Every wait has a deadline; a failure prints
# the reason and the end of the logs that explain it, and whatever up.sh left
# running is stopped here, by pid.
#
#   .ci/check-up.sh [up.sh arguments]    e.g. --no-build
#
# Knob: EVENTER_CHECK_UP_START_TIMEOUT=1200  seconds for up.sh to build and start
set -eEuo pipefail

CI_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$CI_DIR")
export EVENTER_LOG_TAG=check-up
. "$REPO/deploy/local/servers/servers.sh"

START_TIMEOUT=${EVENTER_CHECK_UP_START_TIMEOUT:-1200}
CHECK=$(mktemp -d /tmp/eventer-check-up.XXXXXX)
chmod 755 "$CHECK" # the servers' users must reach up.sh's state below it
UP_STATE="$CHECK/up"
OUT="$CHECK/up.out"
UP=""
declare -A OWNED=() # pid -> "start-time command" of every process of the run

# ---------------------------------------------------------------- processes of the run
# Field 22 of /proc/PID/stat (start time), so a reused pid is not taken for ours.
start_time() {
    local stat fields
    read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
    read -ra fields <<<"${stat##*) }"
    echo "${fields[19]}"
}

# Adds to OWNED every live process of the run: up.sh and its descendants, and
# whatever names its state dir in its command line or environment (the
# servers, which their ctl scripts leave to init, and epmd when their node
# started it), with their descendants.
snapshot() {
    local f pid stat fields changed command
    declare -A parent=() mine=()
    for f in /proc/[0-9]*/stat; do
        read -r stat 2>/dev/null <"$f" || continue
        pid=${f#/proc/}; pid=${pid%/stat}
        read -ra fields <<<"${stat##*) }"
        [ "${fields[0]}" = Z ] || parent[$pid]=${fields[1]}
    done
    [ -z "$UP" ] || mine[$UP]=1
    for f in $(grep -lsF -- "$UP_STATE" /proc/[0-9]*/cmdline /proc/[0-9]*/environ || true); do
        pid=${f#/proc/}; mine[${pid%%/*}]=1
    done
    changed=1
    while [ "$changed" = 1 ]; do
        changed=0
        for pid in "${!parent[@]}"; do
            if [ -z "${mine[$pid]:-}" ] && [ -n "${mine[${parent[$pid]}]:-}" ]; then
                mine[$pid]=1 changed=1
            fi
        done
    done
    for pid in "${!mine[@]}"; do
        [ -n "${parent[$pid]:-}" ] || continue # gone meanwhile, or a zombie
        command=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || continue
        OWNED[$pid]="$(start_time "$pid" || echo -) ${command:0:120}"
    done
}

# Live processes of OWNED (same pid, same start time).
leftovers() {
    local pid
    for pid in "${!OWNED[@]}"; do
        pid_alive "$pid" && [ "$(start_time "$pid")" = "${OWNED[$pid]%% *}" ] && echo "$pid ${OWNED[$pid]#* }"
    done
    return 0
}

# Ports listened on by processes of OWNED: "port pid".
owned_ports() {
    local line pid port
    while read -r line; do
        port=$(awk '{print $4}' <<<"$line"); port=${port##*:}
        for pid in $(grep -o 'pid=[0-9]*' <<<"$line" | cut -d= -f2 || true); do
            [ -z "${OWNED[$pid]:-}" ] || echo "$port $pid"
        done
    done < <(ss -Hltnp 2>/dev/null)
}

# ---------------------------------------------------------------- failing
tail_log() { # the end of a log, lines cut, so a failure is readable
    [ -f "$1" ] || return 0
    echo "----- ${1#"$CHECK"/} (last ${2:-20} lines) -----" >&2
    tail -n "${2:-20}" "$1" | cut -c1-400 >&2
}

fail() { # REASON [service logs to show]
    local name
    trap - ERR
    log "FAIL: $1"
    shift
    # up.sh's own lines; what it follows (the messages) is in the service logs.
    echo "----- up.sh's output (last 30 lines, without what it follows) -----" >&2
    awk '/^Following:/ { following = 1 } !following || /^\[up / || /^ERROR|^-----/' "$OUT" | tail -n 30 | cut -c1-400 >&2
    for name in "$@"; do tail_log "$UP_STATE/logs/$name.log" 15; done
    exit 1
}

finish() {
    local rc=$? left
    set +e
    trap - EXIT INT TERM HUP
    if [ -n "$UP" ] && pid_alive "$UP"; then
        log "stopping up.sh (pid $UP)"
        kill -TERM "$UP" 2>/dev/null
        wait_pid_gone "$UP" 90 || { log "up.sh did not stop: SIGKILL"; kill -KILL "$UP" 2>/dev/null; }
    fi
    # Whatever up.sh failed to stop is stopped here, so CI leaves nothing behind.
    left=$(leftovers)
    if [ -n "$left" ]; then
        log "killing the $(wc -l <<<"$left") processes up.sh left"
        # shellcheck disable=SC2046 # one pid a word
        kill -KILL $(cut -d' ' -f1 <<<"$left") 2>/dev/null
    fi
    if [ -f "$UP_STATE/servers.env" ]; then
        stop_servers "$UP_STATE/servers.env" kill >/dev/null 2>&1
        stop_epmd_if_ours "$UP_STATE/servers.env"
    fi
    rm -rf "$CHECK"
    exit "$rc"
}
trap finish EXIT
# set -e alone would end the check without a word.
trap 'log "check-up.sh failed at line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- start
epmd_before=0
epmd -names >/dev/null 2>&1 && epmd_before=1
started=$SECONDS
# A script's background child ignores SIGINT unless told otherwise, and the
# check is about SIGINT (Ctrl-C).
env --default-signal=INT "$REPO/deploy/local/up.sh" --state-dir "$UP_STATE" "$@" >"$OUT" 2>&1 &
UP=$!
log "started deploy/local/up.sh (pid $UP), waiting for it to be ready (build included, at most ${START_TIMEOUT}s)"
until [ -f "$UP_STATE/ready" ]; do
    pid_alive "$UP" || fail "up.sh exited before it was ready" collector archive dingtalk-notifier webhook-notifier
    [ $((SECONDS - started)) -lt "$START_TIMEOUT" ] || fail "up.sh not ready after ${START_TIMEOUT}s"
    sleep 1
done
ready=$SECONDS
snapshot

declare -A PORT=()
while read -r kind name pid port; do
    [ "$kind" = process ] && [ "$port" != - ] && PORT[$name]=$port
done <"$UP_STATE/processes"
for name in archive collector dingtalk-notifier webhook-notifier; do
    [ -n "${PORT[$name]:-}" ] || fail "up.sh did not start $name"
done
log "ready after $((ready - started))s: ${!PORT[*]}"

# ---------------------------------------------------------------- while it runs
archive="http://127.0.0.1:${PORT[archive]}"
until curl -fsS --max-time 5 "$archive/api/events?limit=1" 2>/dev/null | grep -q '"items":\[{'; do
    [ $((SECONDS - ready)) -lt 60 ] || fail "no archive rows within a minute ($archive/api/events)" collector archive
    sleep 1
done
rows=$(curl -fsS --max-time 5 "$archive/api/stats" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')
log "archive rows after $((SECONDS - ready))s: ${rows:-?} occurrences"

until grep -q '"Category":"Eventer.DingTalkNotifier.Delivery.DryRunSender"' "$UP_STATE/logs/dingtalk-notifier.log" &&
    grep -q '── .* DingTalk → robot demo ─' "$OUT"; do
    [ $((SECONDS - ready)) -lt 60 ] || fail "no dry-run DingTalk message in its log and on the console within a minute" dingtalk-notifier
    sleep 1
done
log "dry-run DingTalk messages: $(grep -c DryRunSender "$UP_STATE/logs/dingtalk-notifier.log") in its log, shown on the console"

for name in "${!PORT[@]}"; do
    [ "$name" != simcluster ] || continue
    code=$(curl -sS -o "$CHECK/health" -w '%{http_code}' --max-time 5 "http://127.0.0.1:${PORT[$name]}/health/ready" 2>&1) || true
    [ "$code" = 200 ] || fail "$name: /health/ready answered '$code': $(head -c 600 "$CHECK/health" 2>/dev/null)" "$name"
done
log "/health/ready 200 on every service"

# ---------------------------------------------------------------- SIGINT
snapshot
mapfile -t ports < <(owned_ports | sort -u)
[ -z "${EVENTER_CHECK_UP_VERBOSE:-}" ] || { for pid in "${!OWNED[@]}"; do echo "$pid ${OWNED[$pid]}"; done; printf '%s\n' "${ports[@]}"; } >&2
log "sending SIGINT to up.sh: ${#OWNED[@]} processes and ${#ports[@]} listening ports of this run"
kill -INT "$UP"
stopped=$SECONDS
wait_pid_gone "$UP" 90 || fail "up.sh still running 90 s after SIGINT"
up_rc=0
wait "$UP" || up_rc=$?
UP_EXITED=$UP UP="" # finish must not signal a pid that may be reused
[ "$up_rc" = 0 ] || fail "up.sh exited with code $up_rc after SIGINT"

left=$(leftovers)
[ -z "$left" ] || fail "$(wc -l <<<"$left") processes of up.sh still running after it exited, among them:
$(head -n 12 <<<"$left")"
for line in "${ports[@]}"; do
    port=${line%% *}
    if listener=$(ss -Hltnp "sport = :$port" 2>/dev/null) && [ -n "$listener" ]; then
        fail "port $port (pid ${line#* }) still listens after up.sh exited: $listener"
    fi
done
if [ "$epmd_before" = 0 ] && epmd -names >/dev/null 2>&1; then
    fail "epmd was not running before up.sh and still runs after it"
fi
[ ! -e "$UP_STATE" ] || fail "up.sh left its state dir $UP_STATE (no --keep-state)"
log "SIGINT: up.sh (pid $UP_EXITED) exited 0 after $((SECONDS - stopped))s; no process, port or state left"
log "PASS"
