#!/usr/bin/env bash
# The trellis CLI's cold start: `trellis status` against a running daemon, the native client (NativeAOT) beside the
# daemon's own binary (JIT), each run 30 times in turn; median and p90 wall time in ms. Not part of the tests.
#   bench/cli.sh [RUNS]
set -euo pipefail
RUNS=${1:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/trellis-clibench.XXXXXX)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet publish "$root/src/Trellis.Cli" -c Release -r linux-x64 -p:PublishAot=true -o "$work/bin" -v q -nologo >/dev/null
dotnet publish "$root/src/Trellis.Daemon" -c Release -o "$work/bin/daemon" -v q -nologo >/dev/null
cat > "$work/tree.yaml" <<YAML
name: clibench
children:
  - service: a
    command: [sleep, "100000"]
YAML
sock=$work/s/trellis.sock
(cd "$work" && exec "$work/bin/trellis" up "$work/tree.yaml" --socket "$sock" --no-dashboard >"$work/daemon.log" 2>&1) &
daemon=$!
trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -S "$sock" ] && "$work/bin/trellis" status --socket "$sock" >/dev/null 2>&1 && break; sleep 0.1; done
measure() {
    python3 - "$RUNS" "$@" <<'PY'
import subprocess, sys, time, statistics
runs, cmd = int(sys.argv[1]), sys.argv[2:]
xs = []
for _ in range(runs):
    t = time.perf_counter(); subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True); xs.append((time.perf_counter() - t) * 1000)
xs.sort()
print(f"{statistics.median(xs):.1f}\t{xs[int(len(xs) * 0.9) - 1]:.1f}")
PY
}
printf 'client\tp50 ms\tp90 ms\n'
printf 'trellis status, native client (NativeAOT)\t%s\n' "$(measure "$work/bin/trellis" status --socket "$sock")"
printf 'trellis status, the daemon binary (JIT)\t%s\n' "$(measure "$work/bin/daemon/trellis" status --socket "$sock")"
