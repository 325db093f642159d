#!/bin/sh
# Removes what scripts/install.sh installed.
#
#   PREFIX=/usr/local DESTDIR= scripts/uninstall.sh
#
# Takes the same PREFIX, DESTDIR, LIBDIR and INCLUDEDIR as install.sh.
# Removes libpsjob.so.X.Y.Z (the version named by the installed psjob.pc,
# else by Cargo.toml), the links libpsjob.so.X and libpsjob.so, libpsjob.a,
# psjob.h, psjob.hpp, pkgconfig/psjob.pc and the cmake/psjob directory.
# Other directories are left in place. Files already gone are skipped.

set -eu

me=$(basename "$0")
die() {
    printf '%s: error: %s\n' "$me" "$*" >&2
    exit 1
}

for arg in "$@"; do
    case $arg in
    -h | --help)
        sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
        exit 0
        ;;
    *) die "unknown argument '$arg' (see --help)" ;;
    esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
. "$ROOT/scripts/paths.sh"

VERSION=
if [ -f "$D_LIB/pkgconfig/psjob.pc" ]; then
    VERSION=$(sed -n 's/^Version:[[:space:]]*//p' "$D_LIB/pkgconfig/psjob.pc" | head -n 1)
fi
if [ -z "$VERSION" ]; then
    VERSION=$(sed -n '/^\[package\]/,/^\[/{s/^version[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p;}' \
        "$ROOT/Cargo.toml" | head -n 1)
fi
[ -n "$VERSION" ] || die "cannot tell which version to remove"
MAJOR=${VERSION%%.*}
rest=${VERSION#*.}
MINOR=${rest%%.*}
PATCH=${rest#*.}
PATCH=${PATCH%%[-+]*}

removed=0
remove() {
    if [ -e "$1" ] || [ -L "$1" ]; then
        [ ! -d "$1" ] || [ -L "$1" ] || die "$1 is a directory; not removing it"
        rm -f "$1" || die "cannot remove $1"
        printf '%s: removed %s\n' "$me" "$1"
        removed=$((removed + 1))
    fi
}

remove "$D_LIB/libpsjob.so"
remove "$D_LIB/libpsjob.so.$MAJOR"
remove "$D_LIB/libpsjob.so.$MAJOR.$MINOR.$PATCH"
remove "$D_LIB/libpsjob.a"
remove "$D_INC/psjob.h"
remove "$D_INC/psjob.hpp"
remove "$D_LIB/pkgconfig/psjob.pc"
remove "$D_LIB/cmake/psjob/psjobConfig.cmake"
remove "$D_LIB/cmake/psjob/psjobConfigVersion.cmake"
if [ -d "$D_LIB/cmake/psjob" ]; then
    rmdir "$D_LIB/cmake/psjob" 2>/dev/null ||
        printf '%s: %s is not empty; left in place\n' "$me" "$D_LIB/cmake/psjob" >&2
fi
printf '%s: %d files of psjob %s removed from %s\n' "$me" "$removed" "$VERSION" \
    "${DESTDIR:+$DESTDIR:}${P:-/}"
