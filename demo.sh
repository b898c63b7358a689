#!/usr/bin/env bash
# The main job's demo: one trellis daemon supervising examples/demo.yaml (an HTTP service, a worker that depends on
# it under rest_for_one, a flaky program that crashes every few seconds, and two in-process .NET workers), with the
# live dashboard. Ctrl-C stops the tree in reverse order.
#   ./demo.sh            the daemon and its dashboard (http://127.0.0.1:7070/; `trellis dashboard` gives a link that signs in)
#   ./demo.sh library    the library examples instead: seed 004's Stack, seed 003's KV, KV as an application
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if [ "${1:-}" = library ]; then
    echo "== seed 004: Stack under a one_for_one supervisor"
    dotnet run -c Release --project examples/Stack
    echo
    echo "== seed 003: KV registry and buckets under one_for_all, buckets in a DynamicSupervisor"
    dotnet run -c Release --project examples/KV
    echo
    echo "== seed 003 on Registry, Task.Supervisor and Application, with durable sessions"
    dotnet run -c Release --project examples/Apps
    exit 0
fi
dotnet build src/Trellis.Daemon -c Release -v q -nologo
dotnet build examples/DemoServices -c Release -v q -nologo
trellis=src/Trellis.Daemon/bin/Release/net10.0/trellis
echo
echo "Starting the demo tree. In another terminal:"
echo "  $trellis status            $trellis tree"
echo "  $trellis kill http         (watch the worker restart with it: rest_for_one)"
echo "  $trellis logs flaky -f     svc -d examples/.trellis/demo/flaky"
echo "  $trellis dashboard         (a link to http://127.0.0.1:7070/ that signs the browser in)"
echo "Ctrl-C here stops the tree in reverse order."
echo
exec "$trellis" up examples/demo.yaml "$@"
