#!/usr/bin/env bash
# Fails when painpath's sources call a function that src/util/banned.h bans.
set -eu
src=${1:?usage: banned.sh SRC_DIR}
pattern='(^|[^_[:alnum:]])(strcpy|strcat|sprintf|vsprintf|strtok|gets|atoi|localtime)[[:space:]]*\('
if hits=$(grep -rnE "$pattern" --include='*.c' --include='*.h' "$src" | grep -v 'util/banned.h'); then
    echo "banned functions used:"; echo "$hits"; echo "0 passed, 1 failed"; exit 1
fi
echo "banned-function lint: 1 passed, 0 failed"
