#!/usr/bin/env bash
# The part of "make test" for the libfuse series: get the base, make
# the work tree from libfuse/, the export round trip, the gate
# (check-libfuse.sh), the build for the VM and, unless LIBFUSE_VMTEST=0
# (when guest-test.sh runs libfuse's cases in the kselftests' boot), the VM
# run (libfuse-vmtest.sh). Writes "pass|fail NAME" lines to RESULTS, each
# NAME after "libfuse: ".
#
# usage: test-libfuse.sh RESULTS
set -euo pipefail
export BASE=libfuse
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: test-libfuse.sh RESULTS"
RESULTS=$1
RESULT_PREFIX="libfuse: "
mkdir -p "$LOG_DIR" "$(dirname "$RESULTS")"
: >"$RESULTS"
t0=$(date +%s)

echo "=== libfuse: ${PATCHES#"$TOP"/}/ on Debian $BASE_PKG's newest upstream release in $BASE_SUITE"
check "base source" "$TOP/scripts/get-base.sh" || exit 1
make_tree_checked || exit 1
check "patches regenerate byte-identical" "$TOP/scripts/export.sh" --check || true
check "judge self-test" "$TOP/scripts/test-judge-libfuse.sh" || true
run_merged "gate" "$LOG_DIR/check/results" "$TOP/scripts/check-libfuse.sh"
if check "build for the VM (gcc -Dwerror=true)" "$TOP/scripts/build-libfuse.sh"; then
	if [ "${LIBFUSE_VMTEST:-1}" != 0 ]; then
		run_merged "vm tests" "$LOG_DIR/vmtest/results" "$TOP/scripts/libfuse-vmtest.sh"
	fi
else
	record fail "vm tests (not run: libfuse did not build)"
fi
echo "=== libfuse done in $(($(date +%s) - t0))s: $(count_results "$RESULTS")"
! grep -q '^fail ' "$RESULTS"
