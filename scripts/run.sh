#!/bin/sh
# `make run`: a name server on this machine with local defaults, in the foreground.
set -eu
cd "$(dirname "$0")/.."
BIN=build/bin
exec "$BIN/mqnamesrv"
