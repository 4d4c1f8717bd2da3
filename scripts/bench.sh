#!/bin/sh
# Runs one mqbench configuration against a fresh name server, broker and store
# directory, as the README's performance tables were taken. Prints mqbench's
# final JSON object (with the broker's peak RssAnon) on stdout.
#
#   scripts/bench.sh [--sync-flush] MQBENCH_ARGS...
#   e.g. scripts/bench.sh produce -t Bench8 --mode async --threads 2 --producers 2 \
#            --duration 25 --warmup 5
#
# Uses build/bin (run `make` first); ports are chosen by the kernel.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/bin"
flush=ASYNC_FLUSH
if [ "${1:-}" = "--sync-flush" ]; then
    flush=SYNC_FLUSH
    shift
fi
[ $# -gt 0 ] || { echo "usage: $0 [--sync-flush] MQBENCH_ARGS..." >&2; exit 2; }

work=$(mktemp -d /tmp/ramjet-bench.XXXXXX)
ns_pid=
br_pid=
cleanup() {
    [ -n "$br_pid" ] && kill "$br_pid" 2>/dev/null && wait "$br_pid" 2>/dev/null
    [ -n "$ns_pid" ] && kill "$ns_pid" 2>/dev/null && wait "$ns_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

wait_file() {
    i=0
    while [ ! -s "$1" ]; do
        i=$((i + 1))
        [ $i -lt 200 ] || { echo "$2 did not start (see $work)" >&2; exit 1; }
        sleep 0.05
    done
}

printf 'listenPort=0\nlogDir=%s\n' "$work/logs" >"$work/namesrv.conf"
RJ_PORT_FILE="$work/ns.port" \
    "$bin/mqnamesrv" -c "$work/namesrv.conf" >"$work/namesrv.out" 2>&1 &
ns_pid=$!
wait_file "$work/ns.port" mqnamesrv
ns="127.0.0.1:$(cat "$work/ns.port")"

cat >"$work/broker.conf" <<EOF
brokerClusterName=DefaultCluster
brokerName=broker-a
brokerId=0
brokerRole=ASYNC_MASTER
flushDiskType=$flush
brokerIP1=127.0.0.1
listenPort=0
namesrvAddr=$ns
storePathRootDir=$work/store
logDir=$work/logs
EOF
RJ_PORT_FILE="$work/br.port" \
    "$bin/mqbroker" -c "$work/broker.conf" >"$work/broker.out" 2>&1 &
br_pid=$!
wait_file "$work/br.port" mqbroker
# The broker answers once it is registered; give the name server a moment to route.
sleep 1

"$bin/mqbench" "$@" -n "$ns" --report-rss "$br_pid" --json
