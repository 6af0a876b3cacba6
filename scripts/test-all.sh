#!/usr/bin/env bash
# Everything CI runs ("make test"): install what is missing, get the base,
# make the work tree from patches/, run the static checks, build the test
# kernel and the selftests, run them in the VM. Every check adds a
# "pass|fail|skip NAME" line to $LOG_DIR/results; the last line printed
# is "N passed, N failed".
#
# usage: test-all.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 0 ] || die "usage: test-all.sh"
results=$LOG_DIR/results
mkdir -p "$LOG_DIR"
: >"$results"
t_start=$(date +%s)

record() {
	echo "$1 $2" >>"$results"
}

# check NAME CMD...: one result line for the command's exit status
check() {
	local name=$1
	shift
	if step "$name" "$LOG_DIR/${name//[^a-zA-Z0-9]/-}.log" "$@"; then
		record pass "$name"
	else
		record fail "$name"
		return 1
	fi
}

# run_merged NAME RESULTS CMD...: run a script that writes its own result
# lines to RESULTS and add them; a script that fails without saying why in
# RESULTS (or writes none) is a failure of its own
run_merged() {
	local name=$1 file=$2 rc=0
	shift 2
	rm -f "$file"
	"$@" || rc=$?
	[ -f "$file" ] && cat "$file" >>"$results"
	if [ ! -s "$file" ]; then
		record fail "$name: no results (exit status $rc)"
	elif [ "$rc" -ne 0 ] && ! grep -q '^fail ' "$file"; then
		record fail "$name: exit status $rc, no failure in its results"
	fi
}

summary() {
	local p f s
	echo
	echo "=== results ($(($(date +%s) - t_start))s, details in $LOG_DIR)"
	grep -E '^(fail|skip) ' "$results" | sed 's/^/  /' || true
	read -r p _ f _ s _ <<<"$(count_results "$results" | tr -d ,)"
	echo "skipped: $s"
	echo "$p passed, $f failed"
	[ "$f" -eq 0 ]
}
trap summary EXIT

check "judge self-test" "$TOP/scripts/test-judge.sh" || true
check "host dependencies" "$TOP/scripts/deps.sh" || exit 1
check "base source" "$TOP/scripts/get-base.sh" || exit 1
check "git am series on the base" "$TOP/scripts/mk-tree.sh" || exit 1
check "patches regenerate byte-identical" "$TOP/scripts/export.sh" --check || true
check "shellcheck" "$TOP/scripts/lint.sh" || true
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
