#!/bin/sh
# Fails if clang-format would change any C source of the tree.
set -eu
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find src include tests examples -name '*.[ch]')
[ -n "$files" ] || exit 0
# shellcheck disable=SC2086
if ! clang-format --dry-run --Werror $files; then
    echo "check-format: run 'make format' to fix the files above" >&2
    exit 1
fi
echo "check-format: ok"
