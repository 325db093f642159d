# Sourced by install.sh and uninstall.sh (which define die()): resolves
# PREFIX, LIBDIR, INCLUDEDIR and DESTDIR the same way for both, and sets
# D_LIB and D_INC, the directories as written under DESTDIR.

nl='
'
for v in "${PREFIX-}" "${DESTDIR-}" "${LIBDIR-}" "${INCLUDEDIR-}" "${PSJOB_BUILD_DIR-}"; do
    case $v in *"$nl"*) die "paths with a newline are not supported" ;; esac
done

PREFIX=${PREFIX:-/usr/local}
case $PREFIX in /*) ;; *) die "PREFIX must be an absolute path, not '$PREFIX'" ;; esac
# Without trailing slashes ("/" becomes "": "$P/lib" is then "/lib").
P=$(printf '%s' "$PREFIX" | sed 's|/*$||')
LIBDIR=${LIBDIR:-$P/lib}
INCLUDEDIR=${INCLUDEDIR:-$P/include}
for v in "$LIBDIR" "$INCLUDEDIR"; do
    case $v in /*) ;; *) die "LIBDIR and INCLUDEDIR must be absolute paths, not '$v'" ;; esac
done
LIBDIR=$(printf '%s' "$LIBDIR" | sed 's|/*$||')
INCLUDEDIR=$(printf '%s' "$INCLUDEDIR" | sed 's|/*$||')
DESTDIR=${DESTDIR:-}
if [ -n "$DESTDIR" ]; then
    case $DESTDIR in /*) ;; *) DESTDIR=$(pwd -P)/$DESTDIR ;; esac
    DESTDIR=$(printf '%s' "$DESTDIR" | sed 's|/*$||')
fi

D_LIB=$DESTDIR$LIBDIR
D_INC=$DESTDIR$INCLUDEDIR
