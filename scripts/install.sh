#!/bin/sh
# Installs libpsjob: the shared and static libraries, the C and C++ headers,
# a pkg-config file and a CMake package.
#
#   PREFIX=/usr/local DESTDIR= scripts/install.sh [--no-build]
#
# Installs (paths under $DESTDIR):
#   $LIBDIR/libpsjob.so.X.Y.Z                the shared library (SONAME libpsjob.so.X)
#   $LIBDIR/libpsjob.so.X -> libpsjob.so.X.Y.Z
#   $LIBDIR/libpsjob.so   -> libpsjob.so.X
#   $LIBDIR/libpsjob.a                       the static library
#   $INCLUDEDIR/psjob.h, $INCLUDEDIR/psjob.hpp
#   $LIBDIR/pkgconfig/psjob.pc
#   $LIBDIR/cmake/psjob/psjobConfig.cmake, psjobConfigVersion.cmake
#                                            (targets psjob::psjob, psjob::psjob_static)
#
# Environment:
#   PREFIX       install prefix, absolute (default /usr/local)
#   DESTDIR      staging root prepended to every path written (default: none);
#                the installed files still name PREFIX
#   LIBDIR       absolute library directory (default $PREFIX/lib)
#   INCLUDEDIR   absolute header directory (default $PREFIX/include)
#   PSJOB_BUILD_DIR     directory holding the built libpsjob.so and libpsjob.a
#                       (default: cargo's target directory /release)
#   PSJOB_LIBS_PRIVATE  overrides the system libraries the static library
#                       needs (default: asked from rustc, plus those the
#                       dependencies' build scripts link)
#   CARGO, RUSTC        the tools (default cargo, rustc)
#
# Options:
#   --no-build   do not run `cargo build --release`; install what is built
#
# Every destination is checked before anything is written (and before the
# build): a directory that cannot be created or written, or a file where a
# directory should be, stops the install with a message and nothing changed.
# Files are copied beside their destination under temporary names, then
# renamed into place; any failure removes what was written, restores what
# was replaced and removes the directories it created.
#
# Needs a POSIX sh, coreutils, sed, and cargo/rustc (readelf, if present, is
# used to check the SONAME). Linux/ELF only. See scripts/uninstall.sh.

set -eu

me=$(basename "$0")
die() {
    printf '%s: error: %s\n' "$me" "$*" >&2
    exit 1
}
note() {
    printf '%s: %s\n' "$me" "$*"
}

usage() {
    sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
}

BUILD=1
for arg in "$@"; do
    case $arg in
    --no-build) BUILD=0 ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) die "unknown argument '$arg' (see --help)" ;;
    esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
CARGO=${CARGO:-cargo}
RUSTC=${RUSTC:-rustc}

# --- paths ----------------------------------------------------------------

. "$ROOT/scripts/paths.sh"
D_PC=$D_LIB/pkgconfig
D_CMAKE=$D_LIB/cmake/psjob

# --- version (from Cargo.toml) -----------------------------------------------

package_field() {
    sed -n '/^\[package\]/,/^\[/{s/^'"$1"'[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p;}' \
        "$ROOT/Cargo.toml" | head -n 1
}
VERSION=$(package_field version)
DESCRIPTION=$(package_field description)
[ -n "$VERSION" ] || die "cannot read the version from $ROOT/Cargo.toml"
MAJOR=${VERSION%%.*}
rest=${VERSION#*.}
MINOR=${rest%%.*}
PATCH=${rest#*.}
PATCH=${PATCH%%[-+]*}
case $MAJOR.$MINOR.$PATCH in
*[!0-9.]* | .* | *..* | *.) die "cannot understand the version '$VERSION' in Cargo.toml" ;;
esac
REAL=libpsjob.so.$MAJOR.$MINOR.$PATCH
SONAME=libpsjob.so.$MAJOR

# --- check every destination before writing anything -------------------------

# A directory that will be created or written into: its nearest existing
# ancestor must be a writable directory, and no file may stand in its way.
check_dir() {
    p=$1
    while [ ! -e "$p" ] && [ ! -L "$p" ]; do
        p=$(dirname "$p")
    done
    if [ ! -d "$p" ]; then
        die "cannot install into $1: $p exists and is not a directory"
    fi
    if [ "$p" = "$1" ]; then
        [ -w "$p" ] && [ -x "$p" ] || die "cannot install into $1: it is not writable"
    else
        [ -w "$p" ] && [ -x "$p" ] ||
            die "cannot install into $1: cannot create it, $p is not writable"
    fi
}

# A file that will be replaced: it must not be a directory.
check_file() {
    if [ -d "$1" ]; then
        die "cannot install $1: a directory is in the way"
    fi
}

check_all() {
    for d in "$D_LIB" "$D_INC" "$D_PC" "$D_CMAKE"; do
        check_dir "$d"
    done
    for f in "$D_LIB/$REAL" "$D_LIB/$SONAME" "$D_LIB/libpsjob.so" "$D_LIB/libpsjob.a" \
        "$D_INC/psjob.h" "$D_INC/psjob.hpp" "$D_PC/psjob.pc" \
        "$D_CMAKE/psjobConfig.cmake" "$D_CMAKE/psjobConfigVersion.cmake"; do
        check_file "$f"
    done
}
check_all

# --- build --------------------------------------------------------------------

if [ "$BUILD" = 1 ]; then
    note "building: $CARGO build --release --lib"
    "$CARGO" build --release --lib --manifest-path "$ROOT/Cargo.toml" ||
        die "cargo build failed; nothing was installed"
fi

if [ -n "${PSJOB_BUILD_DIR:-}" ]; then
    BUILD_DIR=$PSJOB_BUILD_DIR
else
    target=$("$CARGO" metadata --no-deps --format-version 1 --manifest-path "$ROOT/Cargo.toml" \
        2>/dev/null | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p') || target=
    BUILD_DIR=${target:-$ROOT/target}/release
fi
for f in "$BUILD_DIR/libpsjob.so" "$BUILD_DIR/libpsjob.a" "$ROOT/include/psjob.h" \
    "$ROOT/include/psjob.hpp" "$ROOT/psjob.pc.in" "$ROOT/cmake/psjobConfig.cmake.in" \
    "$ROOT/cmake/psjobConfigVersion.cmake.in"; do
    [ -f "$f" ] || die "$f is missing (build first, or set PSJOB_BUILD_DIR)"
done
if command -v readelf >/dev/null 2>&1; then
    built_soname=$(readelf -d "$BUILD_DIR/libpsjob.so" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
    [ "$built_soname" = "$SONAME" ] ||
        die "$BUILD_DIR/libpsjob.so has SONAME '$built_soname', expected $SONAME (a stale build?)"
fi

# --- staging ------------------------------------------------------------------

STAGE=
STATE=staging
JOURNAL=
reverse_lines() { sed '1!G;h;$!d' "$1"; }
tmp_name() { printf '%s/.psjob-new.%s.%s' "$(dirname "$1")" "$$" "$(basename "$1")"; }
old_name() { printf '%s/.psjob-old.%s.%s' "$(dirname "$1")" "$$" "$(basename "$1")"; }

# Undoes what the journal records, newest first.
rollback() {
    [ -n "$JOURNAL" ] && [ -f "$JOURNAL" ] || return 0
    reverse_lines "$JOURNAL" | while IFS= read -r line; do
        path=${line#? }
        case $line in
        C\ *) # committed: restore the old file, or remove the new one
            old=$(old_name "$path")
            new=$(tmp_name "$path")
            if [ -e "$new" ] || [ -L "$new" ]; then
                : # its rename failed: the old file is still in place
            elif [ -e "$old" ] || [ -L "$old" ]; then
                mv -f "$old" "$path" || printf '%s: could not restore %s\n' "$me" "$path" >&2
            else
                rm -f "$path"
            fi
            ;;
        B\ *) rm -f "$(old_name "$path")" ;;
        T\ *) rm -f "$path" ;;
        D\ *) rmdir "$path" 2>/dev/null || : ;;
        esac
    done
}

cleanup() {
    rc=$?
    trap - EXIT
    if [ "$STATE" != done ] && [ -n "$JOURNAL" ]; then
        rollback
        printf '%s: nothing was installed\n' "$me" >&2
    fi
    [ -z "$STAGE" ] || rm -rf "$STAGE"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/psjob-install.XXXXXX") || die "cannot make a staging directory"

# Libs.private: the system libraries a program linking libpsjob.a needs.
libs_from_build_scripts() {
    for out in "$BUILD_DIR"/build/*/output; do
        [ -f "$out" ] || continue
        sed -n 's/^cargo::\{0,1\}rustc-link-lib=//p' "$out"
    done | while IFS= read -r spec; do
        # [KIND[:MODIFIERS]=]NAME[:RENAME]
        case $spec in
        *=*)
            kind=${spec%%=*}
            kind=${kind%%:*}
            name=${spec#*=}
            ;;
        *)
            kind=dylib
            name=$spec
            ;;
        esac
        name=${name%%:*}
        case $kind in
        static) ;; # bundled into libpsjob.a
        framework) printf -- '-framework %s\n' "$name" ;;
        *) printf -- '-l%s\n' "$name" ;;
        esac
    done
}
libs_of_std() {
    printf 'pub fn probe() {}\n' >"$STAGE/probe.rs"
    "$RUSTC" --crate-type staticlib --crate-name psjob_probe --print native-static-libs \
        -o "$STAGE/libpsjob_probe.a" "$STAGE/probe.rs" 2>&1 |
        sed -n 's/^note: native-static-libs: //p' | head -n 1
    rm -f "$STAGE/probe.rs" "$STAGE/libpsjob_probe.a"
}
if [ -n "${PSJOB_LIBS_PRIVATE+set}" ]; then
    LIBS_PRIVATE=$PSJOB_LIBS_PRIVATE
else
    std_libs=$(libs_of_std) || std_libs=
    [ -n "$std_libs" ] ||
        die "cannot ask $RUSTC for the static library's system libraries; set PSJOB_LIBS_PRIVATE"
    LIBS_PRIVATE=
    for w in $(libs_from_build_scripts) $std_libs; do
        case " $LIBS_PRIVATE " in *" $w "*) continue ;; esac
        LIBS_PRIVATE=${LIBS_PRIVATE:+$LIBS_PRIVATE }$w
    done
fi
CMAKE_LIBS=
for w in $LIBS_PRIVATE; do
    case $w in -l*) w=${w#-l} ;; esac
    CMAKE_LIBS=${CMAKE_LIBS:+$CMAKE_LIBS;}$w
done

# Pointer size from the ELF class, for psjobConfigVersion.cmake.
SIZEOF_VOID_P=
if [ "$(od -An -c -N4 "$BUILD_DIR/libpsjob.so" | tr -d ' ')" = '177ELF' ]; then
    case $(od -An -tu1 -j4 -N1 "$BUILD_DIR/libpsjob.so" | tr -d ' ') in
    1) SIZEOF_VOID_P=4 ;;
    2) SIZEOF_VOID_P=8 ;;
    esac
fi

# CMake finds the headers relative to its own file when both directories are
# under the prefix (a relocatable package), else at the absolute INCLUDEDIR.
CMAKE_INCLUDE=$INCLUDEDIR
case $LIBDIR/ in
"$P"/*)
    case $INCLUDEDIR/ in
    "$P"/*)
        ups=$(printf '%s' "${LIBDIR#"$P"/}" | sed 's|[^/][^/]*|..|g')
        inc_rel=${INCLUDEDIR#"$P"}
        CMAKE_INCLUDE="\${_psjob_libdir}/$ups$inc_rel"
        ;;
    esac
    ;;
esac

# The pkg-config file names its directories from ${prefix} where it can.
under_prefix() {
    case $1/ in
    "$P"/*) printf '${prefix}%s' "${1#"$P"}" ;;
    *) printf '%s' "$1" ;;
    esac
}
PC_LIBDIR=$(under_prefix "$LIBDIR")
PC_INCLUDEDIR=$(under_prefix "$INCLUDEDIR")

sed_escape() { printf '%s' "$1" | sed 's/[\\&|]/\\&/g'; }
fill() {
    sed -e "s|@PREFIX@|$(sed_escape "${P:-/}")|g" \
        -e "s|@LIBDIR@|$(sed_escape "$LIBDIR")|g" \
        -e "s|@INCLUDEDIR@|$(sed_escape "$INCLUDEDIR")|g" \
        -e "s|@PC_LIBDIR@|$(sed_escape "$PC_LIBDIR")|g" \
        -e "s|@PC_INCLUDEDIR@|$(sed_escape "$PC_INCLUDEDIR")|g" \
        -e "s|@CMAKE_INCLUDE@|$(sed_escape "$CMAKE_INCLUDE")|g" \
        -e "s|@VERSION@|$(sed_escape "$VERSION")|g" \
        -e "s|@MAJOR@|$MAJOR|g" -e "s|@MINOR@|$MINOR|g" -e "s|@PATCH@|$PATCH|g" \
        -e "s|@REAL@|$REAL|g" -e "s|@SONAME@|$SONAME|g" \
        -e "s|@SIZEOF_VOID_P@|$SIZEOF_VOID_P|g" \
        -e "s|@DESCRIPTION@|$(sed_escape "$DESCRIPTION")|g" \
        -e "s|@LIBS_PRIVATE@|$(sed_escape "$LIBS_PRIVATE")|g" \
        -e "s|@CMAKE_LIBS@|$(sed_escape "$CMAKE_LIBS")|g" \
        "$1"
}

cp "$BUILD_DIR/libpsjob.so" "$STAGE/$REAL"
cp "$BUILD_DIR/libpsjob.a" "$STAGE/libpsjob.a"
cp "$ROOT/include/psjob.h" "$ROOT/include/psjob.hpp" "$STAGE/"
fill "$ROOT/psjob.pc.in" >"$STAGE/psjob.pc"
fill "$ROOT/cmake/psjobConfig.cmake.in" >"$STAGE/psjobConfig.cmake"
fill "$ROOT/cmake/psjobConfigVersion.cmake.in" >"$STAGE/psjobConfigVersion.cmake"

# --- install --------------------------------------------------------------------

# The destinations may have changed during the build: check them again.
check_all

JOURNAL=$STAGE/journal
: >"$JOURNAL"
STATE=placing

# Creates a directory and its missing parents, journaling each one.
make_dir() {
    [ -d "$1" ] && return 0
    make_dir "$(dirname "$1")"
    mkdir "$1" 2>/dev/null || [ -d "$1" ] || die "cannot create the directory $1"
    printf 'D %s\n' "$1" >>"$JOURNAL"
}

# Copies a staged file beside its destination under a temporary name.
place_file() { # place_file SOURCE DEST MODE
    t=$(tmp_name "$2")
    printf 'T %s\n' "$t" >>"$JOURNAL"
    cp "$1" "$t" 2>/dev/null && chmod "$3" "$t" || die "cannot write $t"
}
place_link() { # place_link TARGET DEST
    t=$(tmp_name "$2")
    printf 'T %s\n' "$t" >>"$JOURNAL"
    rm -f "$t"
    ln -s "$1" "$t" || die "cannot create the symbolic link $t"
}

for d in "$D_LIB" "$D_INC" "$D_PC" "$D_CMAKE"; do
    make_dir "$d"
done
place_file "$STAGE/$REAL" "$D_LIB/$REAL" 0755
place_link "$REAL" "$D_LIB/$SONAME"
place_link "$SONAME" "$D_LIB/libpsjob.so"
place_file "$STAGE/libpsjob.a" "$D_LIB/libpsjob.a" 0644
place_file "$STAGE/psjob.h" "$D_INC/psjob.h" 0644
place_file "$STAGE/psjob.hpp" "$D_INC/psjob.hpp" 0644
place_file "$STAGE/psjob.pc" "$D_PC/psjob.pc" 0644
place_file "$STAGE/psjobConfig.cmake" "$D_CMAKE/psjobConfig.cmake" 0644
place_file "$STAGE/psjobConfigVersion.cmake" "$D_CMAKE/psjobConfigVersion.cmake" 0644

# Everything is written: rename into place, keeping the replaced files until
# the end so that a failure can put them back.
STATE=committing
for f in "$D_LIB/$REAL" "$D_LIB/$SONAME" "$D_LIB/libpsjob.so" "$D_LIB/libpsjob.a" \
    "$D_INC/psjob.h" "$D_INC/psjob.hpp" "$D_PC/psjob.pc" \
    "$D_CMAKE/psjobConfig.cmake" "$D_CMAKE/psjobConfigVersion.cmake"; do
    if [ -e "$f" ] || [ -L "$f" ]; then
        printf 'B %s\n' "$f" >>"$JOURNAL"
        cp -P -p "$f" "$(old_name "$f")" 2>/dev/null || die "cannot back up $f"
    fi
    printf 'C %s\n' "$f" >>"$JOURNAL"
    mv -f "$(tmp_name "$f")" "$f" || die "cannot move $f into place"
done
STATE=done
sed -n 's/^B //p' "$JOURNAL" | while IFS= read -r f; do
    rm -f "$(old_name "$f")"
done

note "installed psjob $VERSION into ${DESTDIR:+$DESTDIR:}$P/"
note "  $LIBDIR/$REAL (+ $SONAME, libpsjob.so), $LIBDIR/libpsjob.a"
note "  $INCLUDEDIR/psjob.h, $INCLUDEDIR/psjob.hpp"
note "  $LIBDIR/pkgconfig/psjob.pc, $LIBDIR/cmake/psjob/"
note "  static linking needs: $LIBS_PRIVATE"
