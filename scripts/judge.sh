#!/usr/bin/env bash
# Judge a VM test run in DIR: count the kselftest results (each harness test
# case, or the program when it prints no test cases) from tap.log, and fail
# on any splat in the guest's kernel log (dmesg.log, and the kernel lines of
# console.log when the guest died before saving dmesg) or in kmemleak.log.
# Writes DIR/results (one "pass|fail|skip NAME" line each) and prints
# "N passed, N failed, N skipped".
#
# usage: judge.sh DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	die "usage: judge.sh DIR"
fi
dir=$1
res=$dir/results
: >"$res"

# tap.log: the runner's line per program; tests/NAME: that program's own
# output, where a kselftest_harness program has a result line per test.
if [ -s "$dir/tap.log" ]; then
	grep -E '^(not )?ok [0-9]+ selftests: ' "$dir/tap.log" | while IFS= read -r line; do
		name=${line#*selftests: }
		name=${name%% # *}
		prog=${name##*: }
		kind=pass
		case $line in
		not\ ok*) kind=fail ;;
		*"# SKIP"* | *"# skip"*) kind=skip ;;
		esac
		cases=$(awk -v prog="$prog" '
			/selftests: / { next }
			/^(# )?(not )?ok [0-9]+ / {
				line = $0; sub(/^# /, "", line)
				kind = (line ~ /^not ok/) ? "fail" : "pass"
				if (line ~ /# [Ss][Kk][Ii][Pp]/) kind = "skip"
				sub(/^(not )?ok [0-9]+ /, "", line); sub(/ # .*/, "", line)
				print kind, prog ": " line
			}' "$dir/tests/$prog" 2>/dev/null || true)
		if [ -z "$cases" ]; then
			echo "$kind $name"
		else
			echo "$cases"
			# the program failed although no test case did: a crash or a timeout
			if [ "$kind" = fail ] && ! grep -q '^fail ' <<<"$cases"; then
				echo "fail $name (exit status: a crash or a timeout)"
			fi
		fi
	done >>"$res"
fi
grep -q . "$res" || echo "fail vm: no test results (see $dir/console.log)" >>"$res"

splat='BUG:|WARNING:|Oops|KASAN:|UBSAN:|suspicious RCU usage|possible .*(locking|deadlock|recursive)|unreferenced object|Call Trace|hung task|Kernel panic|general protection fault|RCU stall|soft lockup'
{
	[ -f "$dir/dmesg.log" ] && cat "$dir/dmesg.log"
	[ -f "$dir/console.log" ] && grep -E '^\[ *[0-9]+\.[0-9]+\]' "$dir/console.log"
	[ -f "$dir/kmemleak.log" ] && cat "$dir/kmemleak.log"
} 2>/dev/null | grep -E "$splat" | sort -u >"$dir/splats.log" || true
if [ -s "$dir/splats.log" ]; then
	echo "fail guest log: $(wc -l <"$dir/splats.log") splat lines (see $dir/splats.log)" >>"$res"
	sed 's/^/    /' "$dir/splats.log" | head -n 20
else
	echo "pass guest log: no splat" >>"$res"
fi

grep -E '^(fail|skip) ' "$res" | sed 's/^/  /' || true
p=$(grep -c '^pass ' "$res" || true)
f=$(grep -c '^fail ' "$res" || true)
s=$(grep -c '^skip ' "$res" || true)
echo "vmtest: $p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
