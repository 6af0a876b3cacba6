#!/usr/bin/env bash
# The part of "make test" that is done once for each base (BASE=7.3, the
# mainline series, and BASE=6.12, the LTS backport): get the base, make the
# work tree from its patches, the export round trip, the upstream gate, the
# debug test kernel, the selftests, the VM run. Writes "pass|fail|skip
# NAME" lines to RESULTS, each NAME after "$BASE: ".
#
# usage: test-base.sh RESULTS
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: test-base.sh RESULTS"
RESULTS=$1
RESULT_PREFIX="$BASE: "
mkdir -p "$LOG_DIR" "$(dirname "$RESULTS")"
: >"$RESULTS"
t0=$(date +%s)

src=${KDIR:-Debian $BASE_PKG}
echo "=== Linux $BASE: ${PATCHES#"$TOP"/}/ on $src"
check "base source" "$TOP/scripts/get-base.sh" || exit 1
make_tree_checked || exit 1
check "patches regenerate byte-identical" "$TOP/scripts/export.sh" --check || true
run_merged "upstream gate" "$LOG_DIR/check/results" "$TOP/scripts/check.sh"
kernel_ok=1
check "test kernel build" "$TOP/scripts/build-kernel.sh" || kernel_ok=
selftests_ok=1
check "selftests build (-Werror)" env WERROR=1 "$TOP/scripts/build-selftests.sh" || selftests_ok=
if [ -n "$kernel_ok" ] && [ -n "$selftests_ok" ]; then
	run_merged "vm tests" "$LOG_DIR/vmtest/results" "$TOP/scripts/vmtest.sh"
else
	record fail "vm tests (not run: the kernel or the selftests did not build)"
fi
echo "=== Linux $BASE done in $(($(date +%s) - t0))s: $(count_results "$RESULTS")"
! grep -q '^fail ' "$RESULTS"
