#!/usr/bin/env bash
# Build libfuse with meson, -Dwerror=true, as libfuse's own CI builds it
# (test/ci-build.sh): the work tree for the VM run, or another checkout for
# the gate. An existing build directory is reconfigured and rebuilt
# incrementally.
#
# usage: build-libfuse.sh [--cc gcc|clang] [--release] [SRC [BUILDDIR]]
#   --release an optimized build, -O2 with asserts (make bench), not
#             libfuse's default debug build
#   SRC       libfuse source tree (default: the work tree, $TREE)
#   BUILDDIR  meson build directory (default: $LIBFUSE_VM_BUILD, lib.sh)
set -euo pipefail
export BASE=libfuse
. "$(dirname "$0")/lib.sh"

usage() {
	die "usage: build-libfuse.sh [--cc gcc|clang] [--release] [SRC [BUILDDIR]]"
}
cc=gcc
if [ "${1:-}" = --cc ]; then
	[ $# -ge 2 ] || usage
	cc=$2
	shift 2
fi
opts=(-Dwerror=true)
if [ "${1:-}" = --release ]; then
	opts+=(-Dbuildtype=debugoptimized)
	shift
fi
case $cc in
gcc) cxx=g++ ;;
clang) cxx=clang++ ;;
*) usage ;;
esac
[ $# -le 2 ] || usage
src=${1:-$TREE}
bdir=${2:-$LIBFUSE_VM_BUILD}
if [ ! -f "$src/meson.build" ] || [ ! -f "$src/lib/fuse_lowlevel.c" ]; then
	die "$src is not a libfuse tree; run 'make libfuse-tree' first"
fi
for t in meson ninja "$cc" "$cxx"; do
	command -v "$t" >/dev/null || die "$t is missing; run 'make deps'"
done

if [ -f "$bdir/build.ninja" ] && [ "$(cat "$bdir/.cc" 2>/dev/null)" = "$cc" ]; then
	meson setup --reconfigure "${opts[@]}" "$bdir" "$src" >"$bdir/setup.log" 2>&1 ||
		{ cat "$bdir/setup.log" >&2; die "meson setup --reconfigure failed in $bdir"; }
else
	rm -rf "$bdir"
	mkdir -p "$bdir"
	CC=$cc CXX=$cxx meson setup "${opts[@]}" "$bdir" "$src" >"$bdir/setup.log" 2>&1 ||
		{ cat "$bdir/setup.log" >&2; die "meson setup failed in $bdir"; }
	echo "$cc" >"$bdir/.cc"
fi
# the machine has 2 cores; libfuse builds in about 30 s on one of them
ninja -C "$bdir" -j"${LIBFUSE_JOBS:-2}" >"$bdir/build.log" 2>&1 ||
	{ grep -E 'error|warning' "$bdir/build.log" | head -n 20 >&2; die "$src does not build with $cc (see $bdir/build.log)"; }
say "libfuse $(git -C "$src" describe --always 2>/dev/null || echo "$src") built with $cc in $bdir"
