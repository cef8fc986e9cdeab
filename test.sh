#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing, builds everything, and runs every unit
# and integration test. Integration tests need root (network namespaces); under CI=true they never skip.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

deps=(ip:iproute2 tc:iproute2 ping:iputils-ping iperf3:iperf3 tcpdump:tcpdump ethtool:ethtool flock:util-linux python3:python3-minimal
      ovs-vswitchd:openvswitch-switch promtool:prometheus groff:groff-base dpkg-deb:dpkg clang:clang gcc:gcc
      /usr/include/linux/bpf.h:linux-libc-dev systemd-analyze:systemd)
# The container engine the CNI plugin's tests drive, without what it recommends (image tools, rootless helpers):
# podman with its CNI backend, the standard CNI plugins (host-local), runc, and busybox for a root filesystem.
# (busybox-static by its package: Debian's other busybox is at the same path, but needs libraries a bare root has not.)
bare_deps=(podman containernetworking-plugins runc busybox-static)
missing=() missing_bare=()
for d in "${deps[@]}"; do
    { command -v "${d%%:*}" || [[ -e ${d%%:*} ]]; } >/dev/null 2>&1 || missing+=("${d#*:}")
done
for p in "${bare_deps[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing_bare+=("$p")
done
if ((${#missing[@]} + ${#missing_bare[@]})); then
    if [[ $EUID -eq 0 ]]; then
        echo "test.sh: installing ${missing[*]} ${missing_bare[*]}"
        apt-get update -qq
        # The tests run Open vSwitch's daemons themselves, in their namespaces: no service may start at install
        # (without the kernel module it would fail, and the install with it), nor Prometheus's server (the tests use only
        # its promtool). policy-rc.d says so for this install.
        policy=/usr/sbin/policy-rc.d
        own_policy=0
        if [[ ! -e $policy ]]; then
            printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
        fi
        if ((${#missing[@]})); then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
        fi
        if ((${#missing_bare[@]})); then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing_bare[@]}" >/dev/null
        fi
        if ((own_policy)); then
            rm -f "$policy"
        fi
    else
        echo "test.sh: missing ${missing[*]} ${missing_bare[*]}; run as root to install them (integration tests need root anyway)" >&2
    fi
fi

# The kernel data path's checked-in eBPF object must be what its C source compiles to.
bpf/build --check
dotnet build NetBond.slnx -c Release --nologo -v quiet "-clp:NoSummary;ErrorsOnly"
# The integration tests drive the native executable ./netbond builds (ahead of time), as users run it.
./netbond --version >/dev/null
results=.build/test-results
rm -rf "$results"
status=0
dotnet test NetBond.slnx -c Release --no-build --nologo --logger trx --results-directory "$results" || status=$?
# Bonds take the kernel (eBPF) data path by default (datapath=auto). The integration tests that carry frames through
# a bond (trait DataPath=both) run a second time with auto choosing the userspace path (NETBOND_KERNEL_PATH=unavailable
# stands for a kernel without BPF).
echo "test.sh: the integration tests that carry frames, again on the userspace data path"
NETBOND_KERNEL_PATH=unavailable dotnet test tests/NetBond.Integration.Tests/NetBond.Integration.Tests.csproj -c Release --no-build \
    --nologo --logger trx --results-directory "$results/user-path" --filter "DataPath=both" || status=$?

passed=0 failed=0
for trx in "$results"/*.trx "$results"/user-path/*.trx; do
    [[ -f $trx ]] || continue
    counters=$(grep -o '<Counters [^>]*>' "$trx")
    passed=$((passed + $(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")))
    failed=$((failed + $(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")))
done
echo "tests: $passed passed, $failed failed"
exit $status
