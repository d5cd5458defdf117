#!/usr/bin/env bash
# The C sources follow .clang-format (make format fixes them). Tables that read better one
# row per line are fenced with /* clang-format off */ ... /* clang-format on */.
set -eu
src=${1:?usage: format.sh SRC_DIR}
root=$(cd "$src/.." && pwd)
if ! command -v clang-format >/dev/null 2>&1; then
    echo "format lint: clang-format is not installed (scripts/deps.sh check installs it)"
    echo "0 passed, 1 failed"
    exit 1
fi
files=$(cd "$root" && find src tests bench -name '*.c' -o -name '*.h' | sort)
if out=$(cd "$root" && clang-format --dry-run -Werror $files 2>&1); then
    echo "format lint: $(echo "$files" | wc -l) files, 1 passed, 0 failed"
else
    echo "$out" | head -20
    echo "format lint: run make format; 0 passed, 1 failed"
    exit 1
fi
