#!/usr/bin/env bash
# Issue 16's benchmark: two Trellis nodes against two Erlang nodes (Debian's erlang-base, -name on 127.0.0.1), in the
# same run, on the same machine: remote call round trip, remote casts one to one and 1,000 to 1,000, a remote
# monitor's DOWN after SIGKILL of the peer, detection of a SIGSTOPped peer at a tick time of 4 s on both sides, and
# connection set-up. Each side starts its own peer nodes and kills them by pid.
#   bench/dist.sh [CALLS] [CASTS] [KILLS] [STOPS] [SETUPS]
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-20000}
casts=${2:-400000}
kills=${3:-5}
stops=${4:-3}
setups=${5:-20}
cookie=trellis-bench-cookie-$$
dotnet build bench/Trellis.Bench.Dist -c Release -v q -nologo >/dev/null
dir=$(mktemp -d -p "${TMPDIR:-/tmp}")
peer_pid=
cleanup() {
    [ -n "$peer_pid" ] && kill -9 "$peer_pid" 2>/dev/null || true
    pkill -9 -f "trellis_dist_bench serve" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
erlc -o "$dir" bench/erlang/trellis_dist_bench.erl
# The Erlang peer, then the client node that measures (both with net_ticktime 4, as the Trellis nodes' tick time).
erl -name "bench_b@127.0.0.1" -setcookie "$cookie" -kernel net_ticktime 4 -noshell -pa "$dir" -s trellis_dist_bench serve </dev/null >/dev/null 2>&1 &
peer_pid=$!
erlang=$(erl -name "bench_a@127.0.0.1" -setcookie "$cookie" -kernel net_ticktime 4 -noshell -pa "$dir" \
    -run trellis_dist_bench client "bench_b@127.0.0.1" "$calls" "$casts" "$kills" "$stops" "$setups" "$dir")
{ kill -9 "$peer_pid"; wait "$peer_pid"; } 2>/dev/null || true
peer_pid=
trellis=$(dotnet bench/Trellis.Bench.Dist/bin/Release/net10.0/Trellis.Bench.Dist.dll client "$cookie" "$calls" "$casts" "$kills" "$stops" "$setups")
value() { awk -v k="$1" '$1 == k {print $2}' <<<"$2"; }
printf '%-40s %12s %12s %8s %s\n' workload trellis erlang ratio target
row() { # name key direction(lower|higher) target
    local t e
    t=$(value "$2" "$trellis"); e=$(value "$2" "$erlang")
    printf '%-40s %12s %12s %8s %s\n' "$1" "$t" "$e" "$(awk -v t="$t" -v e="$e" 'BEGIN { printf "%.2fx", t / e }')" "$4"
}
row "call round trip p50 (us)" call_p50_us lower "<= 1.0x"
row "call round trip p99 (us)" call_p99_us lower "<= 1.0x"
row "casts/s, 1 to 1" casts_1_per_s higher ">= 1.5x"
row "casts/s, 1,000 to 1,000" casts_1000_per_s higher ">= 1.5x"
row "DOWN after SIGKILL of the peer (ms)" down_after_kill_ms lower "<= 1.0x"
row "SIGSTOPped peer seen down, tick 4 s (ms)" stop_detected_ms lower "<= 1.0x"
row "connection set-up p50 (ms)" setup_ms lower "<= 1.0x"
echo "ratio: trellis / erlang (for times lower is better, for casts/s higher is better)"
