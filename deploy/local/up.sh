#!/usr/bin/env bash
# eventer on this machine, without Docker, in one command; Ctrl-C stops it.
#
#   deploy/local/up.sh [options]
#     --kubeconfig PATH    watch that cluster instead of a simulated one
#     --cluster NAME       the cluster's name in every occurrence key
#                          (default simcluster; local with --kubeconfig)
#     --elasticsearch URL  also start the es-indexer, writing there
#     --state-dir DIR      an empty or new directory for the state
#                          (default a new /tmp/eventer-local.XXXXXX)
#     --keep-state         keep it after stopping (see 7.)
#     --no-build           use the Release build that is there
#
# 1. installs rabbitmq-server and postgresql from the distribution if missing
#    (as root; anyone else is told what to install),
# 2. builds the services and the simulated cluster, Release, once,
# 3. starts RabbitMQ (with its management UI) and PostgreSQL on 127.0.0.1 with
#    the scripts CI runs its tests on (deploy/local/servers), state in a new
#    directory, standard ports unless taken (then the next free ones),
# 4. starts the simulated cluster (tools/Eventer.SimCluster, a few events a
#    second), unless --kubeconfig names a real one,
# 5. starts each service from its built dll, on its own loopback port:
#    archive, dingtalk-notifier and webhook-notifier (dry run: their messages
#    are written to their logs, nothing is sent), es-indexer only with
#    --elasticsearch (no Elasticsearch is installed), then the collector,
# 6. prints where to look, then follows the DingTalk messages, warnings and
#    errors until stopped,
# 7. on Ctrl-C (SIGINT), SIGTERM or SIGHUP stops what it started, by pid, and
#    only that (servers included), and deletes the state directory unless
#    --keep-state: the servers are throwaway ones (no fsync) and a new run
#    starts fresh, so a kept directory is only for reading logs and data.
#
# As root the servers run as their own users (rabbitmq, postgres), as in CI;
# as a normal user (the packages installed) everything runs as that user.
# The services get the environment up.sh was started with, so `Section__Key`
# settings you export (e.g. Collector__Namespaces__0=shop) reach them; up.sh's
# own (connection strings, ports, dry run) win.
#
# What it started is listed in <state>/processes. If up.sh itself is killed
# with SIGKILL nothing can stop them: stop those pids, then the servers with
# EVENTER_CI_ENV_FILE=<state>/servers.env deploy/local/servers/*-ctl.sh stop.
#
# Knob: EVENTER_UP_READY_TIMEOUT=180   seconds the services have to get ready
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
export EVENTER_LOG_TAG=up
. "$HERE/servers/servers.sh"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-2}"; }

KUBECONFIG_PATH="" CLUSTER="" ES_URL="" STATE_DIR_ARG="" KEEP_STATE=0 BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
        --kubeconfig) [ $# -ge 2 ] || usage; KUBECONFIG_PATH=$2; shift 2 ;;
        --cluster) [ $# -ge 2 ] || usage; CLUSTER=$2; shift 2 ;;
        --elasticsearch) [ $# -ge 2 ] || usage; ES_URL=$2; shift 2 ;;
        --state-dir) [ $# -ge 2 ] || usage; STATE_DIR_ARG=$2; shift 2 ;;
        --keep-state) KEEP_STATE=1; shift ;;
        --no-build) BUILD=0; shift ;;
        -h | --help) usage 0 ;;
        *) log "unknown argument '$1'"; usage ;;
    esac
done
if [ -n "$KUBECONFIG_PATH" ]; then
    [ -r "$KUBECONFIG_PATH" ] || die "--kubeconfig $KUBECONFIG_PATH: no such readable file"
    KUBECONFIG_PATH=$(cd "$(dirname "$KUBECONFIG_PATH")" && pwd)/$(basename "$KUBECONFIG_PATH")
    CLUSTER=${CLUSTER:-local}
else
    CLUSTER=${CLUSTER:-simcluster}
fi
READY_TIMEOUT=${EVENTER_UP_READY_TIMEOUT:-180}
# Settings of a CI run in this shell (`source .ci/tmp/ci.env`) must not steer our servers.
unset "${!EVENTER_CI_@}" "${!EVENTER_TEST_@}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# ---------------------------------------------------------------- stopping
STATE=""
declare -A PID=() PORT=()
STARTED=()  # names in start order; stopped in reverse
SERVICES=() # the eventer services among them (they have /health/ready)
STEP=""     # the build, run as a child so that a signal interrupts the wait
NAP=""      # the sleep of the main loop

# Children run in sessions of their own (setsid), so a Ctrl-C in the terminal
# reaches up.sh alone and the stop goes in order: the collector first (its
# relay drains while RabbitMQ is there), then the consumers, then the cluster,
# then the servers. The pid of each is also its process group, so what it
# spawned (msbuild nodes of a build) is stopped with it, and nothing else.
group_gone() {
    pid_alive "$1" && return 1
    wait "$1" 2>/dev/null # reap it: an unreaped leader keeps its group alive
    ! kill -0 -- "-$1" 2>/dev/null
}

# Stops the process groups of the names given: SIGTERM, then SIGKILL what is
# left after 35 s (a .NET host gives its services 30 s to stop). Returns 1 if
# something survived even that.
stop_groups() {
    local name pid left deadline=$((SECONDS + 35))
    for name in "$@"; do
        pid=${PID[$name]:-}
        if [ -z "$pid" ] || group_gone "$pid"; then continue; fi
        log "stopping $name (pid $pid)"
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    while :; do
        left=()
        for name in "$@"; do
            pid=${PID[$name]:-}
            [ -z "$pid" ] || group_gone "$pid" || left+=("$name")
        done
        [ ${#left[@]} -gt 0 ] || return 0
        [ "$SECONDS" -lt "$deadline" ] || break
        sleep 0.2
    done
    for name in "${left[@]}"; do
        log "$name did not stop within 35 s: SIGKILL"
        kill -KILL -- "-${PID[$name]}" 2>/dev/null || kill -KILL "${PID[$name]}" 2>/dev/null || true
    done
    sleep 1
    for name in "${left[@]}"; do group_gone "${PID[$name]}" || { log "ERROR: $name (pid ${PID[$name]}) survived SIGKILL"; return 1; }; done
}

cleanup() {
    local rc=$? i names=()
    set +e
    trap - EXIT INT TERM HUP
    trap '' PIPE # a closed output must not abort the stop half-way
    [ -z "$NAP" ] || kill "$NAP" 2>/dev/null
    if [ -n "$STEP" ]; then
        PID[build]=$STEP
        stop_groups build || rc=1
    fi
    for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do names+=("${STARTED[i]}"); done
    if [ ${#names[@]} -gt 0 ]; then
        log "stopping what up.sh started"
        stop_groups follow-tail follow-awk || rc=1
        stop_groups collector || rc=1
        [ ${#SERVICES[@]} -eq 0 ] || stop_groups "${SERVICES[@]}" || rc=1
        stop_groups "${names[@]}" || rc=1 # the simulated cluster
    fi
    if [ -n "$STATE" ] && [ -f "$STATE/servers.env" ]; then
        if [ "$KEEP_STATE" = 1 ]; then
            stop_servers "$STATE/servers.env" stop || rc=1
        else # the data goes: no graceful RabbitMQ stop
            stop_servers "$STATE/servers.env" kill || rc=1
        fi
        stop_epmd_if_ours "$STATE/servers.env"
    fi
    if [ -n "$STATE" ]; then
        if [ "$KEEP_STATE" = 1 ]; then
            log "state kept in $STATE (logs/, the servers' data and logs)"
        else
            rm -rf "$STATE"
        fi
    fi
    if [ "$rc" = 0 ]; then log "stopped; nothing of this run is left running"; else log "exit code $rc"; fi
    exit "$rc"
}
trap cleanup EXIT
on_signal() {
    log "got SIG$1, stopping"
    exit 0 # cleanup (EXIT trap) says whether everything stopped
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP
trap 'exec >/dev/null 2>&1; on_signal PIPE' PIPE
# A shell ignores SIGINT for what a script starts in the background, and that
# cannot be undone here: then only SIGTERM stops us.
if [ $((0x$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status) & 2)) != 0 ]; then
    log "SIGINT is ignored (started in the background by a script?): stop this with SIGTERM"
fi

# Runs a long step in a process group of its own, output to the log $1, and
# waits for it; a signal interrupts the wait at once and cleanup stops the
# step's whole group. (A redirection around the call would also capture what
# the signal's trap says.)
run_step() {
    local rc=0 log=$1
    shift
    setsid "$@" >"$log" 2>&1 </dev/null &
    STEP=$!
    wait "$STEP" || rc=$?
    STEP=""
    return "$rc"
}

nap() { sleep "$1" & NAP=$!; wait "$NAP" || true; NAP=""; }

# ---------------------------------------------------------------- 1. packages, dotnet
install_server_packages
command -v dotnet >/dev/null || die "no dotnet on PATH: install the .NET SDK named in global.json ($(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$REPO/global.json"))"
AWK=(awk)
# mawk reads a pipe in blocks: messages would show up minutes late.
awk_version=$(awk -W version 2>&1 </dev/null || true)
[[ $awk_version != *mawk* ]] || AWK=(awk -W interactive)

# ---------------------------------------------------------------- 2. state dir
if [ -n "$STATE_DIR_ARG" ]; then
    mkdir -p "$STATE_DIR_ARG"
    [ -z "$(ls -A "$STATE_DIR_ARG")" ] || die "--state-dir $STATE_DIR_ARG is not empty (each run starts fresh)"
    STATE=$(cd "$STATE_DIR_ARG" && pwd)
else
    # /tmp rather than the checkout: as root, the rabbitmq and postgres users
    # must be able to traverse the path, and a checkout under /root is not.
    STATE=$(mktemp -d /tmp/eventer-local.XXXXXX)
fi
chmod 755 "$STATE"
LOGS="$STATE/logs"
mkdir -p "$LOGS"
if [ "$(id -u)" = 0 ]; then
    for user in rabbitmq postgres; do
        as_user "$user" test -x "$STATE" ||
            die "user $user cannot reach $STATE (a directory on its path is closed to it): choose another --state-dir"
    done
fi
log "state dir $STATE"

# ---------------------------------------------------------------- 3. build
PROJECTS=(services/Eventer.Collector services/Eventer.Archive services/Eventer.DingTalkNotifier
    services/Eventer.WebhookNotifier services/Eventer.EsIndexer tools/Eventer.SimCluster)
dll() { echo "$REPO/$1/bin/Release/net10.0/$(basename "$1").dll"; }
if [ "$BUILD" = 1 ]; then
    log "building (Release; log: $LOGS/build.log)"
    # No build servers: an MSBuild node or compiler server left running would
    # be a process of this run that outlives it.
    if ! run_step "$LOGS/build.log" dotnet build "$HERE/eventer-local.slnf" -c Release --disable-build-servers -nologo -v q; then
        tail -n 30 "$LOGS/build.log" >&2
        die "the build failed"
    fi
fi
for project in "${PROJECTS[@]}"; do
    [ -f "$(dll "$project")" ] || die "$(dll "$project") is not built (run without --no-build)"
done

# ---------------------------------------------------------------- 4. servers
write_servers_env "$STATE/servers.env" eventer-local
# shellcheck disable=SC1091
. "$STATE/servers.env"
# In a subshell: a trap that runs meanwhile must not write into the file.
(init_servers) >"$LOGS/servers-init.log" 2>&1 || { cat "$LOGS/servers-init.log" >&2; die "could not create the servers' state"; }
start_servers
"$SERVERS_DIR/postgres-ctl.sh" psql -d postgres -qX -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE eventer LOGIN PASSWORD 'eventer'" -c "CREATE DATABASE eventer OWNER eventer" >/dev/null ||
    die "could not create database eventer"
RABBITMQ="amqp://guest:guest@127.0.0.1:$EVENTER_CI_RABBITMQ_PORT/"
POSTGRES="Host=127.0.0.1;Port=$EVENTER_CI_POSTGRES_PORT;Database=eventer;Username=eventer;Password=eventer"

# ---------------------------------------------------------------- 5. cluster and services
TAKEN=("$EVENTER_CI_RABBITMQ_PORT" "$EVENTER_CI_RABBITMQ_MGMT_PORT" "$EVENTER_CI_RABBITMQ_DIST_PORT" "$EVENTER_CI_POSTGRES_PORT")
port_for() { # $1 = name, $2 = preferred port
    PORT[$1]=$(pick_port "$2" "${TAKEN[@]}")
    TAKEN+=("${PORT[$1]}")
}

# Starts a program from its built dll in its own directory (its appsettings.json
# is read from there), in its own session, output to logs/<name>.log.
#   launch NAME PROJECT [VAR=value ...] -- [ARGS ...]
launch() {
    local name=$1 project=$2 env=() file
    shift 2
    while [ $# -gt 0 ] && [ "$1" != -- ]; do env+=("$1"); shift; done
    shift
    file=$(dll "$project")
    (
        cd "$(dirname "$file")"
        # DOTNET_GCGen1MaxBudget as in the images: the runtime reads it from the environment only.
        exec env DOTNET_ENVIRONMENT=Production ASPNETCORE_ENVIRONMENT=Production DOTNET_GCGen1MaxBudget=C00000 "${env[@]}" \
            setsid dotnet "$file" "$@" </dev/null >>"$LOGS/$name.log" 2>&1
    ) &
    PID[$name]=$!
    STARTED+=("$name")
    printf 'process %s %s %s\n' "$name" "${PID[$name]}" "${PORT[$name]:--}" >>"$STATE/processes"
}

start_service() { # NAME PROJECT [VAR=value ...]: an eventer service on its own port
    local name=$1 project=$2
    shift 2
    launch "$name" "$project" ConnectionStrings__rabbitmq="$RABBITMQ" ConnectionStrings__postgres="$POSTGRES" "$@" \
        -- --urls "http://127.0.0.1:${PORT[$name]}"
    SERVICES+=("$name")
    log "started $name (pid ${PID[$name]}, http://127.0.0.1:${PORT[$name]})"
}

echo "# what up.sh started: process NAME PID PORT (stopped in reverse order)" >"$STATE/processes"
if [ -z "$KUBECONFIG_PATH" ]; then
    port_for simcluster 16443
    KUBECONFIG_PATH="$STATE/simcluster.kubeconfig"
    launch simcluster tools/Eventer.SimCluster -- --demo --listen 127.0.0.1 --port "${PORT[simcluster]}" --kubeconfig "$KUBECONFIG_PATH"
    log "started the simulated cluster (pid ${PID[simcluster]}, http://127.0.0.1:${PORT[simcluster]})"
fi

port_for archive 8084
port_for collector 8085
port_for dingtalk-notifier 8086
port_for webhook-notifier 8087
ARCHIVE="http://127.0.0.1:${PORT[archive]}"
QUEUES=(archive dingtalk-notifier webhook-notifier)
start_service archive services/Eventer.Archive
start_service dingtalk-notifier services/Eventer.DingTalkNotifier \
    DingTalk__DryRun=true DingTalk__Robots__demo__Webhook= DingTalk__DefaultRobot=demo DingTalk__ArchiveUrl="$ARCHIVE/api/events"
start_service webhook-notifier services/Eventer.WebhookNotifier \
    Webhook__DryRun=true Webhook__Targets__demo__Kind=Slack Webhook__DefaultTarget=demo Webhook__ArchiveUrl="$ARCHIVE/api/events"
if [ -n "$ES_URL" ]; then
    port_for es-indexer 8088
    start_service es-indexer services/Eventer.EsIndexer ConnectionStrings__elasticsearch="$ES_URL"
    QUEUES+=(es-indexer)
fi
# Nothing is published before every consumer's queue exists, so each gets
# everything from the first event on, whichever starts first.
await=()
for i in "${!QUEUES[@]}"; do await+=("Collector__Outbox__AwaitQueues__$i=${QUEUES[i]}"); done
start_service collector services/Eventer.Collector Collector__ClusterName="$CLUSTER" Collector__Kubeconfig="$KUBECONFIG_PATH" "${await[@]}"

# A service that exits: its exit code and the end of its log, once.
declare -A REPORTED=()
report_exit() {
    local name=$1 code=0
    [ -z "${REPORTED[$name]:-}" ] || return 0
    REPORTED[$name]=1
    wait "${PID[$name]}" 2>/dev/null || code=$?
    log "ERROR: $name exited (code $code); the end of $LOGS/$name.log:"
    tail -n 15 "$LOGS/$name.log" | cut -c1-400 >&2
}

log "waiting for every service to be ready (/health/ready, at most ${READY_TIMEOUT}s)"
deadline=$((SECONDS + READY_TIMEOUT))
declare -A READY=()
while :; do
    pending=()
    for name in "${STARTED[@]}"; do
        pid_alive "${PID[$name]}" || { report_exit "$name"; die "$name did not start"; }
    done
    for name in "${SERVICES[@]}"; do
        [ -z "${READY[$name]:-}" ] || continue
        if curl -fsS -o /dev/null --max-time 3 "http://127.0.0.1:${PORT[$name]}/health/ready" 2>/dev/null; then
            READY[$name]=1
            log "$name ready"
        else
            pending+=("$name")
        fi
    done
    [ ${#pending[@]} -gt 0 ] || break
    if [ "$SECONDS" -ge "$deadline" ]; then
        for name in "${pending[@]}"; do
            log "$name is not ready: $(curl -sS --max-time 3 "http://127.0.0.1:${PORT[$name]}/health/ready" 2>&1 | cut -c1-600)"
        done
        die "not ready after ${READY_TIMEOUT}s: ${pending[*]} (logs in $LOGS)"
    fi
    nap 1
done

# ---------------------------------------------------------------- 6. where to look
row() { printf '  %-18s %s\n' "$1" "$2"; }
MGMT="http://127.0.0.1:$EVENTER_CI_RABBITMQ_MGMT_PORT/"
{
    echo
    echo "eventer is running. Ctrl-C stops everything up.sh started."
    echo
    row "archive API" "$ARCHIVE/api/events?limit=20"
    row "" "curl -s '$ARCHIVE/api/events?type=Warning&limit=5'"
    row "" "curl -s '$ARCHIVE/api/stats'"
    row "RabbitMQ UI" "$MGMT (guest / guest): queues ${QUEUES[*]}"
    row "PostgreSQL" "psql 'host=127.0.0.1 port=$EVENTER_CI_POSTGRES_PORT dbname=eventer user=eventer password=eventer'"
    row "" "one schema per service: collector, archive, dingtalk, webhook"
    if [ -n "${PID[simcluster]:-}" ]; then
        row "cluster" "'$CLUSTER', simulated: http://127.0.0.1:${PORT[simcluster]} (3 changes a second; kubeconfig $KUBECONFIG_PATH)"
    else
        row "cluster" "'$CLUSTER', from $KUBECONFIG_PATH"
    fi
    echo
    printf '  %-18s %-40s %s\n' service "ready" metrics
    for name in "${SERVICES[@]}"; do
        printf '  %-18s %-40s %s\n' "$name" "http://127.0.0.1:${PORT[$name]}/health/ready" "http://127.0.0.1:${PORT[$name]}/metrics"
    done
    [ -n "$ES_URL" ] || printf '  %-18s %s\n' es-indexer "not started: no Elasticsearch here (up.sh --elasticsearch URL starts it)"
    echo
    row "DingTalk messages" "dry run, nothing is sent: $LOGS/dingtalk-notifier.log (\"Dry run: to robot demo\"), shown below"
    row "webhook messages" "dry run, Slack format, nothing is sent: $LOGS/webhook-notifier.log (\"Dry run: to target demo\")"
    row "logs" "$LOGS/<service>.log (JSON lines); servers: $STATE/rabbitmq/log, $STATE/postgres/log"
    if [ "$KEEP_STATE" = 1 ]; then
        row "state" "$STATE (kept when this stops)"
    else
        row "state" "$STATE (deleted when this stops; --keep-state keeps it)"
    fi
    echo
    echo "Following: DingTalk messages, warnings and errors from now on, the simulated cluster's counts."
} || true
echo "ready" >"$STATE/ready"

# ---------------------------------------------------------------- 7. follow until stopped
# tail and awk meet at a FIFO, so each is a child with a pid of its own.
mkfifo "$STATE/follow.fifo"
files=()
for name in "${STARTED[@]}"; do files+=("$LOGS/$name.log"); done
(exec setsid "${AWK[@]}" -v since="$(date -u +%Y-%m-%dT%H:%M:%S)" -f "$HERE/follow-logs.awk" <"$STATE/follow.fifo") &
PID[follow-awk]=$!
(exec setsid tail -n +1 -F -- "${files[@]}" >"$STATE/follow.fifo" 2>/dev/null) &
PID[follow-tail]=$!
printf 'process %s %s -\n' follow-awk "${PID[follow-awk]}" follow-tail "${PID[follow-tail]}" >>"$STATE/processes"

while :; do
    nap 2
    for name in "${STARTED[@]}"; do
        pid_alive "${PID[$name]}" || report_exit "$name"
    done
done
