#!/bin/sh
# `make run`: a name server (in the background) and a broker (in the foreground)
# on this machine with local defaults: name server on 127.0.0.1:9876, broker on
# 127.0.0.1:10911, data and logs under $RAMJET_DATA (default ~/ramjet-data).
# Ctrl-C (or SIGTERM) stops both cleanly.
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin}
DATA=${RAMJET_DATA:-$HOME/ramjet-data}
NAMESRV_PORT=${NAMESRV_PORT:-9876}
BROKER_PORT=${BROKER_PORT:-10911}

mkdir -p "$DATA/namesrv" "$DATA/store" "$DATA/logs"
echo "Ramjet data and logs: $DATA"

cat > "$DATA/namesrv.conf" <<CONF
listenPort=$NAMESRV_PORT
kvConfigPath=$DATA/namesrv/kvConfig.json
logDir=$DATA/logs
CONF
cat > "$DATA/broker.conf" <<CONF
brokerClusterName=DefaultCluster
brokerName=broker-a
brokerId=0
brokerIP1=127.0.0.1
listenPort=$BROKER_PORT
namesrvAddr=127.0.0.1:$NAMESRV_PORT
storePathRootDir=$DATA/store
logDir=$DATA/logs
mappedFileSizeCommitLog=134217728
deleteWhen=04
fileReservedTime=48
brokerRole=ASYNC_MASTER
flushDiskType=ASYNC_FLUSH
CONF

PORT_FILE="$DATA/namesrv.port"
rm -f "$PORT_FILE"
# The name server runs in its own session so that Ctrl-C reaches only the broker and this
# script: the broker then unregisters from a name server that is still up, and the script
# stops the name server last.
SETSID=
if command -v setsid >/dev/null 2>&1; then
    SETSID=setsid
fi
RJ_PORT_FILE="$PORT_FILE" $SETSID "$BIN/mqnamesrv" -c "$DATA/namesrv.conf" &
NAMESRV_PID=$!
BROKER_PID=

stop() {
    trap - INT TERM
    if [ -n "$BROKER_PID" ]; then
        kill -TERM "$BROKER_PID" 2>/dev/null || true
        wait "$BROKER_PID" 2>/dev/null || true
    fi
    kill -TERM "$NAMESRV_PID" 2>/dev/null || true
    wait "$NAMESRV_PID" 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM

# The name server writes its port once it listens.
i=0
while [ ! -s "$PORT_FILE" ]; do
    if ! kill -0 "$NAMESRV_PID" 2>/dev/null; then
        echo "mqnamesrv failed to start (see $DATA/logs/namesrv.log)" >&2
        exit 1
    fi
    i=$((i + 1))
    if [ "$i" -gt 200 ]; then
        echo "mqnamesrv did not start in time" >&2
        stop
        exit 1
    fi
    sleep 0.05
done

"$BIN/mqbroker" -c "$DATA/broker.conf" &
BROKER_PID=$!
status=0
wait "$BROKER_PID" || status=$?
BROKER_PID=
stop
exit "$status"
