#!/usr/bin/env bash
# The whole test suite, on a fresh machine of this kind: restores what the tests need, builds with warnings as
# errors, and runs every test project. Benchmarks (bench/) are not part of it.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The supervise and daemon tests drive them with the real daemontools and runit clients (svc, svok, svstat, sv), and
# use fuser and od as the seed does; the cluster tests start Debian's etcd on loopback (and cut a node off with network namespaces, ip); the dashboard test runs Debian's Chromium through chromedriver; the access tests
# act as another user with setpriv; the CLI tests check the zsh completion script and give the CLI a terminal with script.
need=()
for tool in etcd:etcd-server ip:iproute2 svc:daemontools sv:runit fuser:psmisc od:coreutils setpriv:util-linux curl:curl script:bsdutils zsh:zsh chromium:chromium chromedriver:chromium-driver; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool##*:}")
done
if ((${#need[@]})); then
    echo "installing ${need[*]} for the tests"
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; fi
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# Release is what ships; Debug runs the same tests once more with the invariants' Debug.Assert compiled in (a failed
# assert ends the test host, so the run fails).
# The packages (libraries and tools) are packed from the Release build into artifacts/packages, where the package
# tests install them into fresh projects; those tests run once, with Release. The native supervise is published to
# artifacts/supervise once, and both runs test it.
for configuration in Release Debug; do
    echo "== $configuration"
    dotnet build Trellis.slnx -c "$configuration"
    filter=()
    if [ "$configuration" = Release ]; then
        rm -rf artifacts/packages
        dotnet pack Trellis.slnx -c Release --no-build -o artifacts/packages >/dev/null
        # supervise as it ships, NativeAOT: the supervise tests run this binary. The same for the native trellis
        # client, with the daemon's binary in daemon/ beside it for `trellis up` to hand over to.
        dotnet publish src/Trellis.Supervise -c Release -r linux-x64 -p:PublishAot=true -o artifacts/supervise >/dev/null
        rm -rf artifacts/trellis
        dotnet publish src/Trellis.Cli -c Release -r linux-x64 -p:PublishAot=true -o artifacts/trellis >/dev/null
        dotnet publish src/Trellis.Daemon -c Release --no-build -o artifacts/trellis/daemon >/dev/null
    else
        filter=(--filter "FullyQualifiedName!~Trellis.Packages.Tests")
    fi
    set +e
    # One test project at a time (-m:1): the fault tests freeze, kill and partition real processes against real
    # timeouts, and two projects doing that at once on two cores made each other's deadlines flaky.
    dotnet test Trellis.slnx -c "$configuration" --no-build -m:1 "${filter[@]}" --logger "console;verbosity=minimal" 2>&1 | tee -a "$log"
    ((PIPESTATUS[0] == 0)) || status=1
    set -e
done
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s += $2} END {print s + 0}')
echo "$passed passed, $failed failed (Release and Debug)"
exit "$status"
