#!/usr/bin/env bash
# The part of "make test" for the libfuse series: get the base, make the
# work tree from libfuse/, the export round trip, the judge's self-test,
# the build for the VM, the series' unit tests on the host, the gate (check-libfuse.sh) and, unless
# LIBFUSE_VMTEST=0 (when guest-test.sh runs libfuse's cases in the
# kselftests' boot), the VM run (libfuse-vmtest.sh). Writes "pass|fail
# NAME" lines to RESULTS, each NAME after "libfuse: ".
#
# test-all.sh runs the two halves apart, so that the gate's builds run
# beside a VM run (the VM uses one core):
#   --prepare  everything up to the build for the VM and the unit tests
#   --gate     the gate, and the VM run unless LIBFUSE_VMTEST=0
#
# usage: test-libfuse.sh [--prepare | --gate] RESULTS
set -euo pipefail
export BASE=libfuse
. "$(dirname "$0")/lib.sh"

usage() {
	die "usage: test-libfuse.sh [--prepare | --gate] RESULTS"
}
part=all
case ${1:-} in
--prepare | --gate)
	part=${1#--}
	shift
	;;
-*) usage ;;
esac
[ $# -eq 1 ] || usage
RESULTS=$1
RESULT_PREFIX="libfuse: "
mkdir -p "$LOG_DIR" "$(dirname "$RESULTS")"
: >"$RESULTS"
t0=$(date +%s)
built=$LOG_DIR/vm-ready

if [ "$part" != gate ]; then
	rm -f "$built"
	echo "=== libfuse: ${PATCHES#"$TOP"/}/ on Debian $BASE_PKG's newest upstream release in $BASE_SUITE"
	check "base source" "$TOP/scripts/get-base.sh" || exit 1
	make_tree_checked || exit 1
	check "patches regenerate byte-identical" "$TOP/scripts/export.sh" --check || true
	check "judge self-test" "$TOP/scripts/test-judge-libfuse.sh" || true
	if check "build for the VM (gcc -Dwerror=true)" "$TOP/scripts/build-libfuse.sh"; then
		echo ready >"$built"
		run_merged "unit tests on the host" "$LOG_DIR/unit/results" "$TOP/scripts/libfuse-unit.sh"
	else
		record fail "unit tests on the host (not run: libfuse did not build)"
	fi
fi
if [ "$part" != prepare ]; then
	[ -f "$TREE/.git/HEAD" ] || die "no work tree in $TREE: run test-libfuse.sh --prepare first"
	run_merged "gate" "$LOG_DIR/check/results" "$TOP/scripts/check-libfuse.sh"
	if [ "${LIBFUSE_VMTEST:-1}" = 0 ]; then
		:
	elif [ -f "$built" ]; then
		run_merged "vm tests" "$LOG_DIR/vmtest/results" "$TOP/scripts/libfuse-vmtest.sh"
	else
		record fail "vm tests (not run: libfuse did not build)"
	fi
fi
echo "=== libfuse ${part/all/pipeline} done in $(($(date +%s) - t0))s: $(count_results "$RESULTS")"
! grep -q '^fail ' "$RESULTS"
