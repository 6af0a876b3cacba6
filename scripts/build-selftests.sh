#!/usr/bin/env bash
# Install the work tree's uapi headers and build and install the fuse
# kselftests against them, into $WORK_DIR/kselftest (run_kselftest.sh and
# the filesystems/fuse collection), and the project's own tests of
# tests/kernel as the collection $KTESTS_COLLECTION (lib.sh) beside it,
# with their settings file, and record there, on the host, the
# test cases each program has (expected-cases.sh: "PROGRAM -l", into
# expected-cases/), which the judge holds the VM run to. Compiler warnings
# are shown, and with WERROR=1 they fail the build. LLVM=1 builds with
# clang instead of gcc.
#
# usage: build-selftests.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 0 ] || die "usage: build-selftests.sh"
[ -f "$TREE/Makefile" ] || die "no work tree in $TREE; run 'make tree' first"

hdr=$WORK_DIR/headers
out=$WORK_DIR/kselftest-build
inst=$WORK_DIR/kselftest
say "installing uapi headers into $hdr"
install_headers "$TREE" "$hdr"
rm -rf "$inst"
mkdir -p "$out"
extra=()
[ "${WERROR:-0}" = 1 ] && extra+=(USERCFLAGS=-Werror)
[ "${LLVM:-0}" = 1 ] && extra+=(LLVM=1)
say "building tools/testing/selftests/filesystems/fuse"
make -C "$TREE/tools/testing/selftests" TARGETS=filesystems/fuse \
	O="$out" KHDR_INCLUDES="-isystem $hdr/include" INSTALL_PATH="$inst" \
	"${extra[@]}" install
say "building tests/kernel into the collection $KTESTS_COLLECTION"
mkdir -p "$inst/$KTESTS_COLLECTION"
make -C "$KTESTS_DIR" KSFT="$TREE/tools/testing/selftests" KHDR="$hdr/include" \
	OUT="$inst/$KTESTS_COLLECTION" WERROR="${WERROR:-0}" LLVM="${LLVM:-0}"
cp "$KTESTS_DIR/settings" "$inst/$KTESTS_COLLECTION/"
for p in "${KTESTS_PROGS[@]}"; do
	echo "$KTESTS_COLLECTION:$p" >>"$inst/kselftest-list.txt"
done
"$TOP/scripts/expected-cases.sh" "$inst"
say "installed in $inst"
