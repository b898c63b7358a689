#!/usr/bin/env bash
# The whole test suite, on a fresh machine of this kind: restores what the tests need, builds with warnings as
# errors, and runs every test project. Benchmarks (bench/) are not part of it.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Trellis.slnx -c Release
dotnet test Trellis.slnx -c Release --no-build --logger "console;verbosity=minimal"
