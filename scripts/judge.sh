#!/usr/bin/env bash
# Judge a VM test run in DIR, strictly: every way a run can look green
# without being so is a failure with its reason.
#
#   DIR/vm-exit    the exit status of the VM (vmtest.sh); missing, not 0,
#                  or 124 (VM_TIMEOUT) is a failure
#   DIR/tap.log    the kselftest runner's TAP: its plan "1..N" must be
#                  there and N programs must have a result line
#   DIR/tests/P    program P's own output: each harness test case is a
#                  result; its own plan must be met; a "not ok" there is a
#                  failure even when the runner's line is missing or "ok"
#   kernel log     dmesg.log, kmemleak.log, and the timestamped kernel
#                  lines of console.log: any splat (lib.sh: SPLAT_RE) fails
#
# With --no-skip REGEX, a SKIP of a test case (or of the whole program) of
# a program whose name matches REGEX is a failure: on the kernel that the
# tests were written for, nothing there may skip.
#
# Writes DIR/results (one "pass|fail|skip NAME" line each), prints the
# failures and skips and "vmtest: N passed, N failed, N skipped"; exits 1
# when anything failed.
#
# usage: judge.sh [--no-skip REGEX] DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	die "usage: judge.sh [--no-skip REGEX] DIR"
}
noskip=
if [ "${1:-}" = --no-skip ]; then
	[ $# -ge 2 ] || usage
	noskip=$2
	shift 2
fi
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	usage
fi
dir=$1
res=$dir/results
: >"$res"

fail() {
	echo "fail $*" >>"$res"
}

# The VM itself.
if [ ! -f "$dir/vm-exit" ]; then
	fail "vm: no exit status recorded (was the VM started?)"
else
	case $(cat "$dir/vm-exit") in
	0) ;;
	124) fail "vm: timed out (VM_TIMEOUT), killed before the run ended" ;;
	*) fail "vm: exited with status $(cat "$dir/vm-exit") (see $dir/console.log)" ;;
	esac
fi

# The runner's plan and its line per program.
tap=$dir/tap.log
[ -f "$tap" ] || : >"$tap"
plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$tap" | head -n 1)
ran=$(grep -cE '^(not )?ok [0-9]+ selftests: ' "$tap" || true)
if [ -z "$plan" ]; then
	fail "runner: no plan (1..N) in tap.log; the runner did not start or its output is lost"
elif [ "$ran" -lt "$plan" ]; then
	fail "runner: $ran of $plan programs have a result line; the run was cut short"
fi

# judge_program PROG RUNNER_LINE: the test cases of one program
judge_program() {
	local prog=$1 line=$2 log=$dir/tests/$1 kind=pass cases
	case $line in
	"") kind=none ;;
	not\ ok*) kind=fail ;;
	*"# SKIP"* | *"# skip"*) kind=skip ;;
	esac
	cases=$(awk -v prog="$prog" '
		{ sub(/^# /, "") }
		/^1\.\.[0-9]+$/ && !plan { plan = substr($0, 4) + 0; next }
		/^(not )?ok [0-9]+ / {
			kind = /^not ok/ ? "fail" : "pass"
			if ($0 ~ / # [Ss][Kk][Ii][Pp]/) kind = "skip"
			name = $0; sub(/^(not )?ok [0-9]+ /, "", name)
			print kind, prog ": " name
			n++
		}
		END {
			if (plan && n < plan)
				printf "fail %s: %d of %d planned test cases have a result\n", prog, n, plan
		}' "$log" 2>/dev/null || true)
	if [ -n "$cases" ]; then
		echo "$cases"
	elif [ "$kind" != none ]; then
		echo "$kind $prog"
	fi
	case $kind in
	none) echo "fail $prog: no result line from the runner" ;;
	fail)
		grep -q '# TIMEOUT' <<<"$line" && echo "fail $prog: timed out (runner: ${line##*# })"
		grep -q '^fail ' <<<"$cases" || echo "fail $prog: exit status says failed, no test case did (a crash?)"
		;;
	esac
}

# Every program the runner names, and every program that left output.
{
	sed -n 's/^\(not \)\{0,1\}ok [0-9][0-9]* selftests: [^:]*: \([^ ]*\).*/\2/p' "$tap"
	if [ -d "$dir/tests" ]; then
		find "$dir/tests" -maxdepth 1 -type f -printf '%f\n'
	fi
} | sort -u | while IFS= read -r prog; do
	line=$(grep -E "^(not )?ok [0-9]+ selftests: [^:]*: $prog( |$)" "$tap" | head -n 1 || true)
	judge_program "$prog" "$line"
done | sed 's/  *$//' >>"$res"

if [ -n "$noskip" ]; then
	awk -v re="$noskip" '$1 == "skip" && $2 ~ re { $1 = "fail"; $2 = $2 " SKIP on the kernel the tests are for:" } 1' \
		"$res" >"$res.new"
	mv "$res.new" "$res"
fi
grep -q '^pass ' "$res" || fail "vm: no test passed (no results at all?); see $dir/console.log"

# The kernel log.
{
	cat "$dir/dmesg.log" "$dir/kmemleak.log" 2>/dev/null || true
	grep -E '^\[ *[0-9]+\.[0-9]+\]' "$dir/console.log" 2>/dev/null || true
} | splats | sort -u >"$dir/splats.log" || true
if [ -s "$dir/splats.log" ]; then
	fail "guest log: $(wc -l <"$dir/splats.log") splat lines, first: $(head -n 1 "$dir/splats.log")"
	sed 's/^/    /' "$dir/splats.log" | head -n 20
else
	echo "pass guest log: no splat" >>"$res"
fi

grep -E '^(fail|skip) ' "$res" | sed 's/^/  /' || true
echo "vmtest: $(count_results "$res")"
! grep -q '^fail ' "$res"
