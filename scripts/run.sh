#!/usr/bin/env bash
# "make run": build what is missing, boot the patched kernel in virtme-ng
# and run the crash-recovery walkthrough (demo/passthrough_recovery.c),
# printing each step and what it observed: a passthrough server is killed
# with files open and an OPEN read but not answered, and a standby server
# takes over its /dev/fuse fd, closes the old backing ids, registers its
# files again and has the unanswered OPEN sent again. Then, in the same
# boot, the libfuse series' example (example/passthrough_takeover.c) does
# the same with libfuse, as its test case drives it, and its log is shown
# (scripts/guest-run.sh).
#
# usage: run.sh [NFILES]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

nfiles=${1:-4}
case $nfiles in
'' | *[!0-9]*) die "usage: run.sh [NFILES]  (NFILES: a number, 1 to 16)" ;;
esac

walk=$WORK_DIR/demo/passthrough_recovery
server=$KTESTS_DIR

# Not a kselftest: built here against the work tree's uapi headers (which
# build-selftests.sh installs) and the full raw passthrough server of
# tests/kernel (the series' lean one has no resend or fd passing).
build_walkthrough() {
	mkdir -p "$(dirname "$walk")"
	"${CC:-cc}" -O2 -g -Wall -Werror -isystem "$WORK_DIR/headers/include" \
		-I "$server" -o "$walk" "$TOP/demo/passthrough_recovery.c"
}

"$TOP/scripts/deps.sh"
"$TOP/scripts/get-base.sh"
# an existing work tree is the developer's: build it as it is
[ -d "$TREE/.git" ] || "$TOP/scripts/mk-tree.sh"
step "test kernel" "$LOG_DIR/kernel.log" "$TOP/scripts/build-kernel.sh"
step "selftests" "$LOG_DIR/selftests.log" "$TOP/scripts/build-selftests.sh"
step "walkthrough" "$LOG_DIR/walkthrough.log" build_walkthrough
# the libfuse series, for its example's takeover
BASE=libfuse "$TOP/scripts/get-base.sh"
lf_tree=$(BASE=libfuse bash -c '. "$1/scripts/lib.sh"; echo "$TREE"' _ "$TOP")
[ -d "$lf_tree/.git" ] || BASE=libfuse "$TOP/scripts/mk-tree.sh"
step "libfuse" "$LOG_DIR/libfuse.log" "$TOP/scripts/build-libfuse.sh"

echo ">>> booting $(cat "$BUILD_DIR/include/config/kernel.release") (minutes under emulation)"
vng --run "$BUILD_DIR/arch/x86/boot/bzImage" "${VNG_VM[@]}" -- \
	"$TOP/scripts/guest-run.sh" "$walk" "$nfiles" "$LIBFUSE_VM_BUILD"
