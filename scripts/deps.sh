#!/usr/bin/env bash
# scripts/deps.sh [GROUP...] — install the Debian/Ubuntu packages painpath needs.
#
# Quick when everything is there: one dpkg-query, no network. Otherwise one
# `apt-get update` and one `apt-get install` of what is missing (as root, or
# through sudo). Groups: build check bench format, or all (the default).
# Set PP_NO_DEPS=1 to skip this step entirely (offline machines, other distros).
set -euo pipefail

# One line per package: GROUP PACKAGE. Adding a dependency is adding a line.
# A name starting with @ is resolved at run time (see resolve below).
PACKAGES='
build   gcc
build   make
build   cmake
build   pkg-config
build   libcjson-dev
build   libcmocka-dev
build   libsqlite3-dev
build   libmicrohttpd-dev
build   libsodium-dev
check   sqlite3
check   openssl
check   nodejs
check   clang
check   @clang-rt
check   llvm
bench   hyperfine
bench   wrk
bench   nginx-light
bench   curl
bench   python3
check   python3
check   clang-format
format  clang-format
'

say() { printf 'deps: %s\n' "$*" >&2; }

if [[ "${PP_NO_DEPS:-0}" == 1 ]]; then
    say "PP_NO_DEPS=1: not checking packages"
    exit 0
fi

groups=("$@")
[[ ${#groups[@]} -eq 0 ]] && groups=(all)

# @clang-rt: the compiler-rt archives (libFuzzer, sanitizers) for the installed
# clang. Debian 12 and Ubuntu 23.04+ split them into libclang-rt-N-dev; older
# releases ship them inside libclang-common-N-dev, so there is nothing to add.
resolve() {
    case "$1" in
    @clang-rt)
        command -v clang >/dev/null 2>&1 || return 0
        local major
        major=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
        [[ -n "$major" ]] && echo "libclang-rt-$major-dev"
        ;;
    @*) say "unknown package alias $1"; return 1 ;;
    *) echo "$1" ;;
    esac
}

# Packages of the requested groups, in table order. pass=1: plain names;
# pass=2: the @ names, resolved after the first install (they may need clang).
wanted() {
    local pass=$1 group pkg g
    while read -r group pkg _; do
        [[ -z "${group:-}" ]] && continue
        for g in "${groups[@]}"; do
            if [[ "$g" == all || "$g" == "$group" ]]; then
                if [[ "$pkg" == @* ]]; then
                    [[ $pass == 2 ]] && resolve "$pkg"
                else
                    [[ $pass == 1 ]] && echo "$pkg"
                fi
                break
            fi
        done
    done <<<"$PACKAGES"
}

missing_of() {
    local p status
    for p in "$@"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [[ "$status" == installed ]] || echo "$p"
    done
}

as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        say "need root to run: $*  (not root, and no sudo)"
        return 1
    fi
}

updated=0
update_once() {
    [[ $updated == 1 ]] && return 0
    updated=1
    say "apt-get update"
    as_root apt-get -q -o DPkg::Lock::Timeout=300 update >/dev/null ||
        say "apt-get update failed; going on with the package lists there are"
}

install() {
    local -a pkgs=("$@")
    [[ ${#pkgs[@]} -eq 0 ]] && return 0
    if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null 2>&1; then
        say "missing: ${pkgs[*]}; installing needs root (or sudo, which is not here)"
        say "as root: apt-get install ${pkgs[*]}   (or set PP_NO_DEPS=1 to skip this check)"
        exit 1
    fi
    update_once
    say "installing: ${pkgs[*]}"
    local -a opts=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=300)
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install "${opts[@]}" "${pkgs[@]}"; then
        say "FAILED to install: ${pkgs[*]}"
        say "install them by hand (sudo apt-get install ${pkgs[*]}) or set PP_NO_DEPS=1"
        exit 1
    fi
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    say "not a Debian/Ubuntu system: install the equivalents of these yourself:"
    say "  $(wanted 1 | tr '\n' ' ')"
    exit 0
fi

mapfile -t need < <(missing_of $(wanted 1))
install "${need[@]}"
# Resolved names may not exist on every release (see resolve): skip those.
mapfile -t need < <(missing_of $(wanted 2))
if [[ ${#need[@]} -gt 0 ]]; then
    update_once
    avail=()
    for p in "${need[@]}"; do
        if apt-cache show "$p" >/dev/null 2>&1; then
            avail+=("$p")
        else
            say "$p is not in this release's archive; not needed here"
        fi
    done
    install "${avail[@]}"
fi
exit 0
