#!/usr/bin/env bash
# Trellis beside Akka.NET 1.5.74 and Proto.Actor 1.8.0: the same workloads in one process and one run, medians of the
# rounds (5 by default), the peers taking turns within each round. Not part of the tests.
#   bench/peers.sh            full sizes (10,000 crashes, 100,000 calls, 2,000,000 messages), a few minutes
#   bench/peers.sh --quick    a tenth of that
#   bench/peers.sh --rounds 9 more rounds, for a noisy machine
#   bench/peers.sh --warmup 10   warm up for 10 s instead of 5 (tenth-size rounds, until every path is at its last tier)
#   bench/peers.sh --only crash,messages   some of the workloads (crash, spawn, call, start_child, messages)
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build bench/Trellis.Bench.Peers -c Release >/dev/null
exec dotnet bench/Trellis.Bench.Peers/bin/Release/net10.0/Trellis.Bench.Peers.dll "$@"
