#!/usr/bin/env bash
# The whole test suite, on a fresh machine of this kind: restores what the tests need, builds with warnings as
# errors, and runs every test project. Benchmarks (bench/) are not part of it.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Trellis.slnx -c Release
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test Trellis.slnx -c Release --no-build --logger "console;verbosity=minimal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
echo "$passed passed, $failed failed"
exit "$status"
