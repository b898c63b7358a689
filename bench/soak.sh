#!/usr/bin/env bash
# Memory that stays flat: 50 services crashing in a loop in one trellis daemon for MINUTES (default 10), the daemon's
# RSS sampled every 10 s. The first steady sample is the one at 60 s (by then the event record, each service's line
# ring and the JIT have filled); the last five samples may not exceed it by more than 5%.
# Usage: bench/soak.sh [MINUTES] [SERVICES]
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-10}; SERVICES=${2:-50}
dotnet build src/Trellis.Daemon -c Release -v q -nologo >/dev/null
T="${TRELLIS:-$PWD/src/Trellis.Daemon/bin/Release/net10.0/trellis}"   # TRELLIS=path measures another build
W=$(mktemp -d /tmp/trellis-soak-XXXX)
trap 'kill -TERM "${DPID:-0}" 2>/dev/null; wait "${DPID:-0}" 2>/dev/null; rm -rf "$W"' EXIT
{
  printf 'name: soak\nstate_dir: %s/state\ndashboard: {port: 0}\nintensity: 1000000\nperiod: 1s\nchildren:\n' "$W"
  for i in $(seq 1 "$SERVICES"); do
    printf '  - service: s%d\n    command: [sh, -c, "echo crash $$; sleep 0.2; exit 1"]\n' "$i"
  done
} > "$W/soak.yaml"
"$T" up "$W/soak.yaml" --socket "$W/soak.sock" > "$W/daemon.log" 2>&1 & DPID=$!
until grep -q "tree started" "$W/daemon.log"; do kill -0 "$DPID" 2>/dev/null || { cat "$W/daemon.log"; exit 1; }; sleep 0.1; done
samples=()
for ((t = 10; t <= MINUTES * 60; t += 10)); do
  sleep 10
  kb=$(awk '/VmRSS/ {print $2}' "/proc/$DPID/status")
  samples+=("$kb")
  printf '%4d s  RSS %6.1f MB\n' "$t" "$(echo "$kb / 1024" | bc -l)"
done
restarts=$({ "$T" status --json --socket "$W/soak.sock" || true; } | python3 -c 'import json,sys; print(sum(n["node"]["restarts"] for n in json.load(sys.stdin)["nodes"]))')
steady=${samples[5]}
worst=0
for kb in "${samples[@]: -5}"; do ((kb > worst)) && worst=$kb; done
growth=$(echo "scale=2; ($worst - $steady) * 100 / $steady" | bc)
printf 'soak: %d services, %d restarts in %d min; RSS at 60 s %.1f MB, highest of the last five %.1f MB (%+.2f%%, limit +5%%)\n' \
  "$SERVICES" "$restarts" "$MINUTES" "$(echo "$steady / 1024" | bc -l)" "$(echo "$worst / 1024" | bc -l)" "$growth"
(( $(echo "$growth <= 5" | bc) )) && echo "soak: flat" || { echo "soak: GREW"; exit 1; }
