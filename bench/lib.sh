# Shared by bench/run: namespaces, the systems compared, and the measurements. Sourced, not run.
# Topology (src/NetBond/LabNetwork.cs, as the demo and the integration tests build it): host eth0..ethN-1 ->
# switch (Linux bridge) -> peer 198.18.0.2.

BENCH_ID=$$
H=nbb-h$BENCH_ID S=nbb-s$BENCH_ID P=nbb-p$BENCH_ID W=nbb-w$BENCH_ID
STATE="$(mktemp -d)"
DAEMON_PID=""
export NETBOND_STATE_DIR="$STATE"
# The bench starts and stops its own daemon; a CLI call after that must not start another behind its back.
export NETBOND_NO_AUTOSTART=1

nb() { ip netns exec "$H" "$NETBOND" "$@"; }

topology_up() { # members
    for ns in $H $S $P; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
    ip -n $S link add br0 type bridge && ip -n $S link set br0 up
    for ((i = 0; i < $1; i++)); do
        ip link add eth$i netns $H type veth peer name sw$i netns $S
        ip -n $S link set sw$i master br0 && ip -n $S link set sw$i up
    done
    ip link add eth0 netns $P type veth peer name swp netns $S
    ip -n $S link set swp master br0 && ip -n $S link set swp up
    ip -n $P addr add 198.18.0.2/24 dev eth0 && ip -n $P link set eth0 up
    ip netns exec $H "$NETBOND" daemon 2>>"$STATE/daemon.log" &
    DAEMON_PID=$!
    for _ in $(seq 100); do nb status >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "bench: the daemon did not start" >&2; return 1
}

topology_down() {
    set +e
    if [[ -n $DAEMON_PID ]]; then kill -TERM "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=""; fi
    ovs_stop
    lacp_switch_off
    # iperf3 servers and the scale scenario's baseline daemons record their PIDs here.
    for f in "$STATE"/*.pid; do [[ -f $f ]] && kill "$(cat "$f")" 2>/dev/null; rm -f "$f"; done
    for ns in $H $S $P $W $(ip netns list | awk -v c="${P}c" 'index($1, c) == 1 { print $1 }'); do ip netns del "$ns" 2>/dev/null; done
    set -e
}

# Link capacity, shaped on the switch side: tbf on the switch port for what the host receives, and an IFB
# with tbf for what the switch receives from the host. Never on the host's members (packet sockets skip it).
shape() { # port rate
    local port=$1 rate=$2
    ip -n $S link add ifb-$port type ifb && ip -n $S link set ifb-$port up
    ip netns exec $S tc qdisc add dev "$port" root tbf rate "$rate" burst 256kb latency 20ms
    ip netns exec $S tc qdisc add dev "$port" handle ffff: ingress
    ip netns exec $S tc filter add dev "$port" parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev ifb-$port
    ip netns exec $S tc qdisc add dev ifb-$port root tbf rate "$rate" burst 256kb latency 20ms
}

# Link I through a rate-limited wire instead of straight to the switch: eth I -> waI, wbI -> swI in a wire
# namespace, where tc mirred hands every frame across and tbf limits each direction. Unlike a bridge it carries
# LACPDUs, and unlike shaping on the switch (whose OVS reads its ports before tc ingress) or on the host's
# members (whose qdisc OVS deletes when it takes a port) it limits every system compared the same way.
wire_shape() { # index rate
    local i=$1 rate=$2
    ip netns list | grep -q "^$W" || { ip netns add $W; ip -n $W link set lo up; }
    ip -n $S link del sw$i
    ip link add eth$i netns $H type veth peer name wa$i netns $W
    ip link add wb$i netns $W type veth peer name sw$i netns $S
    ip -n $S link set sw$i up
    local a b
    for a in wa$i wb$i; do
        b=${a/wa/wb}; [[ $a == wb* ]] && b=${a/wb/wa}
        ip -n $W link set $a up
        ip netns exec $W tc qdisc add dev $a handle ffff: ingress
        ip netns exec $W tc filter add dev $a parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev $b
        ip netns exec $W tc qdisc add dev $a root tbf rate "$rate" burst 256kb latency 20ms
    done
}

# --- the systems compared ---------------------------------------------------------------------------
bare_on()  { ip -n $H addr add 198.18.0.1/24 dev eth0; ip -n $H link set eth0 up; }
bare_off() { ip -n $H addr flush dev eth0; ip -n $H link set eth0 down; }

netbond_on() { # mode members [options...]
    local mode=$1 members=$2; shift 2
    nb add bond0 "mode=$mode" "$@" >/dev/null
    ip -n $H addr add 198.18.0.1/24 dev bond0 && ip -n $H link set bond0 up
    nb enslave bond0 $(seq -f 'eth%g' 0 $((members - 1)))
    for _ in $(seq 50); do nb status bond0 | grep -q 'going back' || break; sleep 0.1; done
}
netbond_off() { nb del bond0 >/dev/null; }

# Open vSwitch's two daemons with everything in one private folder, each command through RUNNER (a function that
# runs it in the right namespace with OVS_RUNDIR/LOGDIR/DBDIR set): the host's OVS bond below, the LACP switch after.
ovs_daemons_start() { # runner dir default|tso
    local run=$1 dir=$2
    mkdir -p "$dir"
    $run ovsdb-tool create "$dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
    $run ovsdb-server -vconsole:off "$dir/conf.db" --remote=punix:"$dir/db.sock" --unixctl="$dir/ovsdb-server.ctl" \
        --pidfile="$dir/ovsdb-server.pid" --detach --log-file="$dir/ovsdb-server.log"
    $run ovs-vsctl --db=unix:"$dir/db.sock" --no-wait init
    if [[ $3 == tso ]]; then
        $run ovs-vsctl --db=unix:"$dir/db.sock" --no-wait set Open_vSwitch . other_config:userspace-tso-enable=true
    fi
    $run ovs-vswitchd -vconsole:off unix:"$dir/db.sock" --disable-system --unixctl="$dir/ovs-vswitchd.ctl" \
        --pidfile="$dir/ovs-vswitchd.pid" --detach --log-file="$dir/ovs-vswitchd.log"
}
ovs_daemons_stop() { # runner dir: exits both daemons and waits until they are gone, so the next start finds no leftovers
    local run=$1 dir=$2 pids=()
    for f in "$dir"/ovs-vswitchd.pid "$dir"/ovsdb-server.pid; do [[ -f $f ]] && pids+=("$(cat "$f")"); done
    [[ -S $dir/ovs-vswitchd.ctl ]] && $run ovs-appctl -t "$dir/ovs-vswitchd.ctl" exit --cleanup >/dev/null 2>&1
    [[ -S $dir/ovsdb-server.ctl ]] && $run ovs-appctl -t "$dir/ovsdb-server.ctl" exit >/dev/null 2>&1
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    rm -rf "$dir"
    return 0
}

# Open vSwitch's userspace datapath (no kernel module), an active-backup bond over the same veths.
OVS_DIR="$STATE/ovs"
ovs() { ip netns exec $H env OVS_RUNDIR="$OVS_DIR" OVS_LOGDIR="$OVS_DIR" OVS_DBDIR="$OVS_DIR" "$@"; }
ovs_on() { # default|tso [bond options...]   (default: active-backup)
    local tso=$1; shift
    ovs_daemons_start ovs "$OVS_DIR" "$tso"
    ovs ovs-vsctl --db=unix:"$OVS_DIR/db.sock" add-br br-bond -- set bridge br-bond datapath_type=netdev
    ip -n $H link set eth0 up; ip -n $H link set eth1 up
    ovs ovs-vsctl --db=unix:"$OVS_DIR/db.sock" add-bond br-bond bond0 eth0 eth1 "${@:-bond_mode=active-backup}"
    # The netdev datapath does not complete partial checksums: the far ends must send them whole (§9).
    ip netns exec $S ethtool -K sw0 tx off >/dev/null; ip netns exec $S ethtool -K sw1 tx off >/dev/null
    ip -n $H addr add 198.18.0.1/24 dev br-bond && ip -n $H link set br-bond up
    sleep 1
}
ovs_off() {
    ovs_stop
    ip netns exec $S ethtool -K sw0 tx on >/dev/null; ip netns exec $S ethtool -K sw1 tx on >/dev/null
    ip -n $H link set eth0 down; ip -n $H link set eth1 down
}
ovs_stop() { ovs_daemons_stop ovs "$OVS_DIR"; }

# An LACP switch: Open vSwitch's userspace datapath in the switch namespace, sw0 and sw1 in one LACP bond
# (lacp=active, fast, balance-tcp) and swp, in place of the Linux bridge. userspace-tso-enable lets it carry the
# host's 64 KiB TCP frames.
SW_DIR="$STATE/ovs-switch"
sw_ovs() { ip netns exec $S env OVS_RUNDIR="$SW_DIR" OVS_LOGDIR="$SW_DIR" OVS_DBDIR="$SW_DIR" "$@"; }
lacp_switch_on() {
    for p in sw0 sw1 swp; do ip -n $S link set $p nomaster; done
    ovs_daemons_start sw_ovs "$SW_DIR" tso
    sw_ovs ovs-vsctl --db=unix:"$SW_DIR/db.sock" add-br br-sw -- set bridge br-sw datapath_type=netdev \
        -- add-bond br-sw lag sw0 sw1 lacp=active bond_mode=balance-tcp other_config:lacp-time=fast -- add-port br-sw swp
}
lacp_switch_off() { ovs_daemons_stop sw_ovs "$SW_DIR"; }

# --- measurements -----------------------------------------------------------------------------------
iperf_server() { # [port]
    local port=${1:-5201}
    ip netns exec $P iperf3 -s -1 -D -p "$port" -I "$STATE/iperf-$port.pid" >/dev/null
    sleep 0.3
}

tcp_gbps() { # iperf3 client flags... -> receiver Gbit/s
    iperf_server
    ip netns exec $H timeout $((SECS + 20)) iperf3 -c 198.18.0.2 -t "$SECS" -f g "$@" 2>/dev/null \
        | awk '/receiver/ { v = $(NF-2) } END { print (v == "" ? 0 : v) }'
    sleep 0.3
}

udp64_kpps() { # [iperf3 client flags...] 64-byte frames (18-byte UDP payload) as fast as iperf3 sends them -> received kpps
    iperf_server
    ip netns exec $H timeout $((SECS + 20)) iperf3 -c 198.18.0.2 -u -l 18 -b 0 -t "$SECS" "$@" 2>/dev/null \
        | awk -v s="$SECS" '/receiver/ { split($(NF-2), a, "/"); v = (a[2] - a[1]) / s / 1000 } END { printf "%.0f\n", v }'
    sleep 0.3
}

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

json_field() { # json-text path... (python3 reads iperf3/netbond JSON)
    /usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); [d := d[int(k)] if k.isdigit() else d[k] for k in sys.argv[2:]]; print(d)' "$@"
}
