#!/usr/bin/env bash
# The daemon at scale, with its peers measured in the same run:
#   1. N services (default 1000) in one trellis daemon: RSS per service, idle CPU, time to start and stop the tree;
#      beside it supervisord with the same N programs, and one daemontools supervise and one runit runsv per service.
#   2. A restart storm: 100 services crashing every 100 ms for a minute (--quick: 10 s): every crash must be an
#      event, and the dashboard stream must keep updating within a second.
# Needs: the .NET SDK, python3 (the stream client), and for the peers supervisor, daemontools and runit.
#   3. With --soak [MINUTES]: only the soak (bench/soak.sh): 50 services crash-looping, RSS sampled every 10 s.
# Usage: bench/daemon.sh [--quick] [--services N] | --soak [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/.."
N=1000; STORM_SECONDS=60
while (($#)); do
  case "$1" in
    --quick) N=200; STORM_SECONDS=10 ;;
    --services) N="$2"; shift ;;
    --soak) exec bench/soak.sh "${2:-10}" ;;
    *) echo "usage: bench/daemon.sh [--quick] [--services N] | --soak [MINUTES]" >&2; exit 2 ;;
  esac
  shift
done
dotnet build src/Trellis.Daemon -c Release -v q -nologo >/dev/null
T="$PWD/src/Trellis.Daemon/bin/Release/net10.0/trellis"
W=$(mktemp -d /tmp/trellis-bench-XXXX)
trap 'pkill -P $$ || true; rm -rf "$W"' EXIT
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
now() { date +%s.%N; }

tree() { # tree COUNT COMMAND... -> YAML on stdout
  local count=$1; shift
  printf 'name: bench\nstate_dir: %s/state-%s\ndashboard: {port: 0}\nintensity: 1000000\nperiod: 1s\nchildren:\n' "$W" "$count"
  for i in $(seq 1 "$count"); do printf '  - service: s%d\n    command: [%s]\n' "$i" "$*"; done
}

start_daemon() { # start_daemon FILE SOCKET -> sets DPID; waits for "tree started"
  local log="$W/$(basename "$1").log"
  local t0; t0=$(now)
  "$T" up "$1" --socket "$2" > "$log" 2>&1 & DPID=$!; DLOG=$log
  until grep -q "tree started" "$log"; do kill -0 "$DPID" 2>/dev/null || { cat "$log"; exit 1; }; sleep 0.05; done
  START_S=$(echo "$(now) - $t0" | bc)
}

stop_daemon() {
  local t0; t0=$(now)
  kill -TERM "$DPID"; STOP_RC=0; wait "$DPID" || STOP_RC=$?
  STOP_S=$(echo "$(now) - $t0" | bc)
  [ "$STOP_RC" = 0 ] || { echo "trellis exited $STOP_RC on SIGTERM; the end of its log:"; tail -20 "$DLOG"; }
}

echo "== $N services in one daemon"
# The programs sleep for a length unique to this run, so "left running" counts only this run's processes.
SLEEP=$((100000 + $$ % 50000))
tree 1 sleep, "\"$SLEEP\"" > "$W/one.yaml"
start_daemon "$W/one.yaml" "$W/one.sock"; sleep 5; RSS1=$(rss_kb "$DPID"); stop_daemon
tree "$N" sleep, "\"$SLEEP\"" > "$W/many.yaml"
start_daemon "$W/many.yaml" "$W/many.sock"; START_N=$START_S
sleep 10
RSSN=$(rss_kb "$DPID")
c0=$(cpu_ticks "$DPID"); sleep 30; c1=$(cpu_ticks "$DPID")
IDLE=$(echo "scale=3; ($c1 - $c0) * 100 / $(getconf CLK_TCK) / 30" | bc)
stop_daemon; STOP_N=$STOP_S
LEFT=$(pgrep -c -f "sleep $SLEEP" || true)
[ "$LEFT" = 0 ] || { echo "trellis: $LEFT programs outlived the daemon; the end of its log:"; tail -20 "$W/many.yaml.log"; }
printf 'trellis: RSS %d MB with 1 service, %d MB with %d: %.1f KB per added service, %.1f KB per service overall\n' \
  $((RSS1 / 1024)) $((RSSN / 1024)) "$N" "$(echo "($RSSN - $RSS1) / ($N - 1)" | bc -l)" "$(echo "$RSSN / $N" | bc -l)"
printf 'trellis: idle CPU %s%% over 30 s; start %.2f s (%d services, in order); stop %.2f s (reverse order); left running after stop: %s\n' \
  "$IDLE" "$START_N" "$N" "$STOP_N" "$LEFT"

if command -v supervisord >/dev/null; then
  mkdir -p "$W/sd"
  { printf '[supervisord]\nnodaemon=true\nlogfile=%s/sd/sd.log\npidfile=%s/sd/sd.pid\nminfds=%d\n[unix_http_server]\nfile=%s/sd/sd.sock\n' "$W" "$W" $((N * 4 + 256)) "$W"
    for i in $(seq 1 "$N"); do printf '[program:s%d]\ncommand=sleep %d\nstdout_logfile=%s/sd/s%d.out\nstderr_logfile=%s/sd/s%d.err\n' "$i" "$SLEEP" "$W" "$i" "$W" "$i"; done
  } > "$W/sd/supervisord.conf"
  t0=$(now); supervisord -c "$W/sd/supervisord.conf" > "$W/sd/out.log" 2>&1 & SPID=$!
  until [ "$(pgrep -c -P "$SPID" sleep || true)" -ge "$N" ]; do sleep 0.1; done
  SD_START=$(echo "$(now) - $t0" | bc); sleep 10
  SRSS=$(rss_kb "$SPID"); c0=$(cpu_ticks "$SPID"); sleep 30; c1=$(cpu_ticks "$SPID")
  SIDLE=$(echo "scale=3; ($c1 - $c0) * 100 / $(getconf CLK_TCK) / 30" | bc)
  t0=$(now); kill -TERM "$SPID"; wait "$SPID" || true; SD_STOP=$(echo "$(now) - $t0" | bc)
  printf 'supervisord: RSS %d MB with %d programs (%.1f KB per program); idle CPU %s%%; start %.2f s; stop %.2f s\n' \
    $((SRSS / 1024)) "$N" "$(echo "$SRSS / $N" | bc -l)" "$SIDLE" "$SD_START" "$SD_STOP"
fi
for peer in supervise runsv; do
  command -v "$peer" >/dev/null || continue
  mkdir -p "$W/$peer"; printf '#!/bin/sh\nexec sleep %d\n' "$SLEEP" > "$W/$peer/run"; chmod +x "$W/$peer/run"
  "$peer" "$W/$peer" & PP=$!; sleep 1
  printf '%s: RSS %d KB for one service (one %s per service: %d MB for %d)\n' "$peer" "$(rss_kb "$PP")" "$peer" $(($(rss_kb "$PP") * N / 1024)) "$N"
  kill -TERM "$PP"; wait "$PP" 2>/dev/null || true; pkill -f "sleep $SLEEP" || true
done

echo "== restart storm: 100 services crashing every 100 ms for ${STORM_SECONDS} s"
mkdir -p "$W/runs"
{ printf 'name: storm\nstate_dir: %s/state-storm\ndashboard: {port: 0}\nintensity: 1000000\nperiod: 1s\nchildren:\n' "$W"
  for i in $(seq 1 100); do printf '  - service: c%d\n    command: [sh, -c, "echo $$ >> %s/runs/c%d; sleep 0.1; exit 1"]\n' "$i" "$W" "$i"; done
} > "$W/storm.yaml"
start_daemon "$W/storm.yaml" "$W/storm.sock"
python3 - "$W/storm.sock" "$STORM_SECONDS" > "$W/stream.txt" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"GET /api/stream HTTP/1.1\r\nHost: x\r\n\r\n")
end = time.time() + float(sys.argv[2]); last = None; worst = 0.0; trees = 0; buf = b""
s.settimeout(1.0)
while time.time() < end:
    try: chunk = s.recv(65536)
    except socket.timeout: chunk = b""
    t = time.time(); buf += chunk
    n = buf.count(b"event: tree"); buf = buf[buf.rfind(b"\n"):] if n else buf[-32:]
    if n:
        trees += n
        if last is not None: worst = max(worst, t - last)
        last = t
    elif last is not None: worst = max(worst, t - last)
print(f"{trees} {worst:.3f}")
PY
SP=$!
sleep "$STORM_SECONDS"; wait "$SP"
read -r TREES WORST < "$W/stream.txt"
stop_daemon
RUNS=$(cat "$W"/runs/* | wc -l)
CRASHED=$(grep -c ": crashed " "$W/storm.yaml.log" || true)
STOPPED=$(grep -c ": stopped " "$W/storm.yaml.log" || true)
printf 'storm: %d program runs recorded by the programs, %d crash events + %d stop events = %d (a run missing its event: %d); dashboard stream: %d tree updates, longest gap %s s\n' \
  "$RUNS" "$CRASHED" "$STOPPED" $((CRASHED + STOPPED)) $((RUNS > CRASHED + STOPPED ? RUNS - CRASHED - STOPPED : 0)) "$TREES" "$WORST"
