#!/usr/bin/env bash
# Issue 4's benchmarks: Trellis's Registry and Task.Supervisor beside Elixir's, in the same run, pinned to the same
# cores (taskset; Elixir with +S matching), and the durable child store. Needs Debian's elixir package.
#   bench/otp.sh [ITERATIONS] [ROUNDTRIPS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-600000}
m=${2:-20000}
dotnet build bench/Trellis.Bench.Otp -c Release -v q -nologo >/dev/null
bin=bench/Trellis.Bench.Otp/bin/Release/net10.0/Trellis.Bench.Otp.dll
have_elixir=$(command -v elixir >/dev/null && echo yes || echo no)
printf '%-34s %14s %14s %8s\n' workload trellis elixir ratio
for cores in 1 2; do
    cpus=$(seq -s, 0 $((cores - 1)))
    t=$(taskset -c "$cpus" dotnet "$bin" registry "$cores" "$n" | awk '{print $3}')
    e=-
    if [ "$have_elixir" = yes ]; then
        eout=$(taskset -c "$cpus" elixir --erl "+S $cores" bench/elixir/otp_bench.exs "$cores" "$n" "$m")
        e=$(awk '/^registry/ {print $3}' <<<"$eout")
        [ "$cores" = 1 ] && ea=$(awk '/^async_nolink/ {print $2}' <<<"$eout")
    fi
    printf '%-34s %14s %14s %8s\n' "registry ops/s, $cores core(s)" "$t" "$e" "$(awk -v t="$t" -v e="$e" 'BEGIN { if (e == "-") print "-"; else printf "%.2fx", t / e }')"
done
ta=$(taskset -c 0 dotnet "$bin" async "$m" | awk '{print $2}')
printf '%-34s %14s %14s %8s\n' "async_nolink+await ns, 1 core" "$ta" "${ea:--}" "$(awk -v t="$ta" -v e="${ea:--}" 'BEGIN { if (e == "-") print "-"; else printf "%.2fx", e / t }')"
dir=$(mktemp -d -p "${TMPDIR:-/tmp}")
dotnet "$bin" durable "$dir" 2000 10000
rm -rf "$dir"
echo "ratio: above 1.00x, Trellis is faster (throughput: trellis/elixir; round trip: elixir/trellis)"
