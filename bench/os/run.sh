#!/usr/bin/env bash
# OS-process supervisor benchmark (issue 3): restart latency from a crash to the new program running, p50 and p99,
# for Trellis supervise (restart delay 0 and its default 1 s), daemontools supervise, runit runsv, s6-supervise,
# supervisord and a bare C fork/exec/wait loop (the floor), all with the same crashing program, in one run;
# then each supervisor's RSS, and supervise's CPU while idle.
#   bench/os/run.sh [N] [IDLE_SECONDS]     defaults: 200 restarts, 60 s idle
#   TOOL_N=30 bench/os/run.sh              fewer restarts for the tools that need 1.1 s per restart
#                                          (200 of them take about 4 minutes per tool)
# The C tools only skip their fixed 1 s pause for a program that lived over 1 s, so they run it with 1.1 s of
# uptime (s6 also with readiness); Trellis runs it with none.
set -euo pipefail
N=${1:-200}
IDLE=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d /tmp/trellis-osbench.XXXXXX)
trap 'rm -rf "$work"' EXIT

need=()
for t in supervise:daemontools runsv:runit s6-supervise:s6 supervisord:supervisor gcc:gcc; do
    command -v "${t%%:*}" >/dev/null || need+=("${t##*:}")
done
if ((${#need[@]})); then apt-get install -y -qq "${need[@]}" >/dev/null; fi
gcc -O2 -o "$work/crashchild" "$here/crashchild.c"
gcc -O2 -o "$work/floor" "$here/floor.c"
gcc -O2 -o "$work/stamp" "$here/stamp.c"
# supervise as it ships: the NativeAOT binary (TRELLIS_SUPERVISE names a built one instead).
SV=${TRELLIS_SUPERVISE:-}
if [ -z "$SV" ]; then
    dotnet publish "$root/src/Trellis.Supervise" -c Release -r linux-x64 -p:PublishAot=true -o "$work/native" -v q -nologo >/dev/null
    SV="$work/native/supervise"
fi
DT_SUPERVISE=/usr/bin/supervise

starts() { if [ -f "$1" ]; then grep -c '^S' "$1" || true; else echo 0; fi; }
wait_starts() { while [ "$(starts "$1")" -lt "$2" ]; do sleep 0.05; done; }
rss() { awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$1/status"; }
row() { printf '%-44s %s\t%s\n' "$1" "$(python3 "$here/stats.py" "$2")" "$3"; }

printf '%-44s %s\t%s\t%s\t%s\t%s\t%s\n' "supervisor" "restarts" "p50 ms" "p99 ms" "first ms" "spawn ms" "RSS"

# The floor.
log=$work/floor.log
CRASH_LOG=$log "$work/floor" $((N + 1)) "$work/crashchild"
row "C fork/exec/waitpid loop (floor)" "$log" "-"

# Trellis supervise: delay 0, then the default.
for delay in 0 1; do
    d=$work/trellis$delay; log=$d.log; mkdir -p "$d"
    count=$N; [ "$delay" = 1 ] && count=$(( N < 20 ? N : 20 ))
    CRASH_LOG=$log "$work/stamp" "$SV" -p "$d/st" -f "$work/crashchild" --restart-delay $delay --foreground 2>/dev/null &
    pid=$!
    wait_starts "$log" $((count + 1))
    mem=$(rss $pid)
    echo dx > "$d/st/control"; wait $pid || true
    row "Trellis supervise, restart delay $delay s" "$log" "$mem"
done

uptime_rows() {
    local name=$1 start=$3 stop=$4 count=${TOOL_N:-$N}
    log=$CRASH_LOG
    eval "exec $work/stamp ${start#exec }" &
    local pid=$!
    wait_starts "$log" $((count + 1))
    local mem; mem=$(rss $pid)
    eval "$stop" >/dev/null 2>&1 || true
    kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
    row "$name (1.1 s uptime)" "$log" "$mem"
}

# daemontools, runit, s6: a service directory whose run is the crashing program.
for tool in daemontools runit s6; do
    d=$work/$tool; mkdir -p "$d"; ln -s "$work/crashchild" "$d/run"
done
echo 3 > "$work/s6/notification-fd"
export CRASH_UPTIME_MS=1100
CRASH_LOG=$work/daemontools.log uptime_rows "daemontools supervise" "$work/daemontools" \
    "exec $DT_SUPERVISE $work/daemontools" "svc -dx $work/daemontools"
CRASH_LOG=$work/runit.log uptime_rows "runit runsv" "$work/runit" "exec runsv $work/runit" "sv x $work/runit"
CRASH_LOG=$work/s6.log CRASH_NOTIFY_FD=3 uptime_rows "s6-supervise with readiness" "$work/s6" \
    "exec s6-supervise $work/s6" "s6-svc -dx $work/s6"
cat > "$work/supervisord.conf" <<CONF
[supervisord]
nodaemon=true
logfile=$work/supervisord.log
pidfile=$work/supervisord.pid
[unix_http_server]
file=$work/supervisor.sock
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://$work/supervisor.sock
[program:crash]
command=$work/crashchild
startsecs=0
autorestart=true
startretries=1000000
CONF
CRASH_LOG=$work/supervisord-crash.log uptime_rows "supervisord, startsecs=0" "$work/supervisord" \
    "exec supervisord -c $work/supervisord.conf >/dev/null 2>&1" "supervisorctl -c $work/supervisord.conf shutdown"
unset CRASH_UPTIME_MS

# Idle: supervise keeping a sleeping program, its CPU time over IDLE seconds.
d=$work/idle; mkdir -p "$d"
"$SV" -p "$d/st" -f "sleep 100000" --foreground 2>/dev/null &
pid=$!
sleep 3
if [ ! -d "/proc/$pid" ]; then echo "idle supervise exited early:"; cat "$d/st/supervise.log"; exit 1; fi
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
before=$(ticks $pid); sleep "$IDLE"; after=$(ticks $pid)
echo "Trellis supervise idle for ${IDLE} s: $((after - before)) clock ticks of CPU (1 tick = 10 ms), RSS $(rss $pid)"
echo dx > "$d/st/control"; wait $pid || true
