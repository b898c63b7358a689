#!/usr/bin/env bash
# The main job's demo: seed 004's Stack and seed 003's KV tree under Trellis supervisors, then KV as an
# application on Registry, Task.Supervisor and durable children.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "== seed 004: Stack under a one_for_one supervisor"
dotnet run -c Release --project examples/Stack
echo
echo "== seed 003: KV registry and buckets under one_for_all, buckets in a DynamicSupervisor"
dotnet run -c Release --project examples/KV
echo
echo "== seed 003 on Registry, Task.Supervisor and Application, with durable sessions"
dotnet run -c Release --project examples/Apps
