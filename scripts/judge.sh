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

if [ -s "$dir/tap.log" ]; then
	awk '
	/^# (not )?ok [0-9]+ / {
		line = substr($0, 3)
		kind = (line ~ /^not ok/) ? "fail" : "pass"
		if (line ~ /# [Ss][Kk][Ii][Pp]/) kind = "skip"
		sub(/^(not )?ok [0-9]+ /, "", line)
		sub(/ # .*/, "", line)
		cases[n++] = kind " " prog ": " line
		if (kind == "fail") nfail++
		next
	}
	/^# selftests: / { prog = $NF; next }
	/^(not )?ok [0-9]+ selftests: / {
		name = $0; sub(/^(not )?ok [0-9]+ selftests: /, "", name); sub(/ # .*/, "", name)
		kind = ($0 ~ /^not ok/) ? "fail" : "pass"
		if ($0 ~ /# [Ss][Kk][Ii][Pp]/) kind = "skip"
		if (n == 0)
			print kind, name
		for (i = 0; i < n; i++)
			print cases[i]
		if (n > 0 && kind == "fail" && nfail == 0)
			print "fail", name " (exit status, e.g. a timeout or a crash)"
		n = 0; nfail = 0
	}' "$dir/tap.log" >>"$res"
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
