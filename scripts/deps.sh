#!/bin/sh
# Installs the Debian packages the build and the tests need, when missing.
# Runs apt-get (as root, or through sudo) only if something is missing.
set -eu

PACKAGES="gcc make cmake ninja-build pkg-config libuv1-dev libjansson-dev zlib1g-dev \
libcmocka-dev clang libclang-rt-14-dev clang-format python3"

missing=""
for p in $PACKAGES; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
# Node.js runs the interop tests with the ali-ons client; any installed node will do.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    missing="$missing nodejs npm"
fi

if [ -n "$missing" ]; then
    echo "deps: installing:$missing"
    if [ "$(id -u)" -eq 0 ]; then
        SUDO=""
    elif command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "deps: missing packages:$missing (run as root or install them)" >&2
        exit 1
    fi
    $SUDO apt-get update
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
fi

# npm packages of the interop tests, exactly as locked.
if [ -f tests/interop/package-lock.json ]; then
    if [ ! -d tests/interop/node_modules ] ||
        [ tests/interop/package-lock.json -nt tests/interop/node_modules/.package-lock.json ]; then
        (cd tests/interop && npm ci --no-audit --no-fund)
    fi
fi
