#!/usr/bin/env bash
# The part of "make test" that is done once for each base (BASE=7.3, the
# mainline series, and BASE=6.12, the LTS backport): get the base, make the
# work tree from its patches, the export round trip, the upstream gate, the
# debug test kernel, the selftests, the VM run. Writes "pass|fail|skip
# NAME" lines to RESULTS, each NAME after "$BASE: ".
#
# test-all.sh runs the two halves apart, so that the next base is built
# while this one's VM runs (the VM uses one core):
#   --prepare  everything up to the VM run
#   --vm       the VM run, when --prepare built what it needs
#
# usage: test-base.sh [--prepare | --vm] RESULTS
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	die "usage: test-base.sh [--prepare | --vm] RESULTS"
}
part=all
case ${1:-} in
--prepare | --vm)
	part=${1#--}
	shift
	;;
-*) usage ;;
esac
[ $# -eq 1 ] || usage
RESULTS=$1
RESULT_PREFIX="$BASE: "
mkdir -p "$LOG_DIR" "$(dirname "$RESULTS")"
: >"$RESULTS"
t0=$(date +%s)
# what --prepare built for --vm: a kernel and selftests, or why not
ready=$LOG_DIR/vm-ready

if [ "$part" != vm ]; then
	rm -f "$ready"
	echo "=== Linux $BASE: ${PATCHES#"$TOP"/}/ on ${KDIR:-Debian $BASE_PKG}"
	check "base source" "$TOP/scripts/get-base.sh" || exit 1
	make_tree_checked || exit 1
	check "patches regenerate byte-identical" "$TOP/scripts/export.sh" --check || true
	run_merged "upstream gate" "$LOG_DIR/check/results" "$TOP/scripts/check.sh"
	why=
	check "test kernel build" "$TOP/scripts/build-kernel.sh" || why="the kernel did not build"
	check "selftests build (-Werror)" env WERROR=1 "$TOP/scripts/build-selftests.sh" ||
		why="${why:+$why, }the selftests did not build"
	echo "${why:-ready}" >"$ready"
fi
if [ "$part" != prepare ]; then
	why=$(cat "$ready" 2>/dev/null || echo "nothing was built for it")
	if [ "$why" = ready ]; then
		run_merged "vm tests" "$LOG_DIR/vmtest/results" "$TOP/scripts/vmtest.sh"
	else
		record fail "vm tests (not run: $why)"
	fi
fi
echo "=== Linux $BASE ${part/all/pipeline} done in $(($(date +%s) - t0))s: $(count_results "$RESULTS")"
! grep -q '^fail ' "$RESULTS"
