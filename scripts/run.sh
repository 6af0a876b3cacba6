#!/usr/bin/env bash
# "make run": build what is missing, boot the patched kernel in virtme-ng
# and run the crash-recovery walkthrough (passthrough_recovery from the
# fuse selftests), printing each step and what it observed.
#
# usage: run.sh [NFILES]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

nfiles=${1:-4}
case $nfiles in
'' | *[!0-9]*) die "usage: run.sh [NFILES]  (NFILES: a number, 1 to 16)" ;;
esac

"$TOP/scripts/deps.sh"
"$TOP/scripts/get-base.sh"
# an existing work tree is the developer's: build it as it is
[ -d "$TREE/.git" ] || "$TOP/scripts/mk-tree.sh"
step "test kernel" "$LOG_DIR/kernel.log" "$TOP/scripts/build-kernel.sh"
step "selftests" "$LOG_DIR/selftests.log" "$TOP/scripts/build-selftests.sh"

walk=$WORK_DIR/kselftest/filesystems/fuse/passthrough_recovery
[ -x "$walk" ] || die "no $walk; does the work tree have the selftests patch?"
echo ">>> booting $(cat "$BUILD_DIR/include/config/kernel.release") (about a minute under emulation)"
vng --run "$BUILD_DIR/arch/x86/boot/bzImage" "${VNG_VM[@]}" -- "$walk" "$nfiles"
