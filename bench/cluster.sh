#!/usr/bin/env bash
# Issue 17's benchmark: a real etcd on loopback (Debian's etcd-server), three member processes and a client node:
# start of 1,000 cluster children across the three, a cached cluster name lookup against a local Registry lookup,
# failover from SIGKILL of a child's node to its replacement answering a call (KILLS times), and a randomized fault
# schedule (SIGKILL, SIGSTOP past the lease and SIGCONT) for FAULT_SECONDS while three children tick, checked for
# overlapping copies and orphans. Everything started is stopped by pid.
#   bench/cluster.sh [KILLS] [FAULT_SECONDS] [TTL]
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-20}
faults=${2:-60}
ttl=${3:-3}
dotnet build bench/Trellis.Bench.Cluster -c Release -v q -nologo >/dev/null
dir=$(mktemp -d -p "${TMPDIR:-/tmp}")
etcd_pid=
cleanup() {
    if [ -n "$etcd_pid" ]; then { kill -9 "$etcd_pid"; wait "$etcd_pid"; } 2>/dev/null || true; fi
    rm -rf "$dir"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
client=$(port); peer=$(port)
etcd --name b --data-dir "$dir/etcd" --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "b=http://127.0.0.1:$peer" >"$dir/etcd.log" 2>&1 &
etcd_pid=$!
for _ in $(seq 100); do grep -q "ready to serve client requests" "$dir/etcd.log" && break; sleep 0.1; done
out=$(dotnet bench/Trellis.Bench.Cluster/bin/Release/net10.0/Trellis.Bench.Cluster.dll client "http://127.0.0.1:$client" "$ttl" "$kills" "$faults")
value() { awk -v k="$1" '$1 == k {print $2}' <<<"$out"; }
echo "$out" | sed 's/^/# /'
printf '| measure | Trellis | target |\n|---|---:|---|\n'
printf '| failover p50, SIGKILL of the node to a call answered (%s kills, TTL %s s) | %s ms | <= %s ms (TTL + 1 s) |\n' "$(value failovers)" "$ttl" "$(value failover_p50_ms)" "$(value failover_target_ms)"
printf '| failover p99 | %s ms | <= %s ms |\n' "$(value failover_p99_ms)" "$(value failover_target_ms)"
printf '| duplicates over %s s of random faults (%s SIGKILL, %s SIGSTOP past the lease) | %s | 0 |\n' "$faults" "$(value faults_killed)" "$(value faults_frozen)" "$(value duplicates)"
printf '| orphans after the last fault | %s | 0 |\n' "$(value orphans)"
printf '| children not running again after the last fault (all ticking once after %s ms) | %s | 0 |\n' "$(value recovered_ms)" "$(value not_running_after)"
printf '| start of 1,000 cluster children on 3 nodes (spread %s) | %s ms | |\n' "$(value start_1000_spread)" "$(value start_1000_ms)"
printf '| stop of the 1,000 | %s ms | |\n' "$(value stop_1000_ms)"
printf '| cluster name lookup, cached (WhereIs) | %s ns | |\n' "$(value lookup_cluster_ns)"
printf '| local Registry lookup (Registry.WhereIs) | %s ns | |\n' "$(value lookup_registry_ns)"
